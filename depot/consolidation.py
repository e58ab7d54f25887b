"""Consolidation: a date's parcels, read from the database, become the stops of a day to plan.

* **Deliveries**: parcels for one customer (same address, same date, overlapping windows) from
  different shops and orders become one delivery stop, whose windows are the overlap of theirs.
* **Pickups**: a shop's booked pickups of the date with overlapping ready windows become one
  pickup stop (shop → depot).
* **Combined** plans add same-day direct deliveries: a customer stop whose parcels all still
  wait at one shop becomes a pickup-and-delivery pair (shop → customer, same bike). A stop whose
  parcels wait at several shops must pass the depot first; it is left out of the combined plan
  with that reason, while its pickups are planned (they bring the parcels to the depot).

The consolidation ratio (parcels and order lines per stop) is reported with the day. Frozen
stops of a re-plan (:func:`depot.plan_input.planning_input`) are passed in and their parcels left
out here, except the parcels a started round collects at a shop for the depot: they are not
collected again, and their customer's stop is delivered from the depot once they are scanned in
there (until then it is left out, saying which shops' parcels are still on their way).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.day import ParcelStop, Place
from models import (
    Handover,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelStatus,
    Pickup,
    PickupStatus,
    PlanKind,
)

#: Time at a customer's door: 2 minutes, plus 30 s per further parcel.
DOOR_S, DOOR_PER_PARCEL_S = 120, 30
#: Time at a shop's counter: 3 minutes, plus 10 s per further parcel.
COUNTER_S, COUNTER_PER_PARCEL_S = 180, 10
#: Parcels that are no longer to be carried on their delivery date.
FINISHED = (ParcelStatus.DELIVERED, ParcelStatus.FAILED, ParcelStatus.RETURNED)
#: Parcels still at the shop (a pickup collects them).
AT_SHOP = (ParcelStatus.BOOKED, ParcelStatus.AWAITING_PICKUP)
#: Parcels collected at the shop and on their way to the depot.
ON_BIKE = (ParcelStatus.PICKED_UP,)

Windows = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class StopContents:
    """What a stop of the day carries, by database id."""

    kind: Literal["delivery", "pickup"]
    parcel_ids: tuple[int, ...]
    order_ids: tuple[int, ...]
    pickup_ids: tuple[int, ...]
    order_lines: int


@dataclass(frozen=True)
class LeftOut:
    """A stop not offered to the planner, with a code and a reason a depot worker can act on."""

    stop_id: str
    kind: str
    label: str
    code: str
    reason: str
    parcel_ids: tuple[int, ...]


@dataclass
class Consolidated:
    """A date's stops for one kind of plan, what each carries, and what was left out."""

    stops: list[ParcelStop] = field(default_factory=list)
    contents: dict[str, StopContents] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)

    def add(self, stop: ParcelStop, contents: StopContents) -> None:
        """Add a stop and its contents."""
        self.stops.append(stop)
        self.contents[stop.id] = contents

    def ratio(self) -> dict[str, float | int]:
        """Parcels and order lines per stop, for deliveries and pickups apart.

        A pair counts as one pickup stop and one delivery stop.
        """
        out: dict[str, float | int] = {}
        for kind in ("delivery", "pickup"):
            items = [c for c in self.contents.values() if c.kind == kind]
            parcels = sum(len(c.parcel_ids) for c in items)
            lines = sum(c.order_lines for c in items)
            out[f"{kind}_stops"] = len(items)
            out[f"{kind}_parcels"] = parcels
            out[f"{kind}_parcels_per_stop"] = round(parcels / len(items), 2) if items else 0.0
            out[f"{kind}_order_lines_per_stop"] = round(lines / len(items), 2) if items else 0.0
        return out


def intersect(a: Windows, b: Windows) -> Windows:
    """The overlap of two window sets (an empty set means "any time": the other is kept)."""
    if not a:
        return b
    if not b:
        return a
    out = sorted(
        (max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) <= min(e1, e2)
    )
    return tuple(out)


def _door_s(parcels: int) -> int:
    return DOOR_S + DOOR_PER_PARCEL_S * max(0, parcels - 1)


def _counter_s(parcels: int) -> int:
    return COUNTER_S + COUNTER_PER_PARCEL_S * max(0, parcels - 1)


def _order_windows(order: Order) -> Windows:
    return tuple((w.start_s, w.end_s) for w in order.windows)


def _address_label(order: Order) -> str:
    a = order.address
    text = a.matched_address or f"{a.street} {a.housenumber}, {a.postcode} {a.city}".strip(", ")
    return f"{order.customer.name}, {text}" if text.strip() else order.customer.name


def _recipient_key(order: Order) -> tuple[float, float, str]:
    """Same door and same person: the located point (to about a metre) and email or name."""
    a = order.address
    assert a.lat is not None and a.lon is not None
    who = (order.customer.email or order.customer.name).strip().casefold()
    return (round(a.lat, 5), round(a.lon, 5), who)


def _clusters(orders: Sequence[Order]) -> list[tuple[list[Order], Windows]]:
    """Orders grouped so each group's windows overlap; each group with that overlap."""
    groups: list[tuple[list[Order], Windows]] = []
    for order in sorted(orders, key=lambda o: (_order_windows(o)[:1], o.id)):
        mine = _order_windows(order)
        for i, (members, windows) in enumerate(groups):
            both = intersect(windows, mine)
            if both or (not windows and not mine):
                groups[i] = ([*members, order], both)
                break
        else:
            groups.append(([order], mine))
    return groups


def _open_parcels(order: Order, skip: set[int]) -> list[Parcel]:
    return [p for p in order.parcels if p.status not in FINISHED and p.id not in skip]


def _waiting_pickup(parcel: Parcel, lines: dict[int, OrderLine], day: date) -> Pickup | None:
    """The booked pickup of ``day`` that still has to collect ``parcel``, if any."""
    line = lines.get(parcel.order_line_id or -1)
    pickup = parcel.pickup
    if line is None or line.handover is not Handover.PICKUP or pickup is None:
        return None
    if pickup.status is not PickupStatus.BOOKED or pickup.pickup_date != day:
        return None
    return pickup if parcel.status in AT_SHOP else None


def _sum(parcels: Iterable[Parcel]) -> tuple[int, int, int]:
    items = list(parcels)
    return sum(p.weight_g for p in items), sum(p.volume_ml for p in items), len(items)


def _unique(stop_id: str, taken: set[str]) -> str:
    candidate, n = stop_id, 1
    while candidate in taken:
        n += 1
        candidate = f"{stop_id}.{n}"
    taken.add(candidate)
    return candidate


def consolidate(
    *,
    session: Session,
    plan_date: date,
    kind: PlanKind,
    frozen_parcel_ids: set[int] | None = None,
    taken_ids: set[str] | None = None,
    collecting_parcel_ids: set[int] | None = None,
) -> Consolidated:
    """Read ``plan_date``'s orders and pickups and build the stops of a plan of ``kind``.

    Parameters
    ----------
    session : Session
    plan_date : date
        The service day.
    kind : PlanKind
        ``pickups`` (shop → depot), ``deliveries`` (depot → customer) or ``combined`` (both,
        with shop → customer pairs for same-day direct delivery).
    frozen_parcel_ids : set of int, optional
        Parcels already on frozen stops of a re-plan: not consolidated again.
    taken_ids : set of str, optional
        Stop ids already used (frozen stops); new ids avoid them.
    collecting_parcel_ids : set of int, optional
        Of ``frozen_parcel_ids``, those a frozen pickup stop takes to the depot (no frozen stop
        delivers them): not collected again, but delivered from the depot once scanned in there.

    Returns
    -------
    Consolidated
        Stops (``D…`` delivery, ``P…`` pickup, ``X…``/``Y…`` pair halves), what each carries by
        database id, and what was left out with its reason.
    """
    skip = frozen_parcel_ids or set()
    collecting = collecting_parcel_ids or set()
    taken = set(taken_ids or ())
    day = Consolidated()
    paired_pickups: set[int] = set()
    if kind in (PlanKind.DELIVERIES, PlanKind.COMBINED):
        paired_pickups = _deliveries(
            session, plan_date, kind, skip - collecting, collecting, taken, day
        )
    if kind in (PlanKind.PICKUPS, PlanKind.COMBINED):
        _pickups(session, plan_date, skip | paired_pickups, taken, day)
    return day


def _deliveries(
    session: Session,
    plan_date: date,
    kind: PlanKind,
    skip: set[int],
    collecting: set[int],
    taken: set[str],
    day: Consolidated,
) -> set[int]:
    """Delivery stops (and, combined, pairs); returns the parcels the pairs collect."""
    orders = session.scalars(
        select(Order)
        .where(Order.delivery_date == plan_date, Order.status != OrderStatus.CANCELLED)
        .options(
            selectinload(Order.address),
            selectinload(Order.customer),
            selectinload(Order.windows),
            selectinload(Order.lines),
            selectinload(Order.parcels).selectinload(Parcel.pickup),
        )
        .order_by(Order.id)
    ).all()
    by_door: dict[tuple[float, float, str], list[Order]] = defaultdict(list)
    for order in orders:
        parcels = _open_parcels(order, skip)
        if not parcels:
            continue
        ids = tuple(p.id for p in parcels)
        if order.status is OrderStatus.NEEDS_ATTENTION or order.address.lat is None:
            reason = order.attention_reason or "the delivery address has not been located"
            stop_id = _unique(f"O{order.id}", taken)
            label = _address_label(order)
            day.left_out.append(LeftOut(stop_id, "delivery", label, "needs_attention", reason, ids))
            continue
        by_door[_recipient_key(order)].append(order)
    collected: set[int] = set()
    for members_at_door in by_door.values():
        for members, windows in _clusters(members_at_door):
            collected |= _delivery_stop(
                members, windows, plan_date, kind, skip, collecting, taken, day
            )
    return collected


def _delivery_stop(
    members: list[Order],
    windows: Windows,
    plan_date: date,
    kind: PlanKind,
    skip: set[int],
    collecting: set[int],
    taken: set[str],
    day: Consolidated,
) -> set[int]:
    first = members[0]
    parcels = [p for o in members for p in _open_parcels(o, skip)]
    lines = {line.id: line for o in members for line in o.lines}
    order_lines = len({p.order_line_id for p in parcels})
    place = Place(f"door-{first.address_id}", _address_label(first), *_latlon(first))
    contents = StopContents(
        "delivery",
        tuple(p.id for p in parcels),
        tuple(o.id for o in members),
        (),
        order_lines,
    )
    on_the_way = [p for p in parcels if p.id in collecting and p.status in AT_SHOP + ON_BIKE]
    if kind is PlanKind.COMBINED and on_the_way:
        refs = sorted({p.shop.ref for p in on_the_way})
        return _via_depot(
            day,
            _unique(f"D{first.id}", taken),
            place.label,
            f"{len(on_the_way)} of its parcels (shops {', '.join(refs)}) are being collected "
            "to the depot by started rounds: delivered by a re-plan once scanned in there",
            contents.parcel_ids,
        )
    waiting = {
        p.id: _waiting_pickup(p, lines, plan_date) if p.id not in collecting else None
        for p in parcels
    }
    pickups = {pk.id: pk for pk in waiting.values() if pk is not None}
    if kind is PlanKind.DELIVERIES or not pickups:
        day.add(
            parcel_stop(_unique(f"D{first.id}", taken), place, "delivery", parcels, windows),
            contents,
        )
        return set()
    shops = {pk.shop_id for pk in pickups.values()}
    if len(shops) == 1 and all(waiting.values()):
        ready: Windows = ()
        for pk in pickups.values():
            ready = intersect(ready, _ready(pk))
        pickup_id, delivery_id = _unique(f"X{first.id}", taken), _unique(f"Y{first.id}", taken)
        shop_place = _shop_place(next(iter(pickups.values())))
        pickup_contents = StopContents(
            "pickup", contents.parcel_ids, contents.order_ids, tuple(sorted(pickups)), order_lines
        )
        day.add(
            parcel_stop(pickup_id, shop_place, "pickup", parcels, ready, delivery_id),
            pickup_contents,
        )
        day.add(parcel_stop(delivery_id, place, "delivery", parcels, windows, pickup_id), contents)
        return set(contents.parcel_ids)
    refs = sorted({pk.shop.ref for pk in pickups.values()})
    return _via_depot(
        day,
        _unique(f"D{first.id}", taken),
        place.label,
        f"its parcels wait at shops {', '.join(refs)}: they are collected to the depot by "
        "this plan's pickups and delivered from there by a re-plan once scanned in",
        contents.parcel_ids,
    )


def _via_depot(
    day: Consolidated, stop_id: str, label: str, reason: str, parcel_ids: tuple[int, ...]
) -> set[int]:
    """Leave a customer's stop out until its parcels are at the depot (``via_depot``)."""
    day.left_out.append(LeftOut(stop_id, "delivery", label, "via_depot", reason, parcel_ids))
    return set()


def parcel_stop(
    stop_id: str,
    place: Place,
    kind: Literal["delivery", "pickup"],
    parcels: Sequence[Parcel],
    windows: Windows,
    pair_with: str | None = None,
) -> ParcelStop:
    """A stop handing over ``parcels`` (their weights, volumes and count; time at the door or
    at the counter grows with the count)."""
    weight_g, volume_ml, count = _sum(parcels)
    service_s = _door_s(count) if kind == "delivery" else _counter_s(count)
    return ParcelStop(
        id=stop_id,
        place=place,
        kind=kind,
        weight_g=weight_g,
        volume_ml=volume_ml,
        parcels=count,
        service_s=service_s,
        windows=windows,
        pair_with=pair_with,
    )


def _shop_place(pickup: Pickup) -> Place:
    shop = pickup.shop
    label = f"{shop.name}, {shop.street} {shop.housenumber}".strip(", ")
    return Place(f"shop-{shop.id}", label, shop.lat, shop.lon)


def _latlon(order: Order) -> tuple[float, float]:
    a = order.address
    assert a.lat is not None and a.lon is not None
    return a.lat, a.lon


def _ready(pickup: Pickup) -> Windows:
    if pickup.ready_from_s is None or pickup.ready_until_s is None:
        return ()
    return ((pickup.ready_from_s, pickup.ready_until_s),)


def _pickups(
    session: Session, plan_date: date, skip: set[int], taken: set[str], day: Consolidated
) -> None:
    """One pickup stop per shop and overlapping ready windows (shop → depot)."""
    pickups = session.scalars(
        select(Pickup)
        .where(Pickup.pickup_date == plan_date, Pickup.status == PickupStatus.BOOKED)
        .options(
            selectinload(Pickup.shop), selectinload(Pickup.parcels), selectinload(Pickup.order)
        )
        .order_by(Pickup.id)
    ).all()
    by_shop: dict[int, list[tuple[Pickup, list[Parcel]]]] = defaultdict(list)
    for pickup in pickups:
        if pickup.order is not None and pickup.order.status is OrderStatus.CANCELLED:
            continue
        parcels = [p for p in pickup.parcels if p.status in AT_SHOP and p.id not in skip]
        if not parcels:
            continue
        if pickup.ready_from_s is None:
            day.left_out.append(
                LeftOut(
                    _unique(f"P{pickup.shop_id}-{pickup.id}", taken),
                    "pickup",
                    pickup.shop.name,
                    "no_pickup_window",
                    f"shop {pickup.shop.ref} has no pickup window on {plan_date.isoformat()}",
                    tuple(p.id for p in parcels),
                )
            )
            continue
        by_shop[pickup.shop_id].append((pickup, parcels))
    for shop_id, items in by_shop.items():
        groups: list[tuple[list[tuple[Pickup, list[Parcel]]], Windows]] = []
        for item in sorted(items, key=lambda it: (_ready(it[0]), it[0].id)):
            for i, (members, windows) in enumerate(groups):
                both = intersect(windows, _ready(item[0]))
                if both:
                    groups[i] = ([*members, item], both)
                    break
            else:
                groups.append(([item], _ready(item[0])))
        for members, windows in groups:
            parcels = [p for _, ps in members for p in ps]
            place = _shop_place(members[0][0])
            stop = parcel_stop(_unique(f"P{shop_id}", taken), place, "pickup", parcels, windows)
            orders = sorted({p.order_id for p in parcels if p.order_id is not None})
            lines = len({p.order_line_id for p in parcels if p.order_line_id is not None})
            day.add(
                stop,
                StopContents(
                    "pickup",
                    tuple(p.id for p in parcels),
                    tuple(orders),
                    tuple(pk.id for pk, _ in members),
                    lines or len(members),
                ),
            )
