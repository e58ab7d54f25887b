"""A database session for a command, with a bad or unreachable database reported as one line
naming ``BAKFIETS_DATABASE_URL`` (exit status 2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from api.cli.errors import fail
from models.session import make_engine, make_sessionmaker


@contextmanager
def command_session(url: str) -> Iterator[Session]:
    """A session on ``url``; the engine is disposed of afterwards.

    Raises
    ------
    typer.Exit
        Status 2: the URL cannot be parsed, or the database cannot be reached or read (not
        migrated: the message says to run ``bakfiets db upgrade``).
    """
    try:
        engine = make_engine(url)
    except ArgumentError as exc:
        fail("BAKFIETS_DATABASE_URL", f"not a database URL ({exc})")
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    except OperationalError as exc:
        fail(
            "BAKFIETS_DATABASE_URL",
            f"{shown}: cannot read it ({exc.orig}); is it running and upgraded "
            "(bakfiets db upgrade)?",
        )
    finally:
        engine.dispose()
