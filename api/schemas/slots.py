"""Delivery slots at checkout: the answer per window, and holds.

Windows are local clock times of the date (``"09:00"``), inclusive; weights in grams, volumes
in millilitres.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from depot.contracts import WindowIn


class GoodsIn(BaseModel):
    """What the order would hand over (defaults: one webshop parcel)."""

    model_config = ConfigDict(extra="forbid")

    parcels: int = Field(1, ge=1, le=100)
    weight_g: int | None = Field(None, ge=0, le=1_000_000)
    volume_ml: int | None = Field(None, ge=0, le=10_000_000)


class SlotOut(BaseModel):
    """One window: offered or not; when not, a code and the reason in words."""

    start: str
    end: str
    available: bool
    code: str | None = None
    reason: str | None = None


class WithoutRoom(BaseModel):
    """A booking made after the plan that found no room in its rounds."""

    id: str
    reason: str


class BasisOut(BaseModel):
    """What the answer rests on: the plan, later bookings and holds counted into its rounds."""

    plan_id: int | None
    plan_version: int | None
    planned_at: datetime | None
    later_bookings: int
    holds: int
    without_room: list[WithoutRoom]
    unassigned_in_plan: int
    not_located: int
    note: str


class LocationOut(BaseModel):
    """Where the goods would go (WGS84 degrees)."""

    lat: float
    lon: float
    matched_address: str | None = None


class SlotsOut(BaseModel):
    """Every window the checkout offers for one address on one date."""

    date: date
    location: LocationOut
    slots: list[SlotOut]
    basis: BasisOut


class HoldIn(GoodsIn):
    """Hold one window for an address (a one-line ``address``, or ``lat`` and ``lon``)."""

    date: date
    window: WindowIn
    address: str | None = Field(None, min_length=3, max_length=300)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _where(self) -> HoldIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or an address")
        if (self.address is None) == (self.lat is None):
            raise ValueError("give either an address or lat and lon")
        return self


class HoldOut(BaseModel):
    """A held window: pass ``id`` on with the order as ``slot_hold_id`` before ``expires_at``."""

    id: str
    date: date
    start: str
    end: str
    expires_at: datetime
    location: LocationOut
