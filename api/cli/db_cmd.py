"""``bakfiets db``: migrate the database (``BAKFIETS_DATABASE_URL``; a SQLite file by default)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.exc import ArgumentError, OperationalError

from api.cli import app
from api.cli.errors import fail
from depot.idempotency import purge_expired
from depot.settings import Settings
from models.idempotency import RETENTION_DAYS
from models.migrate import current_revision, new_revision, upgrade
from models.session import make_engine, make_sessionmaker

db_app = typer.Typer(
    help="The database: migrate it, or write a new migration.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


def _display(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """A bad or unreachable ``BAKFIETS_DATABASE_URL`` is one line naming it, exit status 2."""
    try:
        yield
    except ArgumentError as exc:
        fail("BAKFIETS_DATABASE_URL", f"not a database URL ({exc})")
    except OperationalError as exc:
        fail("BAKFIETS_DATABASE_URL", f"{_display(url)}: cannot connect ({exc.orig})")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
) -> None:
    """Apply every migration not yet applied (creates the SQLite file if needed)."""
    url = Settings().database_url
    with _database_errors(url):
        upgrade(url, revision)
        engine = make_engine(url)
        try:
            at = current_revision(engine)
        finally:
            engine.dispose()
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


@db_app.command("purge-idempotency")
def db_purge_idempotency(
    older_than_days: Annotated[
        int,
        typer.Option(
            "--older-than-days",
            help=f"Delete records older than this many days (at least {RETENTION_DAYS}).",
        ),
    ] = RETENTION_DAYS,
) -> None:
    """Delete the stored first answers of intake requests older than N days (run daily).

    A repeat of a purged request is no longer answered from its first answer; an order's
    (source, external id) stays unique all the same, so it is refused (409), never booked twice.
    """
    if older_than_days < RETENTION_DAYS:
        fail("--older-than-days", f"keep idempotency records at least {RETENTION_DAYS} days")
    url = Settings().database_url
    with _database_errors(url):
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                deleted = purge_expired(session=session, retention_days=older_than_days)
        finally:
            engine.dispose()
    typer.echo(f"deleted {deleted} idempotency records older than {older_than_days} days")
