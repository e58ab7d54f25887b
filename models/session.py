"""Engines and sessions for a database URL (SQLite file or PostgreSQL).

SQLite gets write-ahead logging (readers do not block the writer), enforced foreign keys (off by
default in SQLite) and a busy timeout, so concurrent requests wait for the write lock instead of
failing at once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: A pooled PostgreSQL connection idle for longer than this is checked (``SELECT 1``) before it
#: is handed out; one in steady use is not (a ping per checkout cost the intake as much as a
#: third of its statements). If the server restarted within that time, the first statement on
#: each process's stale connection fails and the pool replaces all of them.
PING_AFTER_IDLE_S = 5.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``, with SQLite pragmas applied on every new connection.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``sqlite:///var/bakfiets.db`` or
        ``postgresql+psycopg://user@host:5432/name`` (``postgresql://`` is read as psycopg 3).
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.

    Returns
    -------
    Engine

    Raises
    ------
    sqlalchemy.exc.ArgumentError
        The URL cannot be parsed.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed, **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Check a connection before use when it has been idle for :data:`PING_AFTER_IDLE_S`."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and hands out another (a new one if need be).
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
