"""Alembic, driven from Python: upgrade a database, autogenerate a revision, compare.

The URL is passed in by the caller (the CLI, ``bakfiets serve``, the tests); nothing here reads
settings or the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from models import Base
from models.session import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` using the migrations in ``models/migrations``.

    Parameters
    ----------
    url : str
        SQLAlchemy database URL.

    Returns
    -------
    alembic.config.Config
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (the latest by default).

    Parameters
    ----------
    url : str
        SQLAlchemy database URL; a SQLite file and its directory are created if missing.
    revision : str
        Target revision id, or ``"head"``.
    """
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The id of the latest revision in ``models/migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at (``None`` if never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_changes(url: str) -> list[Any]:
    """What autogenerate would put in a new revision: differences between the models and the
    database at ``url`` (empty when the migrations match the models).

    Parameters
    ----------
    url : str
        A database already upgraded to head.

    Returns
    -------
    list
        Alembic's diff tuples (``("add_table", Table)``, ``("add_column", ...)``...).
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def new_revision(url: str, message: str) -> str:
    """Autogenerate a revision from the difference between the models and ``url``'s database.

    Parameters
    ----------
    url : str
        A database at head (a scratch SQLite file will do).
    message : str
        One line saying what the revision does.

    Returns
    -------
    str
        Path of the new revision file; read the diff before committing it.
    """
    script = command.revision(alembic_config(url), message=message, autogenerate=True)
    if isinstance(script, list):
        script = script[0]
    assert script is not None
    return str(script.path)
