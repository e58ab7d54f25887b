"""The :class:`~depot.day.DayRequest` of a planning run, read from the database.

The bikes are the couriers' shifts of the date (each shift one vehicle, on the bike it names),
cut to the depot's opening hours, with the depot's reload time and the courier's breaks.

A re-plan during the day (a clock, ``now_s``) keeps the started rounds of the previous plan of
the same date and kind whole, exactly as planned and started: a round back at the depot by then
is history, and its bike plans on from the depot with the trips, breaks and range it has left; a
round still under way stays as its courier has it, and its bike takes new work once back (the
planner cannot yet continue a round under way: its frozen visits are one trip, and it would
hand the bike depot parcels without passing the depot). Their parcels are not planned again,
except those a started round collects for the depot, delivered from there once scanned in.
Without a clock, a bike's latest started round is frozen: its stops first on the same shift, in
the same order, the bike setting off again from where its courier last reported it.
Everything else comes from :func:`depot.consolidation.consolidate`.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.consolidation import Consolidated, StopContents, consolidate, parcel_stop
from depot.day import Bike, BreakWindow, DayRequest, FrozenRound, ParcelStop, Place, clock
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
    #: Started rounds of the base plan back at the depot by the run's clock: kept as ridden.
    history: tuple[int, ...] = ()


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


def _latest(rounds: Sequence[PlanRound]) -> dict[str, PlanRound]:
    """Each bike's latest round: a bike rides one round at a time, so of its started rounds
    only the latest can still be under way."""
    latest: dict[str, PlanRound] = {}
    for round_ in sorted(rounds, key=lambda r: (r.start_s, r.seq)):
        latest[round_.vehicle_ref] = round_
    return latest


def back_by(round_: PlanRound, now_s: int | None) -> bool:
    """Whether a round was planned to be back at the depot by ``now_s`` (it is history)."""
    return now_s is not None and round_.end_s <= now_s


def frozen_rounds(
    *, base: Plan, vehicles: dict[str, VehicleRef], session: Session
) -> list[tuple[FrozenRound, list[tuple[ParcelStop, StopContents]]]]:
    """The started rounds of ``base`` whose shift still plans today, rebuilt as frozen stops.

    A pickup and a delivery of one round carrying the same parcels are a pair again. Only a
    bike's latest started round is taken (its earlier ones are back). A re-plan during the day
    (with a clock) keeps started rounds whole instead (:func:`planning_input`).
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
    latest = _latest(rounds)
    out = []
    for round_ in rounds:
        if round_.vehicle_ref not in vehicles or latest[round_.vehicle_ref] is not round_:
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
    frozen = (
        frozen_rounds(base=base, vehicles=vehicles, session=session)
        if base and now_s is None
        else []
    )
    ridden, riding = _history(session, base, vehicles, now_s) if base else ([], [])
    history = ridden + riding
    kept_stops = [s for r in history for s in r.stops if s.kind != "reload"]
    carried: list[tuple[str, tuple[int, ...]]] = [
        (c.kind, c.parcel_ids) for _, built in frozen for _, c in built
    ]
    carried += [(s.kind, tuple(p.id for p in s.parcels)) for s in kept_stops]
    frozen_parcels = {pid for _, ids in carried for pid in ids}
    delivered = {pid for kind_, ids in carried if kind_ == "delivery" for pid in ids}
    taken = {s.id for _, built in frozen for s, _ in built}
    taken |= {s.stop_ref for s in kept_stops if s.stop_ref}
    day = consolidate(
        session=session,
        plan_date=plan_date,
        kind=kind,
        frozen_parcel_ids=frozen_parcels,
        taken_ids=taken,
        collecting_parcel_ids=frozen_parcels - delivered,
    )
    for _, built in frozen:
        for stop, contents in built:
            day.add(stop, contents)
    if frozen:
        notes.append(f"{len(frozen)} started round(s) of plan {base.id if base else ''} kept")
    bikes = _after_history(bikes, ridden, riding, notes)
    request = DayRequest(
        depot=depot_place(depot),
        stops=tuple(day.stops),
        bikes=tuple(bikes),
        frozen=tuple(f for f, _ in frozen),
        now_s=now_s,
    )
    based_on = base.id if base and (frozen or history) else None
    kept = tuple(r.id for r in history)
    return PlanningInput(request, day, vehicles, tuple(notes), based_on, kept)


def _history(
    session: Session, base: Plan, vehicles: dict[str, VehicleRef], now_s: int | None
) -> tuple[list[PlanRound], list[PlanRound]]:
    """The started rounds of ``base`` kept as they are: those back at the depot by ``now_s``
    (:func:`back_by`) or followed by a later round of the same bike; and, with ``now_s``, those
    still under way then."""
    rounds = session.scalars(
        select(PlanRound)
        .where(PlanRound.plan_id == base.id, PlanRound.started.is_(True))
        .options(selectinload(PlanRound.stops).selectinload(RoundStop.parcels))
        .order_by(PlanRound.seq)
    ).all()
    latest = _latest(rounds)
    ridden, riding = [], []
    for r in rounds:
        if r.vehicle_ref not in vehicles:
            continue
        if back_by(r, now_s) or latest[r.vehicle_ref] is not r:
            ridden.append(r)
        elif now_s is not None:
            riding.append(r)
    return ridden, riding


def _after_history(
    bikes: list[Bike], ridden: list[PlanRound], riding: list[PlanRound], notes: list[str]
) -> list[Bike]:
    """Each bike as it is after the rounds it rode already: from the depot once back, with the
    trips, breaks and range it has left; a bike still out on a round kept whole takes nothing
    new."""
    out = []
    away = {r.vehicle_ref: r for r in riding}
    for bike in bikes:
        if bike.id in away:
            round_ = away[bike.id]
            notes.append(
                f"{bike.id} is out on round {round_.id} until {clock(round_.end_s)}: kept as "
                "planned; it takes new work once back at the depot"
            )
            continue
        done = [r for r in ridden if r.vehicle_ref == bike.id]
        if not done:
            out.append(bike)
            continue
        trips = sum(r.trips for r in done)
        back_s = max(r.end_s for r in done)
        if trips >= bike.max_trips or back_s >= bike.shift_end_s:
            notes.append(f"{bike.id}: back at {clock(back_s)} with no trip or time left")
            continue
        taken = [start_s for r in done for start_s, _duration in r.breaks]
        breaks = tuple(b for b in bike.breaks if not any(b.start_s <= t <= b.end_s for t in taken))
        range_m = bike.max_distance_m
        if range_m is not None:
            range_m = max(0, range_m - sum(r.distance_m for r in done))
        out.append(
            replace(
                bike,
                shift_start_s=max(bike.shift_start_s, back_s),
                max_trips=bike.max_trips - trips,
                breaks=breaks,
                max_distance_m=range_m,
            )
        )
    return out


def describe(request: DayRequest) -> dict[str, Any]:
    """Counts of a request, for the plan's summary."""
    return {
        "stops": len(request.stops),
        "bikes": len(request.bikes),
        "frozen_stops": sum(len(f.stop_ids) for f in request.frozen),
    }
