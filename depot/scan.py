"""Scan-in at the depot: a parcel's label code read by a scanner marks it "at depot".

A scan is one request of one or more label codes (the Code 128 content, ``BK-XXXX-XXXX-XXXX``;
case and surrounding spaces are ignored), taken whole or not at all:

- a parcel that may come to the depot (booked, awaiting pickup, picked up, or back from a
  failed delivery: :data:`depot.tracking.TRANSITIONS`) becomes ``at_depot`` with one history
  entry (time, the scanning user, reason "scanned in");
- a parcel already at the depot is a repeat: nothing changes and the answer says so, with when
  it was scanned in. Retrying a scan is therefore safe without an ``Idempotency-Key``, and two
  scanners reading one parcel at once leave one history entry: the status changes in one
  conditional ``UPDATE ... WHERE status IN (...)``, and only the parcels it changed get an entry;
- an unknown code refuses the scan (:class:`~depot.errors.NotFoundError` naming the code);
- a parcel where "at depot" makes no sense (out for delivery, delivered, returned) refuses the
  scan (:class:`~depot.errors.ConflictError` naming its status).

Each answer also says where the parcel goes next: its delivery round and stop in the current
plans of its date, so the parcel can be put on the right shelf.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.rounds import current_plan_ids
from depot.tracking import TRANSITIONS
from depot.users import Caller
from models import (
    Parcel,
    ParcelEvent,
    ParcelStatus,
    Plan,
    PlanRound,
    PlanStatus,
    RoundStop,
    utcnow,
)
from models.plan import round_stop_parcels

SCANNED_IN = "scanned in"
#: Longest label code accepted (the column's width).
MAX_CODE_LENGTH = 32
#: Statuses a scan-in may move to "at depot" (from the allowed status changes).
SCAN_IN_FROM = frozenset(s for s, nxt in TRANSITIONS.items() if ParcelStatus.AT_DEPOT in nxt)


@dataclass(frozen=True)
class RoundPlace:
    """Where a parcel is delivered in a current plan: the round, its bike (vehicle ref) and the
    stop number (calls counted from 1, reloads left out, as on the manifest)."""

    round_id: int
    vehicle: str
    stop_number: int


@dataclass(frozen=True)
class ScanResult:
    """One scanned code: the parcel, its status now, whether this scan changed it, and a warning
    when it did not (a repeat)."""

    code: str
    parcel_id: int
    status: ParcelStatus
    scanned_in: bool
    warning: str | None
    place: RoundPlace | None


def normalise_code(text: str) -> str:
    """A label code as stored: spaces around it removed, letters upper case."""
    return text.strip().upper()


def status_words(status: ParcelStatus) -> str:
    """``out_for_delivery`` → ``out for delivery``."""
    return status.value.replace("_", " ")


def scan_in(
    *, session: Session, codes: Sequence[str], caller: Caller, at: datetime | None = None
) -> list[ScanResult]:
    """Mark the parcels with these label codes "at depot" (committed), all or none.

    Parameters
    ----------
    session : Session
        A session with no transaction open (the status change is its first statement).
    codes : sequence of str
        Label codes as scanned, in scan order; a code given twice is recorded once.
    caller : Caller
        The depot worker scanning (the history's actor).
    at : datetime, optional
        When the parcels arrived (timezone-aware); now by default.

    Returns
    -------
    list of ScanResult
        One per code given, in the same order.

    Raises
    ------
    InvalidInputError
        ``codes``: no code, or ``codes[i]``: an empty or over-long code.
    NotFoundError
        ``codes[i]``: no parcel has that label code (nothing is recorded).
    ConflictError
        ``codes[i]``: the parcel is out for delivery, delivered or returned (nothing is
        recorded).
    """
    wanted = _checked_codes(codes)
    when = at or utcnow()
    moved = set(
        session.scalars(
            update(Parcel)
            .where(Parcel.label_code.in_(set(wanted)), Parcel.status.in_(SCAN_IN_FROM))
            .values(status=ParcelStatus.AT_DEPOT, updated_at=when)
            .returning(Parcel.id)
            .execution_options(synchronize_session=False)
        )
    )
    found = {
        p.label_code: p
        for p in session.scalars(
            select(Parcel)
            .where(Parcel.label_code.in_(set(wanted)))
            .execution_options(populate_existing=True)
        )
    }
    try:
        _refuse_bad_scans(wanted, found, moved)
    except (NotFoundError, ConflictError):
        session.rollback()
        raise
    arrived = _arrivals(session, [p.id for p in found.values() if p.id not in moved])
    for parcel_id in sorted(moved):
        session.add(
            ParcelEvent(
                parcel_id=parcel_id,
                status=ParcelStatus.AT_DEPOT,
                at=when,
                actor=caller.actor,
                reason=SCANNED_IN,
            )
        )
    places = delivery_places(session=session, parcel_ids=[p.id for p in found.values()])
    session.commit()
    results, seen = [], set()
    for code in wanted:
        parcel = found[code]
        first = code not in seen
        seen.add(code)
        changed = parcel.id in moved and first
        if changed:
            warning = None
        elif parcel.id in moved:
            warning = f"{code} was scanned twice in this scan; it is recorded once"
        else:
            warning = f"{code} is already at the depot{arrived.get(parcel.id, '')}; nothing changed"
        results.append(
            ScanResult(
                code=code,
                parcel_id=parcel.id,
                status=ParcelStatus.AT_DEPOT,
                scanned_in=changed,
                warning=warning,
                place=places.get(parcel.id),
            )
        )
    return results


def _checked_codes(codes: Sequence[str]) -> list[str]:
    if not codes:
        raise InvalidInputError("codes", "scan at least one label code")
    wanted = []
    for i, text in enumerate(codes):
        code = normalise_code(text)
        if not code or len(code) > MAX_CODE_LENGTH:
            raise InvalidInputError(
                f"codes[{i}]", f"a label code has 1 to {MAX_CODE_LENGTH} characters"
            )
        wanted.append(code)
    return wanted


def _refuse_bad_scans(wanted: list[str], found: dict[str, Parcel], moved: set[int]) -> None:
    """The first code (in scan order) that is unknown or may not come to the depot, refused."""
    for i, code in enumerate(wanted):
        parcel = found.get(code)
        if parcel is None:
            raise NotFoundError(
                f"codes[{i}]",
                f"no parcel has label code {code}; check the label (nothing in this scan was "
                "recorded)",
            )
        if parcel.id not in moved and parcel.status is not ParcelStatus.AT_DEPOT:
            raise ConflictError(
                f"codes[{i}]",
                f"parcel {code} is {status_words(parcel.status)}; it cannot be scanned in at the "
                "depot (nothing in this scan was recorded)",
            )


def _arrivals(session: Session, parcel_ids: list[int]) -> dict[int, str]:
    """`` since 10:42 UTC on 2026-11-24 (depot:Ole (user 3))`` for parcels already at the depot:
    their latest "at depot" entry."""
    if not parcel_ids:
        return {}
    latest = (
        select(ParcelEvent.parcel_id, func.max(ParcelEvent.id).label("event_id"))
        .where(ParcelEvent.parcel_id.in_(parcel_ids), ParcelEvent.status == ParcelStatus.AT_DEPOT)
        .group_by(ParcelEvent.parcel_id)
        .subquery()
    )
    events = session.scalars(select(ParcelEvent).join(latest, ParcelEvent.id == latest.c.event_id))
    return {e.parcel_id: f" since {e.at:%H:%M} UTC on {e.at:%Y-%m-%d} ({e.actor})" for e in events}


def delivery_places(*, session: Session, parcel_ids: Iterable[int]) -> dict[int, RoundPlace]:
    """Each parcel's delivery round and stop in the current plans of the round's date.

    Parameters
    ----------
    session : Session
    parcel_ids : iterable of int

    Returns
    -------
    dict of parcel id to RoundPlace
        Parcels in no delivery stop of a current plan are left out; when two current plans of a
        date (a combined and a deliveries plan) both deliver a parcel, the newer version wins.
    """
    ids = set(parcel_ids)
    if not ids:
        return {}
    earlier = aliased(RoundStop)
    number = (
        select(func.count(earlier.id))
        .where(
            earlier.round_id == RoundStop.round_id,
            earlier.kind != "reload",
            earlier.seq <= RoundStop.seq,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            round_stop_parcels.c.parcel_id,
            PlanRound.id,
            PlanRound.vehicle_ref,
            number,
            Plan.id,
            Plan.plan_date,
            Plan.version,
        )
        .join(RoundStop, RoundStop.id == round_stop_parcels.c.round_stop_id)
        .join(PlanRound, PlanRound.id == RoundStop.round_id)
        .join(Plan, Plan.id == PlanRound.plan_id)
        .where(
            round_stop_parcels.c.parcel_id.in_(ids),
            RoundStop.kind == "delivery",
            Plan.status == PlanStatus.DONE,
        )
        .order_by(Plan.version)
    ).all()
    current: set[int] = set()
    for day in {row[5] for row in rows}:
        current.update(session.scalars(current_plan_ids(day)))
    places = {}
    for parcel_id, round_id, vehicle, stop_number, plan_id, _day, _version in rows:
        if plan_id in current:  # ordered by version: the newest plan's place is kept
            places[parcel_id] = RoundPlace(round_id, vehicle, int(stop_number))
    return places
