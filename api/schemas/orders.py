"""Orders: the intake body and the order as returned (the receipt of ``POST /orders``)."""

from __future__ import annotations

from pydantic import BaseModel

from depot.contracts import AddressIn, CorrectionIn, CustomerIn, LineIn, OrderIn, ParcelIn, WindowIn

__all__ = [
    "AddressIn",
    "CorrectionIn",
    "CustomerIn",
    "LineIn",
    "OrderIn",
    "OrderOut",
    "OrderPage",
    "ParcelIn",
    "ParcelOut",
    "WindowIn",
]


class WindowOut(BaseModel):
    """A window of the day, local clock times, inclusive."""

    start: str
    end: str


class CustomerOut(BaseModel):
    """The customer."""

    name: str
    phone: str | None
    email: str | None


class DeliveryAddressOut(BaseModel):
    """The address as given, and where it was found (``null`` when not found)."""

    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    matched_address: str | None


class DeliveryOut(BaseModel):
    """The one consolidated delivery of the order."""

    date: str
    address: DeliveryAddressOut
    windows: list[WindowOut]
    parcel_ids: list[int]


class HandoverOut(BaseModel):
    """How one shop's parcels reach the depot: a pickup (with its ready window) or a drop-off."""

    id: int | None
    shop: str
    handover: str
    date: str
    ready_from: str | None
    ready_until: str | None
    purpose: str
    status: str
    parcel_ids: list[int]


class EventOut(BaseModel):
    """One status change of a parcel."""

    status: str
    at: str
    reason: str | None
    actor: str | None = None


class ParcelOut(BaseModel):
    """A parcel: label code, public tracking token, weight (g), volume (ml), status."""

    id: int
    shop: str
    label_code: str
    tracking_token: str
    weight_g: int
    volume_ml: int
    status: str
    history: list[EventOut] | None = None


class OrderOut(BaseModel):
    """An order: status (``confirmed`` or ``needs_attention`` with the reason), the delivery,
    one pickup or drop-off per shop line, and every parcel."""

    id: int
    source: str
    external_id: str
    status: str
    attention_reason: str | None
    customer: CustomerOut
    delivery: DeliveryOut
    pickups: list[HandoverOut]
    parcels: list[ParcelOut]
    created_at: str


class OrderPage(BaseModel):
    """One page of orders; pass ``next_cursor`` as ``cursor`` for the next (``null``: last)."""

    items: list[OrderOut]
    next_cursor: int | None
