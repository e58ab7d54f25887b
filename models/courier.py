"""Couriers' shifts and breaks: who rides which bike when, on one date.

A courier is a user with the ``courier`` role; each shift of a date is one vehicle of that
date's plans (the bike it names, from ``start_s`` to ``end_s`` local clock seconds).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt
from models.depot import Bike
from models.user import User


class CourierShift(Base, CreatedAt):
    """A courier on a bike on ``shift_date`` from ``start_s`` to ``end_s`` (inclusive)."""

    __tablename__ = "courier_shifts"
    __table_args__ = (
        CheckConstraint("start_s >= 0 AND start_s < end_s AND end_s <= 86400", name="shift"),
        Index("ix_courier_shifts_shift_date_courier_id", "shift_date", "courier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    bike_id: Mapped[int] = mapped_column(ForeignKey("bikes.id"), index=True)
    shift_date: Mapped[date]
    start_s: Mapped[int]
    end_s: Mapped[int]

    courier: Mapped[User] = relationship()
    bike: Mapped[Bike] = relationship()
    breaks: Mapped[list[CourierBreak]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="CourierBreak.start_s"
    )


class CourierBreak(Base):
    """A break of ``duration_s`` taken somewhere between ``start_s`` and ``end_s``."""

    __tablename__ = "courier_breaks"
    __table_args__ = (
        CheckConstraint("start_s >= 0 AND start_s <= end_s AND end_s <= 86400", name="window"),
        CheckConstraint("duration_s > 0", name="duration_s"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("courier_shifts.id", ondelete="CASCADE"), index=True
    )
    start_s: Mapped[int]
    end_s: Mapped[int]
    duration_s: Mapped[int]

    shift: Mapped[CourierShift] = relationship(back_populates="breaks")
