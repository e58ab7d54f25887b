"""``bakfiets db``: migrate the database (``BAKFIETS_DATABASE_URL``; a SQLite file by default)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import ArgumentError, OperationalError

from api.cli import app
from api.cli.errors import fail
from depot.settings import Settings
from models.migrate import current_revision, new_revision, upgrade
from models.session import make_engine

db_app = typer.Typer(
    help="The database: migrate it, or write a new migration.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


def _display(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
) -> None:
    """Apply every migration not yet applied (creates the SQLite file if needed)."""
    settings = Settings()
    url = settings.database_url
    try:
        upgrade(url, revision)
        engine = make_engine(url)
        try:
            at = current_revision(engine)
        finally:
            engine.dispose()
    except ArgumentError as exc:
        fail("BAKFIETS_DATABASE_URL", f"not a database URL ({exc})")
    except OperationalError as exc:
        fail("BAKFIETS_DATABASE_URL", f"{_display(url)}: cannot connect ({exc.orig})")
    typer.echo(f"database {_display(url)} is at revision {at}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the revision does.")],
) -> None:
    """Autogenerate a migration from the models against the (upgraded) database; read it after."""
    if not message.strip():
        fail("--message", "say in a few words what the revision does")
    url = Settings().database_url
    upgrade(url)
    typer.echo(new_revision(url, message))
