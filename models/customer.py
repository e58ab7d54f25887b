"""Customers and the addresses parcels are delivered to."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt


class Customer(Base, CreatedAt):
    """Who receives an order."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254), index=True)

    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )


class CustomerAddress(Base, CreatedAt):
    """A delivery address as given, and where it was found (``lat``/``lon`` may be unknown).

    An address given only as coordinates has empty text fields.
    """

    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    street: Mapped[str] = mapped_column(String(200), default="")
    housenumber: Mapped[str] = mapped_column(String(32), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    matched_address: Mapped[str | None] = mapped_column(String(300))
    geocode_score: Mapped[float | None]

    customer: Mapped[Customer] = relationship(back_populates="addresses")
