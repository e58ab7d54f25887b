"""Delivery slots at checkout: the windows the fleet can still serve for an address, and
holding one for a few minutes.

The answer rests on the date's current delivery plan (the latest finished ``deliveries`` or
``combined`` plan) and on everything booked since: orders that came in after it and slots
held now are put into its rounds first (:class:`depot.slot_day.SlotDay`), so the room they
take is not sold twice. Each API process keeps one such day per date in memory and brings it
up to date from the database on every request (a new plan or a changed fleet rebuilds it;
new orders and holds are added, expired holds taken out). Holds are rows in the database, so
every process counts them and they outlive a restart; a hold is granted under a lock on its
date (PostgreSQL advisory lock; SQLite's write lock), after the day was brought up to date.

No plan of the date yet: the date's bookings are put on the bikes one by one, and the answer
says so.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select, text, union
from sqlalchemy.orm import Session, selectinload

from depot.consolidation import FINISHED, parcel_stop
from depot.contracts import parse_clock
from depot.day import DayRequest, ParcelStop, Place, clock
from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.locate import Locator
from depot.plan_input import depot_place, fleet, frozen_rounds, get_depot
from depot.planning import prepare_day
from depot.slot_day import Extra, Goods, SlotDay, Window, WindowAnswer
from depot.webshop.slots import parse_time_slot
from maps.geo import Point, haversine_m
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

#: An order may use a hold for an address at most this far from the held one.
HOLD_NEAR_M = 50.0


def slot_grid(text_value: str) -> list[Window]:
    """The windows of ``BAKFIETS_SLOT_WINDOWS`` as clock seconds (``"09:00-11:00, ..."``)."""
    windows = parse_time_slot(text_value, field="BAKFIETS_SLOT_WINDOWS")
    return [(parse_clock(w["start"]), parse_clock(w["end"])) for w in windows]


@dataclass(frozen=True)
class Where:
    """A checkout address on the map (WGS84 degrees), as the geocoder spelled it."""

    lat: float
    lon: float
    matched_address: str | None = None


def locate(*, locator: Locator, address: str | None, lat: float | None, lon: float | None) -> Where:
    """Where the goods would go: a one-line address, or ``lat`` and ``lon``.

    Raises
    ------
    InvalidInputError
        ``address``: neither or both kinds given, not found, uncertain or not served;
        ``lat``: only one of ``lat``/``lon``, or the point is not served.
    """
    if (lat is None) != (lon is None):
        raise InvalidInputError("lat", "give both lat and lon, or an address")
    if (address is None) == (lat is None):
        raise InvalidInputError("address", "give either an address or lat and lon")
    if address is not None:
        found = locator.locate_text(address)
        if found.lat is None or found.lon is None or found.problem is not None:
            raise InvalidInputError("address", found.problem or "address not found")
        return Where(found.lat, found.lon, found.matched_address)
    assert lat is not None and lon is not None
    checked = locator.check_point(lat, lon)
    if checked.problem is not None:
        raise InvalidInputError("lat", checked.problem)
    return Where(lat, lon)


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


@dataclass(frozen=True)
class SlotAnswer:
    """Every offered window for one address on one date, and what the answer rests on."""

    plan_date: date
    where: Where
    windows: list[WindowAnswer]
    basis: dict[str, object]


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


def _synced(session: Session, desk: SlotDesk, plan_date: date, now: datetime) -> Booked:
    """The date's slot day, rebuilt or brought up to date with new orders and holds."""
    plan = _current_plan(session, plan_date)
    depot = get_depot(session)
    bikes, _refs, _notes = fleet(session=session, depot=depot, plan_date=plan_date)
    key = (plan.id if plan else None, tuple(bikes), depot.lat, depot.lon, depot.reload_s)
    booked = desk.days.get(plan_date)
    if booked is None or booked.day.key != key:
        booked = _build(session, desk, plan_date, plan, key)
        desk.days[plan_date] = booked
    day, graph = booked.day, desk.graph()
    now_s = _clock_s(now) if now.date() == plan_date else None
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


def _clock_s(now: datetime) -> int:
    return now.hour * 3600 + now.minute * 60 + now.second


def _basis(booked: Booked, now: datetime) -> dict[str, object]:
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


def _check_date(plan_date: date, now: datetime) -> None:
    if plan_date < now.date():
        raise InvalidInputError(
            "date", f"{plan_date.isoformat()} is in the past (today is {now.date()})"
        )


def _snapped(desk: SlotDesk, where: Where) -> Snap:
    try:
        return snap_points(desk.graph(), [Point(where.lat, where.lon)], limit_m=desk.snap_limit_m)[
            0
        ]
    except SnapError as exc:
        raise InvalidInputError(
            "address", f"the address is too far from any way a cargo bike may use ({exc})"
        ) from None


def available_slots(
    *, session: Session, desk: SlotDesk, plan_date: date, where: Where, goods: Goods, now: datetime
) -> SlotAnswer:
    """Which of the desk's windows the fleet can still serve at ``where`` on ``plan_date``.

    Parameters
    ----------
    session : Session
    desk : SlotDesk
    plan_date : date
    where : Where
        From :func:`locate`.
    goods : Goods
        What the order would hand over.
    now : datetime
        The depot's local time (timezone-aware): today nothing new starts before it.

    Returns
    -------
    SlotAnswer

    Raises
    ------
    InvalidInputError
        ``date`` in the past, ``depot`` not set up, ``address`` beyond the snap limit.
    """
    _check_date(plan_date, now)
    snap = _snapped(desk, where)
    with desk.lock(plan_date):
        booked = _synced(session, desk, plan_date, now)
        now_s = _clock_s(now) if now.date() == plan_date else None
        answers = booked.day.check(snap, goods, desk.windows, now_s)
        basis = _basis(booked, now)
    session.rollback()
    return SlotAnswer(plan_date, where, answers, basis)


def _lock_date(session: Session, plan_date: date, now: datetime) -> None:
    """Hold the date's lock until the transaction ends (one hold granted at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_300_000 + plan_date.toordinal()}
        )
        return
    # SQLite: a write first takes the database's write lock (and clears holds long expired).
    session.execute(
        delete(SlotHold).where(
            SlotHold.consumed_at.is_(None), SlotHold.expires_at < now - timedelta(days=1)
        )
    )


def hold_slot(
    *,
    session: Session,
    desk: SlotDesk,
    plan_date: date,
    where: Where,
    goods: Goods,
    window: Window,
    now: datetime,
    user_id: int | None = None,
) -> tuple[SlotHold, WindowAnswer]:
    """Hold ``window`` at ``where`` on ``plan_date`` for the desk's hold time, and commit.

    The date is locked, the slot day brought up to date, and the window checked again: only a
    window a bike can still serve is held, and its stop then takes that room for others.

    Returns
    -------
    hold, answer
        The stored hold and where its stop fits.

    Raises
    ------
    InvalidInputError
        ``window`` not one the checkout offers; ``date`` in the past; ``address`` too far.
    ConflictError
        ``window``: no bike can serve it any more (the reason says why).
    """
    _check_date(plan_date, now)
    if window not in desk.windows:
        offered = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in desk.windows)
        raise InvalidInputError(
            "window", f"{clock(window[0])}-{clock(window[1])} is not offered ({offered})"
        )
    snap = _snapped(desk, where)
    with desk.lock(plan_date):
        _lock_date(session, plan_date, now)
        booked = _synced(session, desk, plan_date, now)
        now_s = _clock_s(now) if now.date() == plan_date else None
        answer = booked.day.check(snap, goods, [window], now_s)[0]
        if not answer.available:
            session.rollback()
            raise ConflictError("window", answer.reason or "no bike can serve it")
        hold = SlotHold(
            id=secrets.token_hex(16),
            plan_date=plan_date,
            start_s=window[0],
            end_s=window[1],
            lat=where.lat,
            lon=where.lon,
            address=where.matched_address,
            weight_g=goods.weight_g,
            volume_ml=goods.volume_ml,
            parcels=goods.parcels,
            expires_at=now + timedelta(seconds=desk.hold_s),
            created_by_user_id=user_id,
        )
        session.add(hold)
        session.commit()
        booked.day.place([Extra(f"hold-{hold.id}", snap, (window,), goods)], now_s)
    return hold, answer


def release_hold(*, session: Session, hold_id: str) -> None:
    """Let a hold go before it expires, and commit.

    Raises
    ------
    NotFoundError
        ``hold_id``: no such hold.
    ConflictError
        ``hold_id``: an order already used it.
    """
    hold = session.get(SlotHold, hold_id)
    if hold is None:
        raise NotFoundError("hold_id", f"no slot hold {hold_id}")
    if hold.consumed_at is not None:
        raise ConflictError("hold_id", f"order {hold.order_id} already used this hold")
    session.delete(hold)
    session.commit()


def consume_hold(
    *,
    session: Session,
    hold_id: str,
    order_id: int,
    plan_date: date,
    windows: Sequence[Window],
    lat: float,
    lon: float,
    now: datetime,
) -> SlotHold:
    """Let order ``order_id`` use hold ``hold_id`` (call it in the transaction creating the
    order, before the commit; nothing is committed here).

    Raises
    ------
    NotFoundError
        ``slot_hold_id``: no such hold.
    ConflictError
        ``slot_hold_id``: already used, or expired.
    InvalidInputError
        ``delivery_date`` not the held date; ``windows`` none of which covers the held window;
        ``address`` farther than :data:`HOLD_NEAR_M` from the held one.
    """
    hold = session.get(SlotHold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFoundError("slot_hold_id", f"no slot hold {hold_id}")
    if hold.consumed_at is not None:
        raise ConflictError("slot_hold_id", f"order {hold.order_id} already used this hold")
    if hold.expires_at <= now:
        raise ConflictError(
            "slot_hold_id", f"the hold expired at {hold.expires_at.isoformat()}; hold a slot again"
        )
    if hold.plan_date != plan_date:
        raise InvalidInputError("delivery_date", f"the hold is for {hold.plan_date.isoformat()}")
    if not any(a <= hold.start_s and hold.end_s <= b for a, b in windows):
        held = f"{clock(hold.start_s)}-{clock(hold.end_s)}"
        raise InvalidInputError("windows", f"none of the order's windows covers the held {held}")
    away_m = float(haversine_m(lat, lon, hold.lat, hold.lon))
    if away_m > HOLD_NEAR_M:
        raise InvalidInputError(
            "address", f"the order's address is {away_m:.0f} m from the held one"
        )
    hold.consumed_at, hold.order_id = now, order_id
    session.flush()
    return hold
