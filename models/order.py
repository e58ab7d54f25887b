"""Orders: one customer delivery on one date, consolidated from lines of one or more shops."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps
from models.customer import Customer, CustomerAddress
from models.enums import Handover, OrderSource, OrderStatus, enum_column
from models.parcel import Parcel, Pickup
from models.shop import Shop


class Order(Base, Timestamps):
    """A customer's order: delivered once, on ``delivery_date``, within one of its windows.

    ``attention_reason`` says, in words a depot worker can act on, why a ``needs_attention``
    order cannot be planned yet (address not found, outside the service area...).
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_orders_delivery_date_status", "delivery_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[OrderSource] = mapped_column(enum_column(OrderSource, "order_source"))
    external_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("customer_addresses.id"))
    delivery_date: Mapped[date]
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "order_status"))
    attention_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    customer: Mapped[Customer] = relationship()
    address: Mapped[CustomerAddress] = relationship()
    windows: Mapped[list[OrderWindow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderWindow.start_s"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    parcels: Mapped[list[Parcel]] = relationship(order_by="Parcel.id", viewonly=True)


class OrderWindow(Base):
    """A delivery window: local clock seconds after midnight of the delivery date, inclusive."""

    __tablename__ = "order_windows"
    __table_args__ = (
        CheckConstraint("start_s >= 0 AND start_s <= end_s AND end_s <= 86400", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    start_s: Mapped[int]
    end_s: Mapped[int]


class OrderLine(Base):
    """One shop's part of an order: collected by a pickup, or dropped off at the depot."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    handover: Mapped[Handover] = mapped_column(enum_column(Handover, "handover"))
    pickup_id: Mapped[int | None] = mapped_column(ForeignKey("pickups.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="lines")
    shop: Mapped[Shop] = relationship()
    pickup: Mapped[Pickup | None] = relationship()
    parcels: Mapped[list[Parcel]] = relationship(order_by="Parcel.id", viewonly=True)
