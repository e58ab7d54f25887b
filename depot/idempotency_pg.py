"""The idempotency statements on PostgreSQL, sent straight through psycopg (:mod:`depot.pg_raw`).

Every intake request claims its keys and reads or stores an answer: :mod:`depot.idempotency`
sends these statements from here on PostgreSQL, and SQLAlchemy's on SQLite. Values are written
as SQLAlchemy's column types would write them (the state's value, a timezone-aware time, JSON)
and read back the same way (the state as its enum, the time in UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from psycopg.types.json import Json
from sqlalchemy import Connection

from depot import pg_raw
from models import IdempotencyState

_CLAIM = (
    "INSERT INTO idempotency_records (scope, key, fingerprint, state, created_at) "
    "SELECT t.scope, t.key, %(fingerprint)s, %(state)s, %(now)s "
    "FROM unnest(CAST(%(scopes)s AS text[]), CAST(%(keys)s AS text[])) "
    "WITH ORDINALITY AS t(scope, key, n) ORDER BY t.n "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING id, scope, key"
)
_HELD = (
    "SELECT id, scope, key, fingerprint, state, status_code, response_body, created_at "
    "FROM idempotency_records WHERE scope = %(scope)s AND key = %(key)s"
)
_COMPLETE = (
    "UPDATE idempotency_records SET state = %(state)s, status_code = %(code)s, "
    "response_body = %(body)s, completed_at = %(now)s WHERE id = ANY(%(ids)s)"
)


class HeldRecord(NamedTuple):
    """An idempotency record as :func:`read_held` reads it."""

    id: int
    scope: str
    key: str
    fingerprint: str
    state: IdempotencyState
    status_code: int | None
    response_body: Any
    created_at: datetime


def insert_claims(
    conn: Connection, scope_keys: list[tuple[str, str]], fingerprint: str, now: datetime
) -> list[tuple[int, str, str]]:
    """Claim the keys nobody holds (``INSERT ... ON CONFLICT DO NOTHING``), in the given order;
    ``(id, scope, key)`` of each one claimed."""
    params = {
        "scopes": [scope for scope, _key in scope_keys],
        "keys": [key for _scope, key in scope_keys],
        "fingerprint": fingerprint,
        "state": IdempotencyState.IN_FLIGHT.value,
        "now": now,
    }
    return [(row[0], row[1], row[2]) for row in pg_raw.execute(conn, _CLAIM, params)]


def read_held(conn: Connection, scope: str, key: str) -> HeldRecord | None:
    """The record of ``(scope, key)``, or ``None``."""
    row = pg_raw.execute(conn, _HELD, {"scope": scope, "key": key}).fetchone()
    if row is None:
        return None
    record_id, scope, key, fingerprint, state, status_code, body, created_at = row
    return HeldRecord(
        record_id, scope, key, fingerprint, IdempotencyState(state), status_code, body,
        created_at.astimezone(UTC),
    )  # fmt: skip


def complete(
    conn: Connection, record_ids: list[int], status_code: int, body: Any, now: datetime
) -> None:
    """Store the answer on the claimed records (in the connection's transaction)."""
    params = {
        "state": IdempotencyState.DONE.value,
        "code": status_code,
        "body": Json(body),
        "now": now,
        "ids": record_ids,
    }
    pg_raw.execute(conn, _COMPLETE, params)
