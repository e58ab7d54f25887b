"""Scan-in at the depot and the load-out check of a round: request bodies and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: A code as scanned; the service strips it and checks its length (naming ``codes[i]``).
Code = Annotated[str, Field(max_length=200)]


class ScanIn(BaseModel):
    """Label codes read at the depot (the Code 128 content), in scan order."""

    model_config = ConfigDict(extra="forbid")

    codes: list[Code] = Field(
        min_length=1, max_length=500, examples=[["BK-7K3M-Q9TZ-2HXA"]], description="1-500."
    )


class PlaceOut(BaseModel):
    """The parcel's delivery round and stop in the current plan of its date."""

    round_id: int
    vehicle: str
    stop_number: int


class ScanOut(BaseModel):
    """One code: the parcel, its status now, whether this scan changed it, and a warning when
    it did not (already at the depot, or scanned twice in one scan)."""

    code: str
    parcel_id: int
    status: str
    scanned_in: bool
    warning: str | None
    round: PlaceOut | None


class ScanAnswer(BaseModel):
    """Every code of the scan; ``warnings`` repeats the warnings to show the worker."""

    scanned_in: int
    scans: list[ScanOut]
    warnings: list[str]


class LoadOutIn(BaseModel):
    """The codes scanned onto the bike (may be empty: the answer then lists what to load)."""

    model_config = ConfigDict(extra="forbid")

    codes: list[Code] = Field(default_factory=list, max_length=2000)
    allow_missing: bool = Field(
        False,
        description="Send the scanned parcels out although some are missing (depot staff and "
        "admins only); the missing ones are named in their history.",
    )


class LoadItemOut(BaseModel):
    """A parcel of the round: stop number (reloads not counted) and trip (1 before the first
    reload)."""

    parcel_id: int
    code: str
    status: str
    stop_number: int
    trip: int


class StrayOut(BaseModel):
    """A scanned code that is not one of this round's parcels: the round it belongs to (if
    any) and why."""

    code: str
    parcel_id: int | None
    round_id: int | None
    reason: str


class LoadOutOut(BaseModel):
    """The check: what is on the bike, missing, already gone, or not of this round; whether the
    round's parcels are complete, whether the scanned ones are out for delivery (``released``)
    and which went out with this request (``sent_out``)."""

    round_id: int
    vehicle: str
    complete: bool
    on_bike: list[LoadItemOut]
    missing: list[LoadItemOut]
    already_left: list[LoadItemOut]
    not_in_round: list[StrayOut]
    sent_out: list[str]
    released: bool
    message: str
