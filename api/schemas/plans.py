"""Plans, rounds and the fleet: request bodies and answers.

Times are local ISO times of the plan's date (``2026-11-24T10:32:00+01:00``), with ``HH:MM``
beside the ETA; weights in grams, volumes in millilitres, distances in metres.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from depot.contracts import format_clock, parse_clock
from depot.fleet_contracts import BikeIn, BikePatch, DepotIn, PositionIn, ShiftIn
from depot.plan_runs import MAX_TIME_LIMIT_S
from models import PlanKind

__all__ = ["BikeIn", "BikePatch", "DepotIn", "PlanIn", "PositionIn", "ShiftIn"]


class PlanIn(BaseModel):
    """Ask for a plan of a date."""

    model_config = ConfigDict(extra="forbid")

    date: date
    kind: PlanKind = PlanKind.COMBINED
    time_limit_s: int = Field(60, ge=1, le=MAX_TIME_LIMIT_S)
    now: str | None = Field(
        None,
        examples=["13:00"],
        description="Plan from this local clock time (nothing new starts before it); default: "
        "the current time when the date is today.",
    )

    @field_validator("now")
    @classmethod
    def _now(cls, value: str | None) -> str | None:
        return format_clock(parse_clock(value)) if value is not None else None


class PlanCreated(BaseModel):
    """The queued plan: poll ``status_url``."""

    id: int
    version: int
    status: str
    status_url: str


class Progress(BaseModel):
    """Where a run is: its stage, the share of the time limit spent, stops planned so far."""

    stage: str
    share: float
    stops_planned: int | None


class Load(BaseModel):
    """What is on the bike when it leaves a stop."""

    weight_g: int
    volume_ml: int
    parcels: int


class Window(BaseModel):
    """A window, local clock times, inclusive."""

    start: str
    end: str


class StopOut(BaseModel):
    """A stop of a round, in riding order."""

    seq: int
    kind: Literal["delivery", "pickup", "reload"]
    stop_ref: str | None
    label: str
    lat: float
    lon: float
    windows: list[Window]
    eta: str
    eta_clock: str
    service_start: str
    departure: str
    load_after: Load
    order_ids: list[int]
    pickup_ids: list[int]
    parcel_ids: list[int]
    label_codes: list[str]


class BreakOut(BaseModel):
    """A courier break as planned."""

    start: str
    duration_s: int


class RoundOut(BaseModel):
    """One bike's round."""

    id: int
    plan_id: int
    seq: int
    vehicle: str
    bike: str | None
    courier_id: int | None
    shift_id: int | None
    start: str
    end: str
    distance_m: int
    trips: int
    peak_load_g: int
    started: bool
    breaks: list[BreakOut]
    stops: list[StopOut]


class UnassignedOut(BaseModel):
    """A stop left out, with a code and a reason a depot worker understands."""

    stop_ref: str
    kind: str
    label: str
    code: str
    reason: str
    order_ids: list[int]
    parcel_ids: list[int]


class PlanOut(BaseModel):
    """A plan: status and progress; once done, summary, rounds and the unassigned."""

    id: int
    date: str
    kind: str
    version: int
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: Progress
    time_limit_s: int
    now: str | None
    based_on: int | None
    attempts: int
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    summary: dict[str, Any] | None = None
    rounds: list[RoundOut] | None = None
    unassigned: list[UnassignedOut] | None = None
