"""Shops: registration body and the shop as returned."""

from __future__ import annotations

from pydantic import BaseModel

from depot.contracts import PickupWindowIn, ShopIn

__all__ = ["PickupWindowIn", "ShopAddressOut", "ShopIn", "ShopOut", "ShopWindowOut"]


class ShopAddressOut(BaseModel):
    """The shop's street address as registered."""

    street: str
    housenumber: str
    postcode: str
    city: str


class ShopWindowOut(BaseModel):
    """A pickup window on one weekday (0 = Monday), local clock times, inclusive."""

    weekday: int
    start: str
    end: str


class ShopOut(BaseModel):
    """A registered shop, located (WGS84 degrees) where bikes collect."""

    id: int
    ref: str
    name: str
    address: ShopAddressOut
    lat: float
    lon: float
    matched_address: str | None
    pickup_windows: list[ShopWindowOut]
