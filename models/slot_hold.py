"""Delivery slots held at checkout: a window kept for a shopper for a few minutes.

A hold is stored so every API process sees it (and it outlives a restart): while it is active
(not expired, not yet used) the slot check counts its stop as booked. An order created with the
hold's id uses it up (``consumed_at``, ``order_id``); an expired hold simply stops counting.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt


class SlotHold(Base, CreatedAt):
    """A delivery window held for one address on ``plan_date`` until ``expires_at``.

    Attributes
    ----------
    id : str
        Random hex id handed to the shop (the checkout passes it on with the order).
    start_s, end_s : int
        The held window, local clock seconds of ``plan_date`` (inclusive).
    lat, lon : float
        Where the goods go (WGS84 degrees).
    weight_g, volume_ml, parcels : int
        The goods the hold makes room for.
    consumed_at, order_id
        Set when an order used the hold.
    """

    __tablename__ = "slot_holds"
    __table_args__ = (
        CheckConstraint("start_s >= 0 AND start_s <= end_s AND end_s <= 86400", name="window"),
        Index("ix_slot_holds_plan_date_expires_at", "plan_date", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_date: Mapped[date]
    start_s: Mapped[int]
    end_s: Mapped[int]
    lat: Mapped[float]
    lon: Mapped[float]
    address: Mapped[str | None] = mapped_column(String(300))
    weight_g: Mapped[int]
    volume_ml: Mapped[int]
    parcels: Mapped[int]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
