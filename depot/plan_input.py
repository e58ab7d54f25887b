"""The :class:`~depot.day.DayRequest` of a planning run, read from the database.

The bikes are the couriers' shifts of the date (each shift one vehicle, on the bike it names),
cut to the depot's opening hours, with the depot's reload time and the courier's breaks. A
re-plan keeps the started rounds of the previous plan of the same date and kind frozen: their
stops first on the same shift, in the same order, and the bike setting off again from where its
courier last reported it. Everything else comes from :func:`depot.consolidation.consolidate`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.consolidation import Consolidated, StopContents, consolidate, parcel_stop
from depot.day import Bike, BreakWindow, DayRequest, FrozenRound, ParcelStop, Place
from depot.errors import InvalidInputError
from models import CourierShift, Depot, Plan, PlanKind, PlanRound, PlanStatus, RoundStop


@dataclass(frozen=True)
class VehicleRef:
    """Which shift, bike and courier a vehicle of the request stands for."""

    shift_id: int
    bike_id: int
    courier_id: int


@dataclass(frozen=True)
class PlanningInput:
    """A run's request, what each stop carries, what was left out, and the fleet's notes."""

    request: DayRequest
    day: Consolidated
    vehicles: dict[str, VehicleRef]
    notes: tuple[str, ...]
    based_on_id: int | None


def get_depot(session: Session) -> Depot:
    """The depot (the first one set up).

    Raises
    ------
    InvalidInputError
        ``depot``: none is set up yet.
    """
    depot = session.scalar(
        select(Depot).options(selectinload(Depot.opening_hours)).order_by(Depot.id).limit(1)
    )
    if depot is None:
        raise InvalidInputError("depot", "no depot is set up yet: PUT /api/v1/depot first")
    return depot


def depot_place(depot: Depot) -> Place:
    """The depot as a place of the day."""
    return Place("depot", depot.name, depot.lat, depot.lon)


def _hours(depot: Depot, day: date) -> tuple[int, int] | Literal["closed"] | None:
    """Opening hours on ``day`` (earliest opening, latest closing); ``None`` when no hours are
    set at all (always open); ``"closed"`` when hours are set but none on that weekday."""
    if not depot.opening_hours:
        return None
    same = [h for h in depot.opening_hours if h.weekday == day.weekday()]
    if not same:
        return "closed"
    return min(h.open_s for h in same), max(h.close_s for h in same)


def vehicle_id(shift: CourierShift) -> str:
    """The vehicle id of a shift in a planning run: ``"S12-B03"`` (shift 12 on bike B03)."""
    return f"S{shift.id}-{shift.bike.ref}"


def fleet(
    *, session: Session, depot: Depot, plan_date: date
) -> tuple[list[Bike], dict[str, VehicleRef], list[str]]:
    """The vehicles of ``plan_date``: one per courier shift on an active bike.

    Returns
    -------
    bikes, refs, notes
        The request's bikes, what each stands for, and why shifts were left out.
    """
    shifts = session.scalars(
        select(CourierShift)
        .where(CourierShift.shift_date == plan_date)
        .options(selectinload(CourierShift.bike), selectinload(CourierShift.breaks))
        .order_by(CourierShift.start_s, CourierShift.id)
    ).all()
    hours = _hours(depot, plan_date)
    bikes: list[Bike] = []
    refs: dict[str, VehicleRef] = {}
    notes: list[str] = []
    weekday = calendar.day_name[plan_date.weekday()]
    for shift in shifts:
        vid = vehicle_id(shift)
        if not shift.bike.active:
            notes.append(f"shift {shift.id}: bike {shift.bike.ref} is out of service")
            continue
        start_s, end_s = shift.start_s, shift.end_s
        if hours == "closed":
            notes.append(f"shift {shift.id}: the depot is closed on {weekday}s")
            continue
        if hours is not None:
            start_s, end_s = max(start_s, hours[0]), min(end_s, hours[1])
            if start_s >= end_s:
                notes.append(f"shift {shift.id}: outside the depot's opening hours")
                continue
        bike = shift.bike
        bikes.append(
            Bike(
                id=vid,
                capacity_weight_g=bike.max_weight_g,
                capacity_volume_ml=bike.max_volume_ml,
                capacity_parcels=bike.max_parcels,
                shift_start_s=start_s,
                shift_end_s=end_s,
                max_trips=bike.max_trips,
                reload_s=depot.reload_s,
                max_distance_m=bike.range_m,
                skills=frozenset(bike.skills or ()),
                breaks=tuple(BreakWindow(b.start_s, b.end_s, b.duration_s) for b in shift.breaks),
            )
        )
        refs[vid] = VehicleRef(shift.id, bike.id, shift.courier_id)
    return bikes, refs, notes


def base_plan(*, session: Session, plan_date: date, kind: PlanKind) -> Plan | None:
    """The latest finished plan of ``plan_date`` and ``kind`` (what a re-plan builds on)."""
    return session.scalar(
        select(Plan)
        .where(Plan.plan_date == plan_date, Plan.kind == kind, Plan.status == PlanStatus.DONE)
        .order_by(Plan.version.desc())
        .limit(1)
    )


def _frozen_stop(stop: RoundStop, pair_with: str | None) -> tuple[ParcelStop, StopContents]:
    kind: Literal["delivery", "pickup"] = "pickup" if stop.kind == "pickup" else "delivery"
    assert stop.stop_ref is not None
    place = Place(f"frozen-{stop.stop_ref}", stop.label, stop.lat, stop.lon)
    windows = tuple((int(a), int(b)) for a, b in stop.windows)
    parcels = list(stop.parcels)
    contents = StopContents(
        kind,
        tuple(p.id for p in parcels),
        tuple(sorted({p.order_id for p in parcels if p.order_id is not None})),
        tuple(sorted({p.pickup_id for p in parcels if p.pickup_id is not None})),
        len({p.order_line_id for p in parcels}),
    )
    return parcel_stop(stop.stop_ref, place, kind, parcels, windows, pair_with), contents


def frozen_rounds(
    *, base: Plan, vehicles: dict[str, VehicleRef], session: Session
) -> list[tuple[FrozenRound, list[tuple[ParcelStop, StopContents]]]]:
    """The started rounds of ``base`` whose shift still plans today, rebuilt as frozen stops.

    A pickup and a delivery of one round carrying the same parcels are a pair again.
    """
    rounds = session.scalars(
        select(PlanRound)
        .where(PlanRound.plan_id == base.id, PlanRound.started.is_(True))
        .options(
            selectinload(PlanRound.stops).selectinload(RoundStop.parcels),
            selectinload(PlanRound.bike),
        )
        .order_by(PlanRound.seq)
    ).all()
    out = []
    for round_ in rounds:
        if round_.vehicle_ref not in vehicles:
            continue
        stops = [s for s in round_.stops if s.kind != "reload" and s.stop_ref]
        by_parcels: dict[tuple[int, ...], list[RoundStop]] = {}
        for s in stops:
            by_parcels.setdefault(tuple(sorted(p.id for p in s.parcels)), []).append(s)
        partner: dict[str, str] = {}
        for group in by_parcels.values():
            kinds = {s.kind: s for s in group}
            if len(group) == 2 and set(kinds) == {"pickup", "delivery"}:
                a, b = kinds["pickup"].stop_ref or "", kinds["delivery"].stop_ref or ""
                partner[a], partner[b] = b, a
        built = [_frozen_stop(s, partner.get(s.stop_ref or "")) for s in stops]
        bike = round_.bike
        position = None
        if (
            bike is not None
            and bike.last_lat is not None
            and bike.last_lon is not None
            and bike.last_seen_at is not None
            and round_.started_at is not None
            and bike.last_seen_at >= round_.started_at
        ):
            label = f"{bike.ref} last seen"
            position = Place(f"position-{bike.ref}", label, bike.last_lat, bike.last_lon)
        frozen = FrozenRound(round_.vehicle_ref, tuple(s.id for s, _ in built), position)
        out.append((frozen, built))
    return out


def planning_input(
    *, session: Session, plan_date: date, kind: PlanKind, now_s: int | None
) -> PlanningInput:
    """Everything a planning run of ``plan_date`` and ``kind`` needs, read in one session.

    Parameters
    ----------
    session : Session
    plan_date : date
    kind : PlanKind
    now_s : int or None
        The clock of a re-plan during the day (nothing new starts before it).

    Returns
    -------
    PlanningInput

    Raises
    ------
    InvalidInputError
        ``depot``: no depot is set up.
    """
    depot = get_depot(session)
    bikes, vehicles, notes = fleet(session=session, depot=depot, plan_date=plan_date)
    base = base_plan(session=session, plan_date=plan_date, kind=kind)
    frozen = frozen_rounds(base=base, vehicles=vehicles, session=session) if base else []
    frozen_parcels = {pid for _, built in frozen for _, c in built for pid in c.parcel_ids}
    taken = {s.id for _, built in frozen for s, _ in built}
    day = consolidate(
        session=session,
        plan_date=plan_date,
        kind=kind,
        frozen_parcel_ids=frozen_parcels,
        taken_ids=taken,
    )
    for _, built in frozen:
        for stop, contents in built:
            day.add(stop, contents)
    if frozen:
        notes.append(f"{len(frozen)} started round(s) of plan {base.id if base else ''} kept")
    request = DayRequest(
        depot=depot_place(depot),
        stops=tuple(day.stops),
        bikes=tuple(bikes),
        frozen=tuple(f for f, _ in frozen),
        now_s=now_s,
    )
    return PlanningInput(request, day, vehicles, tuple(notes), base.id if frozen and base else None)


def describe(request: DayRequest) -> dict[str, Any]:
    """Counts of a request, for the plan's summary."""
    return {
        "stops": len(request.stops),
        "bikes": len(request.bikes),
        "frozen_stops": sum(len(f.stop_ids) for f in request.frozen),
    }
