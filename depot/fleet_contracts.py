"""What the depot, a bike and a courier's shift look like when set through the API.

Clock times are local times of the day (``"07:00"``), windows inclusive; capacities are given
as a depot worker reads them off the bike (kg, litres, parcels) and stored in grams and
millilitres. Each error names its field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from depot.contracts import AddressIn, PickupWindowIn, WindowIn
from models import BikeAssist

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepotIn(_Strict):
    """The depot: where rounds start and end, when it is open, how long a reload takes."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    address: AddressIn
    opening_hours: list[PickupWindowIn] = Field(
        default_factory=list,
        max_length=28,
        description="Open from start to end on the given weekdays (0 = Monday); empty: always.",
    )
    reload_s: int = Field(600, ge=0, le=7200, description="Time to reload a bike at the depot.")


class BikeIn(_Strict):
    """A cargo bike as registered."""

    ref: Ref
    capacity_kg: float = Field(gt=0, le=1000, allow_inf_nan=False)
    capacity_l: float = Field(gt=0, le=5000, allow_inf_nan=False)
    capacity_parcels: int | None = Field(None, gt=0, le=1000)
    assist: BikeAssist = BikeAssist.PEDAL
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    range_km: float | None = Field(None, gt=0, le=500, allow_inf_nan=False)
    max_trips: int = Field(3, ge=1, le=20)
    active: bool = True


class BikePatch(_Strict):
    """Changes to a bike: only the fields given are changed (``null`` clears a limit)."""

    capacity_kg: float | None = Field(None, gt=0, le=1000, allow_inf_nan=False)
    capacity_l: float | None = Field(None, gt=0, le=5000, allow_inf_nan=False)
    capacity_parcels: int | None = Field(None, gt=0, le=1000)
    assist: BikeAssist | None = None
    skills: list[Skill] | None = Field(None, max_length=20)
    range_km: float | None = Field(None, gt=0, le=500, allow_inf_nan=False)
    max_trips: int | None = Field(None, ge=1, le=20)
    active: bool | None = None


class BreakIn(WindowIn):
    """A break of ``duration_min`` minutes taken somewhere between ``start`` and ``end``."""

    duration_min: int = Field(ge=1, le=240)

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.duration_min * 60 > self.end_s - self.start_s:
            raise ValueError(
                f"a {self.duration_min}-minute break does not fit between {self.start} "
                f"and {self.end}"
            )
        return self


class ShiftIn(WindowIn):
    """A courier on a bike on one date, from ``start`` to ``end``."""

    courier_id: int = Field(gt=0)
    bike: Ref
    date: date
    breaks: list[BreakIn] = Field(default_factory=list, max_length=6)


class PositionIn(_Strict):
    """Where a courier's bike is now (WGS84 degrees)."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
