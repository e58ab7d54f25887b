"""Idempotency records: the first answer to a request, replayed for its repeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt
from models.enums import IdempotencyState, enum_column

#: Records are kept at least this long (draft-ietf-httpapi-idempotency-key-header; Stripe: 24 h).
RETENTION_DAYS = 7


class IdempotencyRecord(Base, CreatedAt):
    """One claimed key in one scope.

    ``scope`` separates kinds of key (``order:shopify`` for an order's external id, ``key:USER``
    for a client's ``Idempotency-Key``); ``fingerprint`` is the SHA-256 of the request body, so a
    repeat with a different body is told apart. While ``state`` is ``in_flight`` the first
    request is still running; once ``done``, ``status_code`` and ``response_body`` are its answer.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[IdempotencyState] = mapped_column(
        enum_column(IdempotencyState, "idempotency_state")
    )
    status_code: Mapped[int | None]
    response_body: Mapped[Any | None] = mapped_column(JSON)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
