"""A depot's day to plan: where the depot is, the parcel stops, and the cargo bikes.

Clock times are seconds after midnight of the service day (``09:30`` is ``34_200``); windows
are inclusive; weights in grams, volumes in millilitres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Place:
    """A named position: an address, a shop or the depot (``lat`` / ``lon`` in degrees)."""

    id: str
    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class ParcelStop:
    """One call a bike must make.

    Attributes
    ----------
    id : str
        Unique id (``D017`` delivery, ``P003`` shop pickup, ``C003`` its customer).
    place : Place
        Where.
    kind : {"delivery", "pickup"}
        Deliveries leave the depot on the bike; pickups are collected at a shop.
    weight_g, volume_ml, parcels : int
        Goods handed over.
    service_s : int
        Time at the door.
    windows : tuple of (start_s, end_s)
        Inclusive clock windows; empty means any time in the bike's shift.
    pair_with : str or None
        For a shop pickup delivered straight to its customer: the id of the other half.
    """

    id: str
    place: Place
    kind: Literal["delivery", "pickup"]
    weight_g: int
    volume_ml: int
    parcels: int
    service_s: int
    windows: tuple[tuple[int, int], ...] = ()
    pair_with: str | None = None


@dataclass(frozen=True)
class BreakWindow:
    """A courier break of ``duration_s`` taken somewhere between ``start_s`` and ``end_s``."""

    start_s: int
    end_s: int
    duration_s: int


@dataclass(frozen=True)
class Bike:
    """A cargo bike and its courier's shift.

    ``capacity_parcels`` and ``max_distance_m`` (battery range) are ``None`` when unlimited;
    ``breaks`` are further breaks besides ``break_window``; ``skills`` what the bike offers.
    """

    id: str
    capacity_weight_g: int
    capacity_volume_ml: int
    shift_start_s: int
    shift_end_s: int
    break_window: tuple[int, int] | None = None
    break_s: int = 0
    max_trips: int = 1
    reload_s: int = 0
    capacity_parcels: int | None = None
    max_distance_m: int | None = None
    skills: frozenset[str] = frozenset()
    breaks: tuple[BreakWindow, ...] = ()


@dataclass(frozen=True)
class FrozenRound:
    """Stops a bike has done or is doing in a round already under way (a re-plan keeps them
    first on that bike, in this order); ``position`` is where the bike was last seen."""

    bike_id: str
    stop_ids: tuple[str, ...]
    position: Place | None = None


@dataclass(frozen=True)
class DayRequest:
    """Everything needed to plan one day.

    ``now_s`` (a re-plan during the day): nothing that is not frozen starts before it.
    """

    depot: Place
    stops: tuple[ParcelStop, ...]
    bikes: tuple[Bike, ...]
    frozen: tuple[FrozenRound, ...] = ()
    now_s: int | None = None


def clock(seconds: int | float) -> str:
    """``HH:MM`` of a clock time in seconds after midnight."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
