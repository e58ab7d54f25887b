"""Pickup bookings by shops."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.orders import HandoverOut, OrderOut, ParcelOut
from depot.contracts import DeliverToIn, PickupIn

__all__ = ["DeliverToIn", "PickupBookingOut", "PickupIn"]


class PickupBookingOut(BaseModel):
    """The booked pickup, its labelled parcels, and the order made for ``deliver_to``."""

    pickup: HandoverOut
    parcels: list[ParcelOut]
    order: OrderOut | None
