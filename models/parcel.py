"""Parcels, the pickups that collect them at shops, and each parcel's status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt, Timestamps, utcnow
from models.enums import ParcelStatus, PickupPurpose, PickupStatus, enum_column
from models.shop import Shop

if TYPE_CHECKING:
    from models.order import Order, OrderLine


class Pickup(Base, CreatedAt):
    """A shop's parcels to collect on ``pickup_date`` between ``ready_from_s`` and
    ``ready_until_s`` (local clock seconds after midnight, inclusive).

    The window is empty (both ``None``) when the shop has no pickup window that day; the order
    is then flagged for attention.
    """

    __tablename__ = "pickups"
    __table_args__ = (
        CheckConstraint(
            "(ready_from_s IS NULL AND ready_until_s IS NULL) OR "
            "(ready_from_s >= 0 AND ready_from_s <= ready_until_s AND ready_until_s <= 86400)",
            name="ready_window",
        ),
        CheckConstraint("parcel_count > 0", name="parcel_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    pickup_date: Mapped[date] = mapped_column(index=True)
    ready_from_s: Mapped[int | None]
    ready_until_s: Mapped[int | None]
    parcel_count: Mapped[int]
    purpose: Mapped[PickupPurpose] = mapped_column(enum_column(PickupPurpose, "pickup_purpose"))
    status: Mapped[PickupStatus] = mapped_column(enum_column(PickupStatus, "pickup_status"))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    shop: Mapped[Shop] = relationship()
    order: Mapped[Order | None] = relationship()
    parcels: Mapped[list[Parcel]] = relationship(order_by="Parcel.id", viewonly=True)


class Parcel(Base, Timestamps):
    """One physical parcel: its label code, its public tracking token and where it is.

    ``tracking_token`` is public (it is printed as a QR code on the label) and carries at least
    128 random bits, so it cannot be guessed from another parcel's.
    """

    __tablename__ = "parcels"
    __table_args__ = (
        CheckConstraint("weight_g > 0", name="weight_g"),
        CheckConstraint("volume_ml > 0", name="volume_ml"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    pickup_id: Mapped[int | None] = mapped_column(ForeignKey("pickups.id"), index=True)
    weight_g: Mapped[int]
    volume_ml: Mapped[int]
    label_code: Mapped[str] = mapped_column(String(32), unique=True)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[ParcelStatus] = mapped_column(enum_column(ParcelStatus, "parcel_status"))

    shop: Mapped[Shop] = relationship()
    order: Mapped[Order | None] = relationship()
    order_line: Mapped[OrderLine | None] = relationship()
    pickup: Mapped[Pickup | None] = relationship()
    events: Mapped[list[ParcelEvent]] = relationship(
        back_populates="parcel",
        cascade="all, delete-orphan",
        order_by="(ParcelEvent.at, ParcelEvent.id)",
    )


class ParcelEvent(Base):
    """One change of a parcel's status: when, by whom, and why."""

    __tablename__ = "parcel_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"), index=True)
    status: Mapped[ParcelStatus] = mapped_column(enum_column(ParcelStatus, "event_status"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)

    parcel: Mapped[Parcel] = relationship(back_populates="events")
