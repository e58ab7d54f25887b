"""The slot days of one API process: each date's rounds, built from the database and kept
up to date with it (see :mod:`depot.slots`).

A date's :class:`~depot.slot_day.SlotDay` is built from its current delivery plan (the latest
finished ``deliveries`` or ``combined`` version: started rounds frozen as a re-plan keeps them,
the others as planned) and the fleet of the date; the orders booked outside the plan are then
put into its rounds. On every request :func:`synced_day` rebuilds it when the plan or the fleet
changed, and otherwise adds the orders booked since and the holds made since, and takes out the
holds that expired or were let go.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from depot.consolidation import FINISHED, parcel_stop
from depot.day import DayRequest, ParcelStop, Place
from depot.plan_input import depot_place, fleet, frozen_rounds, get_depot
from depot.planning import prepare_day
from depot.slot_day import Extra, Goods, SlotDay, Window
from maps.geo import Point
from maps.graph import BikeGraph
from maps.snap import Snap, SnapError, snap_points
from models import (
    Order,
    OrderStatus,
    Plan,
    PlanKind,
    PlanRound,
    PlanStatus,
    PlanUnassigned,
    RoundStop,
    SlotHold,
)
from models.plan import round_stop_parcels, unassigned_parcels


class SlotDesk:
    """The slot days of one API process, one per date, each behind its own lock.

    Parameters
    ----------
    graph : callable
        Returns the bike network (loaded once per process).
    windows : list of (start_s, end_s)
        The windows offered at checkout.
    snap_limit_m : float
    hold_s : int
        How long a hold lasts.
    """

    def __init__(
        self,
        *,
        graph: Callable[[], BikeGraph],
        windows: Sequence[Window],
        snap_limit_m: float,
        hold_s: int,
    ) -> None:
        self.graph = graph
        self.windows = list(windows)
        self.snap_limit_m = snap_limit_m
        self.hold_s = hold_s
        self.days: dict[date, Booked] = {}
        self._locks: dict[date, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, day: date) -> threading.Lock:
        """The lock of ``day``'s slot day in this process."""
        with self._guard:
            return self._locks.setdefault(day, threading.Lock())


@dataclass
class Booked:
    """A date's slot day and what it was built on."""

    day: SlotDay
    plan_id: int | None
    plan_version: int | None
    planned_at: datetime | None
    unassigned_in_plan: int
    last_order_id: int
    not_located: set[int] = field(default_factory=set)


def _current_plan(session: Session, plan_date: date) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(
            Plan.plan_date == plan_date,
            Plan.status == PlanStatus.DONE,
            Plan.kind.in_((PlanKind.DELIVERIES, PlanKind.COMBINED)),
        )
        .order_by(Plan.version.desc())
        .limit(1)
    )


def _snap(graph: BikeGraph, lat: float, lon: float, limit_m: float) -> Snap | None:
    try:
        return snap_points(graph, [Point(lat, lon)], limit_m=limit_m)[0]
    except SnapError:
        return None


def _planned_rounds(
    session: Session, plan: Plan, started: set[str]
) -> tuple[list[ParcelStop], dict[str, list[str | None]]]:
    """The plan's rounds not yet started: their stops and each bike's sequence."""
    rounds = session.scalars(
        select(PlanRound)
        .where(PlanRound.plan_id == plan.id)
        .options(selectinload(PlanRound.stops).selectinload(RoundStop.parcels))
        .order_by(PlanRound.seq)
    ).all()
    stops: list[ParcelStop] = []
    sequences: dict[str, list[str | None]] = {}
    for round_ in rounds:
        if round_.vehicle_ref in started:
            continue
        by_parcels: dict[tuple[int, ...], dict[str, str]] = {}
        for s in round_.stops:
            if s.kind != "reload" and s.stop_ref:
                key = tuple(sorted(p.id for p in s.parcels))
                by_parcels.setdefault(key, {})[s.kind] = s.stop_ref
        partner = {}
        for kinds in by_parcels.values():
            if set(kinds) == {"pickup", "delivery"}:
                partner[kinds["pickup"]], partner[kinds["delivery"]] = (
                    kinds["delivery"],
                    kinds["pickup"],
                )
        seq: list[str | None] = []
        for s in round_.stops:
            if s.kind == "reload" or not s.stop_ref:
                seq.append(None)
                continue
            kind: Literal["delivery", "pickup"] = "pickup" if s.kind == "pickup" else "delivery"
            place = Place(f"stop-{s.stop_ref}", s.label, s.lat, s.lon)
            windows = tuple((int(a), int(b)) for a, b in s.windows)
            stops.append(
                parcel_stop(
                    s.stop_ref, place, kind, list(s.parcels), windows, partner.get(s.stop_ref)
                )
            )
            seq.append(s.stop_ref)
        sequences[round_.vehicle_ref] = seq
    return stops, sequences


def _orders(session: Session, plan_date: date, after_id: int) -> list[Order]:
    return list(
        session.scalars(
            select(Order)
            .where(
                Order.delivery_date == plan_date,
                Order.status != OrderStatus.CANCELLED,
                Order.id > after_id,
            )
            .options(
                selectinload(Order.address),
                selectinload(Order.windows),
                selectinload(Order.parcels),
            )
            .order_by(Order.id)
        )
    )


def _order_extra(
    order: Order,
    graph: BikeGraph,
    limit_m: float,
    skip: Collection[int] = (),
) -> Extra | None:
    """An order as a later booking (its open parcels not in ``skip``); None when nothing is
    left to carry or its address is not located."""
    parcels = [p for p in order.parcels if p.status not in FINISHED and p.id not in skip]
    a = order.address
    if not parcels or a.lat is None or a.lon is None:
        return None
    goods = Goods(sum(p.weight_g for p in parcels), sum(p.volume_ml for p in parcels), len(parcels))
    windows = tuple((w.start_s, w.end_s) for w in order.windows)
    return Extra(f"order-{order.id}", _snap(graph, a.lat, a.lon, limit_m), windows, goods)


def _build(
    session: Session, desk: SlotDesk, plan_date: date, plan: Plan | None, key: tuple[object, ...]
) -> Booked:
    """A date's slot day from its current plan and the orders booked outside it."""
    graph = desk.graph()
    depot = get_depot(session)
    bikes, refs, _notes = fleet(session=session, depot=depot, plan_date=plan_date)
    stops: list[ParcelStop] = []
    sequences: dict[str, list[str | None]] = {}
    frozen = []
    in_plan: set[int] = set()
    if plan is not None:
        for fr, built in frozen_rounds(base=plan, vehicles=refs, session=session):
            frozen.append(fr)
            stops += [s for s, _ in built]
            sequences[fr.bike_id] = list(fr.stop_ids)
        more, planned = _planned_rounds(session, plan, set(sequences))
        stops += more
        sequences.update(planned)
        in_plan = set(
            session.scalars(
                union(
                    select(round_stop_parcels.c.parcel_id)
                    .join(RoundStop, RoundStop.id == round_stop_parcels.c.round_stop_id)
                    .join(PlanRound, PlanRound.id == RoundStop.round_id)
                    .where(PlanRound.plan_id == plan.id),
                    select(unassigned_parcels.c.parcel_id)
                    .join(PlanUnassigned, PlanUnassigned.id == unassigned_parcels.c.unassigned_id)
                    .where(PlanUnassigned.plan_id == plan.id),
                )
            )
        )
    request = DayRequest(depot_place(depot), tuple(stops), tuple(bikes), tuple(frozen))
    prepared = prepare_day(graph, request, snap_limit_m=desk.snap_limit_m)
    day = SlotDay(graph, prepared, sequences, key)
    unassigned = 0
    if plan is not None:
        unassigned = (
            session.scalar(
                select(func.count())
                .select_from(PlanUnassigned)
                .where(PlanUnassigned.plan_id == plan.id)
            )
            or 0
        )
    booked = Booked(
        day,
        plan.id if plan else None,
        plan.version if plan else None,
        plan.finished_at if plan else None,
        unassigned,
        last_order_id=0,
    )
    later = []
    for order in _orders(session, plan_date, 0):
        booked.last_order_id = order.id
        extra = _order_extra(order, graph, desk.snap_limit_m, in_plan)
        if extra is not None:
            later.append(extra)
        elif order.address.lat is None:
            booked.not_located.add(order.id)
    day.place(later, None)
    return booked


def synced_day(*, session: Session, desk: SlotDesk, plan_date: date, now: datetime) -> Booked:
    """The date's slot day, rebuilt or brought up to date with new orders and holds (call it
    holding ``desk.lock(plan_date)``)."""
    plan = _current_plan(session, plan_date)
    depot = get_depot(session)
    bikes, _refs, _notes = fleet(session=session, depot=depot, plan_date=plan_date)
    key = (plan.id if plan else None, tuple(bikes), depot.lat, depot.lon, depot.reload_s)
    booked = desk.days.get(plan_date)
    if booked is None or booked.day.key != key:
        booked = _build(session, desk, plan_date, plan, key)
        desk.days[plan_date] = booked
    day, graph = booked.day, desk.graph()
    now_s = clock_s(now) if now.date() == plan_date else None
    active = session.scalars(
        select(SlotHold)
        .where(
            SlotHold.plan_date == plan_date,
            SlotHold.consumed_at.is_(None),
            SlotHold.expires_at > now,
        )
        .order_by(SlotHold.created_at, SlotHold.id)
    ).all()
    new_orders = _orders(session, plan_date, booked.last_order_id)
    used: dict[int, str] = {}
    if new_orders:
        rows = session.execute(
            select(SlotHold.order_id, SlotHold.id).where(
                SlotHold.order_id.in_([o.id for o in new_orders])
            )
        ).all()
        used = {order_id: hold_id for order_id, hold_id in rows if order_id is not None}
    fresh: list[Extra] = []
    for order in new_orders:
        booked.last_order_id = order.id
        extra = _order_extra(order, graph, desk.snap_limit_m)
        if extra is None:
            if order.address.lat is None:
                booked.not_located.add(order.id)
            continue
        hold = f"hold-{used[order.id]}" if order.id in used else None
        if hold is not None and hold in day.extras:
            day.swap(hold, extra, now_s)
        else:
            fresh.append(extra)
    still = {f"hold-{h.id}" for h in active}
    for gone in [e for e in day.extras if e.startswith("hold-") and e not in still]:
        day.remove(gone)
    for h in active:
        if f"hold-{h.id}" not in day.extras:
            snap = _snap(graph, h.lat, h.lon, desk.snap_limit_m)
            goods = Goods(h.weight_g, h.volume_ml, h.parcels)
            fresh.append(Extra(f"hold-{h.id}", snap, ((h.start_s, h.end_s),), goods))
    day.place(fresh, now_s)
    return booked


def clock_s(now: datetime) -> int:
    """Seconds after midnight of a (local) time."""
    return now.hour * 3600 + now.minute * 60 + now.second


def basis(booked: Booked, now: datetime) -> dict[str, object]:
    """What an answer rests on, for the API (``note`` in words)."""
    day = booked.day
    later = sum(1 for e in day.extras if e.startswith("order-"))
    holds = sum(1 for e in day.extras if e.startswith("hold-"))
    no_room = sorted(day.without_room)
    if booked.plan_id is None:
        note = f"no plan of this date yet: {later} booking(s) put on the bikes one by one"
    else:
        when = booked.planned_at.astimezone(now.tzinfo) if booked.planned_at else None
        at = f" of {when:%H:%M}" if when else ""
        note = f"the plan{at} (version {booked.plan_version}) and {later} later booking(s)"
    note += f", {holds} slot(s) held now"
    if no_room:
        note += f"; {len(no_room)} booking(s) found no room in the rounds"
    if booked.not_located:
        note += f"; {len(booked.not_located)} order(s) without a located address are not counted"
    return {
        "plan_id": booked.plan_id,
        "plan_version": booked.plan_version,
        "planned_at": booked.planned_at,
        "later_bookings": later,
        "holds": holds,
        "without_room": [{"id": e, "reason": day.without_room[e]} for e in no_room],
        "unassigned_in_plan": booked.unassigned_in_plan,
        "not_located": len(booked.not_located),
        "note": note,
    }
