"""Shops: the merchants whose parcels the depot collects, and their pickup windows."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps


class Shop(Base, Timestamps):
    """A shop, known by its short reference (``S001``); located where bikes collect."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    housenumber: Mapped[str] = mapped_column(String(32))
    postcode: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float]
    lon: Mapped[float]
    matched_address: Mapped[str | None] = mapped_column(String(300))

    pickup_windows: Mapped[list[ShopPickupWindow]] = relationship(
        back_populates="shop",
        cascade="all, delete-orphan",
        order_by="(ShopPickupWindow.weekday, ShopPickupWindow.start_s)",
    )


class ShopPickupWindow(Base):
    """When bikes may collect at a shop on one weekday (seconds after midnight, inclusive)."""

    __tablename__ = "shop_pickup_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_s >= 0 AND start_s <= end_s AND end_s <= 86400", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday ... 6 = Sunday
    start_s: Mapped[int]
    end_s: Mapped[int]

    shop: Mapped[Shop] = relationship(back_populates="pickup_windows")
