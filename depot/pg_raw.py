"""Statements sent straight through psycopg on a SQLAlchemy connection to PostgreSQL.

Every order runs the intake's few statements (the idempotency claim and answer, the order's
rows); through SQLAlchemy each cost two to three times the driver's own work (parameters
processed one by one, results wrapped), which the intake load run measured at ~140 µs for the
order's statement alone. Sent here, they run on the same connection and in the same
transaction, and fail with the exceptions SQLAlchemy would raise (``IntegrityError``,
``OperationalError``, ... with the driver's error as ``orig``), so callers handle them as
before. Parameters are psycopg's (``%(name)s`` or ``%s``) and values go in as psycopg adapts
them: enum values as strings, timezone-aware datetimes, ``Json`` for JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


def execute(
    conn: Connection, statement: str, params: Mapping[str, Any] | Sequence[Any]
) -> psycopg.Cursor[Any]:
    """Execute ``statement`` on ``conn``'s psycopg connection (PostgreSQL only); its cursor.

    Raises
    ------
    sqlalchemy.exc.DBAPIError
        The subclass SQLAlchemy raises for the driver's error.
    """
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection), "PostgreSQL through psycopg only"
    try:
        return driver.execute(statement, params)
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, params, exc, psycopg.Error) from exc
