"""Alembic environment: migrates the database whose URL (or connection) the caller passes in.

Nothing is read from a global config file or the environment here: :mod:`models.migrate` puts
either ``connection`` or ``url`` into ``config.attributes``. SQLite migrations run in batch mode,
so later revisions can alter columns there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from models import Base
from models.session import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    # Batch mode copies and drops a table to alter it; with rows referring to it, SQLite's
    # foreign-key check would refuse the drop (Alembic's batch docs), so it is off for the
    # migration. Only on a connection of our own: a caller's open transaction is left alone.
    sqlite = connection.dialect.name == "sqlite"
    pragma = sqlite and not connection.in_transaction()
    if pragma:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if pragma:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def run_migrations_online() -> None:
    """Run the migrations on the connection or URL given in ``config.attributes``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url")
    if not url:
        raise RuntimeError("models.migrations: no database URL or connection was passed in")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; pass a URL")
run_migrations_online()
