"""Idempotent intake: a repeated request gets the first answer, never a second order.

A request names one or more keys (an order's ``(source, external_id)``, a client's
``Idempotency-Key``). Before any work, each key is *claimed* (one ``INSERT ... ON CONFLICT DO
NOTHING``) in its own committed transaction, so a concurrent repeat sees it at once. The work
and the stored answer are then committed together; a repeat afterwards gets that answer (same
status code, same body). Following draft-ietf-httpapi-idempotency-key-header: the same key
with a different body is refused (422), and a repeat while the first is still running is
refused (409). A claim whose request died (still in flight after :data:`STALE_IN_FLIGHT_S`) is
taken over.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from depot import idempotency_pg
from depot.errors import ConflictError, InvalidInputError
from models import IdempotencyRecord, IdempotencyState, utcnow
from models.idempotency import RETENTION_DAYS

_RECORDS = cast(Table, IdempotencyRecord.__table__)

# Statements built once (every intake request runs them): a ready statement skips building it.
_HELD = select(_RECORDS).where(
    _RECORDS.c.scope == bindparam("scope"), _RECORDS.c.key == bindparam("key")
)
_COMPLETE = (
    update(_RECORDS)
    .where(_RECORDS.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        state=IdempotencyState.DONE,
        status_code=bindparam("code"),
        response_body=bindparam("body", type_=_RECORDS.c.response_body.type),
        completed_at=bindparam("completed", type_=_RECORDS.c.completed_at.type),
    )
)

#: A claim still in flight after this long belongs to a request that died; it is taken over.
STALE_IN_FLIGHT_S = 120


@dataclass(frozen=True)
class Claim:
    """One key to claim: ``scope`` and ``key``, and the request field it came from."""

    scope: str
    key: str
    field: str


@dataclass(frozen=True)
class Replay:
    """The stored first answer to a repeated request."""

    status_code: int
    body: Any


def fingerprint(payload: Any) -> str:
    """SHA-256 of ``payload`` as canonical JSON (sorted keys), to tell a repeat from a change."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: ``INSERT ... ON CONFLICT (scope, key) DO NOTHING RETURNING`` on SQLite (PostgreSQL:
#: :mod:`depot.idempotency_pg`): claims the keys nobody holds and names them. Built once, so its
#: compiled form is cached.
_CLAIM = (
    sqlite.insert(_RECORDS)
    .on_conflict_do_nothing(index_elements=["scope", "key"])
    .returning(_RECORDS.c.id, _RECORDS.c.scope, _RECORDS.c.key)
)


def claim(
    session: Session,
    claims: list[Claim],
    request_fingerprint: str,
    *,
    now: datetime | None = None,
    commit: bool = True,
) -> Replay | list[int]:
    """Claim every key, or find the first answer.

    One ``INSERT ... ON CONFLICT DO NOTHING`` claims the keys nobody holds; only a key someone
    holds is read (to replay its answer, or refuse). A key whose first request is still being
    written in another transaction makes the insert wait for that transaction (the database's
    unique index does the waiting): when it commits, its answer is replayed; when it fails, the
    key is claimed here. A wait cut short by the database's ``lock_timeout`` (or SQLite's busy
    timeout) is a 409.

    Parameters
    ----------
    session : Session
        With no pending work.
    claims : list of Claim
    request_fingerprint : str
        :func:`fingerprint` of the request.
    now : datetime, optional
        For tests; the current UTC time by default.
    commit : bool
        Commit the claims before returning (a concurrent repeat then sees them in flight and
        gets 409), or leave them in the session's transaction, to be committed with the work
        and its answer (a concurrent repeat waits for that commit). On a replay or a refusal the
        transaction is rolled back either way.

    Returns
    -------
    Replay or list of int
        The stored answer of a finished earlier request, or the ids of the claimed records.

    Raises
    ------
    InvalidInputError
        A key was first used with a different request (its ``field`` is named).
    ConflictError
        The first request with a key is still in flight.
    """
    # One order of keys for every request, so that two requests sharing keys wait on each other
    # in the same order and never deadlock.
    claims = sorted(claims, key=lambda c: (c.scope, c.key))
    for _attempt in range(3):
        now = now or utcnow()
        conn = session.connection()
        try:
            inserted = _insert_claims(conn, claims, request_fingerprint, now)
        except OperationalError as exc:
            if not _waited_too_long(exc):
                raise
            session.rollback()
            raise _in_flight(claims[0]) from None
        ids = {(scope, key): record_id for record_id, scope, key in inserted}
        held = [c for c in claims if (c.scope, c.key) not in ids]
        if not held:
            if commit:
                session.commit()
            return list(ids.values())
        existing = {}
        for c in held:
            record = _read_held(conn, c)
            if record is not None:
                existing[(c.scope, c.key)] = record
        if len(existing) < len(held):
            # A holder released its claim between our insert and our read: claim again.
            session.rollback()
            now = None
            continue
        outcome = _settle_held(session, held, existing, request_fingerprint, now)
        if isinstance(outcome, Replay):
            _give_up_claims(session, claimed_any=bool(ids))
            return outcome
        if commit:
            session.commit()
        return list(ids.values()) + outcome
    raise ConflictError("", "the same request is arriving concurrently; retry in a few seconds")


def _give_up_claims(session: Session, *, claimed_any: bool) -> None:
    """End the transaction of a request answered from the first answer.

    Rolled back when it claimed a key (a request naming two keys, one of them new); otherwise
    it wrote nothing and is committed: psycopg forgets every statement it prepared on the
    connection at each rollback, and PostgreSQL then parses and plans them all again (a third
    of the database's CPU in the intake load run, where every other request is a repeat).
    """
    if claimed_any:
        session.rollback()
    else:
        session.commit()


def _insert_claims(
    conn: Connection, claims: list[Claim], request_fingerprint: str, now: datetime
) -> list[tuple[int, str, str]]:
    """``(id, scope, key)`` of each key claimed now (on PostgreSQL through
    :mod:`depot.idempotency_pg`)."""
    if conn.dialect.name == "postgresql":
        scope_keys = [(c.scope, c.key) for c in claims]
        return idempotency_pg.insert_claims(conn, scope_keys, request_fingerprint, now)
    rows = [
        {
            "scope": c.scope,
            "key": c.key,
            "fingerprint": request_fingerprint,
            "state": IdempotencyState.IN_FLIGHT,
            "created_at": now,
        }
        for c in claims
    ]
    return [(row.id, row.scope, row.key) for row in conn.execute(_CLAIM, rows)]


def _read_held(conn: Connection, c: Claim) -> Any:
    """The record of a key someone holds (``None`` if it was released meanwhile)."""
    if conn.dialect.name == "postgresql":
        return idempotency_pg.read_held(conn, c.scope, c.key)
    return conn.execute(_HELD, {"scope": c.scope, "key": c.key}).first()


def _waited_too_long(exc: OperationalError) -> bool:
    """Whether the database gave up waiting for another transaction's lock: PostgreSQL's
    ``lock_timeout`` (SQLSTATE 55P03) or SQLite's busy timeout."""
    return getattr(exc.orig, "sqlstate", None) == "55P03" or "database is locked" in str(exc.orig)


def _in_flight(c: Claim) -> ConflictError:
    return ConflictError(
        c.field,
        f"the first request with '{c.key}' is still being processed; "
        "retry in a few seconds to get its answer",
    )


def _settle_held(
    session: Session,
    held: list[Claim],
    existing: dict[tuple[str, str], Any],
    request_fingerprint: str,
    now: datetime,
) -> Replay | list[int]:
    """For keys someone else claimed: refuse another body (422), replay a finished answer,
    refuse while in flight (409), or take over a claim whose request died; rolls back on refusal.
    """
    for c in held:
        record = existing[(c.scope, c.key)]
        if record.fingerprint != request_fingerprint:
            session.rollback()
            raise InvalidInputError(
                c.field,
                f"'{c.key}' was already used for a different request "
                f"(first received {record.created_at:%Y-%m-%d %H:%M:%S} UTC); "
                "send the same body to get the first answer, or use a new key",
            )
    for record in existing.values():
        if record.state is IdempotencyState.DONE:
            return Replay(int(record.status_code or 200), record.response_body)
    taken: list[int] = []
    for c in held:
        record = existing[(c.scope, c.key)]
        if now - record.created_at < timedelta(seconds=STALE_IN_FLIGHT_S):
            session.rollback()
            raise _in_flight(c)
        result = session.connection().execute(
            update(_RECORDS)
            .where(
                _RECORDS.c.id == record.id,
                _RECORDS.c.created_at == record.created_at,
                _RECORDS.c.state == IdempotencyState.IN_FLIGHT,
            )
            .values(created_at=now)
        )
        if result.rowcount != 1:
            session.rollback()
            raise ConflictError(c.field, f"another request with '{c.key}' is being processed")
        taken.append(record.id)
    return taken


def complete(session: Session, record_ids: list[int], status_code: int, body: Any) -> None:
    """Store the answer on the claimed records, in the caller's transaction (not committed)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        idempotency_pg.complete(conn, record_ids, status_code, body, utcnow())
        return
    conn.execute(
        _COMPLETE,
        {"ids": record_ids, "code": status_code, "body": body, "completed": utcnow()},
    )


def purge_expired(
    *, session: Session, now: datetime | None = None, retention_days: int = RETENTION_DAYS
) -> int:
    """Delete records older than ``retention_days`` (at least 7) and commit.

    Run it daily: ``bakfiets db purge-idempotency`` from cron, or a periodic (Celery beat)
    task calling this with a session of its own.

    An order's own ``(source, external_id)`` stays unique in the orders table after its record
    is gone, so a very late repeat is still refused (409) rather than booked twice.

    Returns
    -------
    int
        How many records were deleted.
    """
    if retention_days < RETENTION_DAYS:
        raise ValueError(f"retention_days: keep records at least {RETENTION_DAYS} days")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
