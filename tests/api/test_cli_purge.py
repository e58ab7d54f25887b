"""``bakfiets db purge-idempotency``: stored first answers are kept a week, then deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import IdempotencyRecord, IdempotencyState, utcnow


def _record(session: Session, key: str, age_days: float) -> None:
    session.add(
        IdempotencyRecord(
            scope="order:webshop",
            key=key,
            fingerprint="0" * 64,
            state=IdempotencyState.DONE,
            status_code=201,
            response_body={"id": 1},
            created_at=utcnow() - timedelta(days=age_days),
        )
    )
    session.commit()


@pytest.fixture
def purge(
    run_cli: Callable[..., Any], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """``bakfiets db purge-idempotency ARGS`` on the test database."""
    monkeypatch.setenv("BAKFIETS_DATABASE_URL", db_url)
    return lambda *args: run_cli("db", "purge-idempotency", *args)


def _keys(session: Session) -> set[str]:
    session.rollback()
    return set(session.scalars(select(IdempotencyRecord.key)))


def test_purge_keeps_the_last_seven_days(session: Session, purge: Callable[..., Any]) -> None:
    """By default records older than seven days go and younger ones stay; a longer
    retention keeps more."""
    _record(session, "WS-40-days", 40)
    _record(session, "WS-8-days", 8)
    _record(session, "WS-6-days", 6.9)
    _record(session, "WS-today", 0)
    result = purge("--older-than-days", "30")
    assert result.exit_code == 0, result.output
    assert "deleted 1 idempotency records older than 30 days" in result.stdout
    assert _keys(session) == {"WS-8-days", "WS-6-days", "WS-today"}
    result = purge()
    assert result.exit_code == 0, result.output
    assert "deleted 1 idempotency records older than 7 days" in result.stdout
    assert _keys(session) == {"WS-6-days", "WS-today"}


def test_purge_refuses_less_than_a_week(session: Session, purge: Callable[..., Any]) -> None:
    """Asking to keep records fewer than seven days is refused naming the option (exit 2),
    and nothing is deleted."""
    _record(session, "WS-8-days", 8)
    _record(session, "WS-3-days", 3)
    result = purge("--older-than-days", "2")
    assert result.exit_code == 2
    assert "--older-than-days" in result.stderr and "at least 7 days" in result.stderr
    assert _keys(session) == {"WS-8-days", "WS-3-days"}
