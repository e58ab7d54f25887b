"""Paper from what the database holds: a stored round's manifest and a day's slips.

A round's manifest follows the stored round exactly: its calls in ``seq`` order with their
ETAs, numbered as :func:`depot.paper.collect.plan_placements` numbers them for the slips
(reloads are not numbered), the customers found through parcel → order → customer, and the
streets ridden from the round's stored path (a GeoJSON LineString, **lon-first**). A round
stored without a path is drawn as straight lines from call to call, and the manifest says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.errors import NotFoundError
from depot.paper.collect import address_lines, collect_slips, plan_placements
from depot.paper.from_plan import reload_call, windows_text
from depot.paper.manifest import MAP_ASPECT, ManifestData, ManifestStop
from depot.paper.round_map import Polyline, streets_near
from depot.paper.service import PaperDocument, SlipFormat, manifest_document, slips_document
from depot.paper.slips import SlipData
from depot.plan_input import depot_place, get_depot
from depot.rounds import get_round
from depot.rounds_map import PALETTE
from depot.users import Caller
from maps.graph import BikeGraph
from models import Order, Parcel, PlanRound, RoundStop, Shop

#: Said on a manifest whose round has no stored streets.
STRAIGHT_LINES = "map: straight lines between calls (the round's streets were not stored)"


def _legs(round_: PlanRound, points: Sequence[tuple[float, float]]) -> tuple[Polyline, ...]:
    """The stored path (GeoJSON, lon-first) as one line; else straight lines through
    ``points`` (``(lat, lon)``, depot first and last)."""
    path = round_.path_geojson or {}
    coords = path.get("coordinates") or []
    if path.get("type") == "LineString" and len(coords) >= 2:
        return (Polyline(tuple(float(c[1]) for c in coords), tuple(float(c[0]) for c in coords)),)
    return (Polyline(tuple(p[0] for p in points), tuple(p[1] for p in points)),)


def _parcels(session: Session, round_: PlanRound) -> dict[int, Parcel]:
    """Every parcel of the round with its order, customer, address and shop."""
    ids = [p.id for stop in round_.stops for p in stop.parcels]
    if not ids:
        return {}
    rows = session.scalars(
        select(Parcel)
        .where(Parcel.id.in_(ids))
        .options(
            selectinload(Parcel.shop),
            selectinload(Parcel.order).selectinload(Order.customer),
            selectinload(Parcel.order).selectinload(Order.address),
        )
    )
    return {p.id: p for p in rows}


def _orders(parcels: Sequence[Parcel]) -> list[Order]:
    seen: dict[int, Order] = {}
    for parcel in parcels:
        if parcel.order is not None:
            seen.setdefault(parcel.order.id, parcel.order)
    return [seen[k] for k in sorted(seen)]


def _shops(parcels: Sequence[Parcel]) -> list[Shop]:
    seen: dict[int, Shop] = {}
    for parcel in parcels:
        seen.setdefault(parcel.shop.id, parcel.shop)
    return [seen[k] for k in sorted(seen)]


def _call(stop: RoundStop, number: int, parcels: Sequence[Parcel]) -> ManifestStop:
    """A numbered call: who receives (delivery) or hands over (pickup: the shop), where."""
    address, customer, notes = stop.label, "", ""
    if stop.kind == "pickup":
        shops = _shops(parcels)
        customer = ", ".join(s.name for s in shops)
        if len(shops) == 1:
            address = f"{shops[0].street} {shops[0].housenumber}".strip() or stop.label
    else:
        orders = _orders(parcels)
        customer = ", ".join(dict.fromkeys(o.customer.name for o in orders))
        if orders:
            address = ", ".join(address_lines(orders[0].address))
        phones = dict.fromkeys(o.customer.phone for o in orders if o.customer.phone)
        notes = "; ".join(f"tel. {phone}" for phone in phones)
    return ManifestStop(
        number=number,
        kind="pickup" if stop.kind == "pickup" else "delivery",
        stop_id=stop.stop_ref,
        eta_s=stop.arrival_s,
        address=address,
        customer=customer or stop.label,
        parcel_codes=tuple(p.label_code for p in parcels),
        weight_g=sum(p.weight_g for p in parcels),
        window_text=windows_text([(int(a), int(b)) for a, b in stop.windows]),
        notes=notes,
        lat=stop.lat,
        lon=stop.lon,
    )


def round_manifest(
    *,
    session: Session,
    plan_id: int,
    round_id: int,
    caller: Caller,
    graph: Callable[[], BikeGraph] | None = None,
) -> ManifestData:
    """The manifest of stored round ``round_id`` of plan ``plan_id``.

    Parameters
    ----------
    session : Session
    plan_id, round_id : int
    caller : Caller
        A courier sees only their own rounds; any other is "not found".
    graph : callable returning BikeGraph, optional
        The street network drawn behind the round; without it the map shows the round alone.

    Returns
    -------
    ManifestData
        Calls in the stored order with the stored ETAs.

    Raises
    ------
    NotFoundError
        ``round_id``: no such round in that plan, or not the courier's.
    InvalidInputError
        ``depot``: no depot is set up.
    """
    round_ = get_round(session=session, round_id=round_id, caller=caller)
    if round_.plan_id != plan_id:
        raise NotFoundError("round_id", f"plan {plan_id} has no round {round_id}")
    depot = get_depot(session)
    place = depot_place(depot)
    parcels = _parcels(session, round_)
    stops: list[ManifestStop] = []
    number = 0
    for stop in round_.stops:
        carried = [parcels[p.id] for p in stop.parcels]
        if stop.kind == "reload":
            stops.append(reload_call(eta_s=stop.arrival_s, depot=place))
            continue
        number += 1
        stops.append(_call(stop, number, carried))
    points = [(depot.lat, depot.lon), *((s.lat, s.lon) for s in stops), (depot.lat, depot.lon)]
    legs = _legs(round_, points)
    streets: tuple[Polyline, ...] = ()
    if graph is not None:
        lat = [p for leg in legs for p in leg.lat] + [p[0] for p in points]
        lon = [p for leg in legs for p in leg.lon] + [p[1] for p in points]
        streets = streets_near(graph(), lat, lon, aspect=MAP_ASPECT)
    depot_label = depot.name
    if not round_.path_geojson:
        depot_label = f"{depot.name} · {STRAIGHT_LINES}"
    return ManifestData(
        round_ref=round_.vehicle_ref,
        bike=round_.bike.ref if round_.bike is not None else round_.vehicle_ref,
        service_date=round_.plan.plan_date,
        depot_label=depot_label,
        depot_lat=depot.lat,
        depot_lon=depot.lon,
        stops=tuple(stops),
        breaks=tuple((int(a), int(b)) for a, b in round_.breaks),
        legs=legs,
        streets=streets,
        distance_m=round_.distance_m,
        start_s=round_.start_s,
        end_s=round_.end_s,
        peak_load_g=round_.peak_load_g,
        trips=round_.trips,
        colour=PALETTE[(round_.seq - 1) % len(PALETTE)],
    )


def round_manifest_document(
    *,
    session: Session,
    plan_id: int,
    round_id: int,
    caller: Caller,
    graph: Callable[[], BikeGraph] | None = None,
) -> PaperDocument:
    """:func:`round_manifest` rendered: an A4 PDF named after the round (``S3-B01.pdf``)."""
    data = round_manifest(
        session=session, plan_id=plan_id, round_id=round_id, caller=caller, graph=graph
    )
    return manifest_document(data)


@dataclass(frozen=True)
class DaySlips:
    """A day's slips to print and the file name stem to offer them under."""

    slips: list[SlipData]
    name: str

    @property
    def planned(self) -> int:
        """Slips naming a round and stop."""
        return sum(1 for s in self.slips if s.round_ref is not None)


def day_slips(
    *,
    session: Session,
    day: date,
    public_url: str,
    caller: Caller,
    shop_ref: str | None = None,
) -> DaySlips:
    """The slips of every parcel of ``day`` (or of one shop's), placed in the current plans.

    A merchant gets their own shop's slips: without ``shop_ref`` theirs are meant, and any
    other shop is "not found", as if it did not exist.

    Parameters
    ----------
    session : Session
    day : date
    public_url : str
        Base of the tracking links in the QR codes.
    caller : Caller
    shop_ref : str, optional

    Returns
    -------
    DaySlips
        Named ``slips-2026-11-24`` or ``slips-2026-11-24-S001``.

    Raises
    ------
    NotFoundError
        ``shop``: no such shop (or not the merchant's); ``date``: no parcels to print.
    """
    if caller.shop_id is not None:
        own = session.scalar(select(Shop.ref).where(Shop.id == caller.shop_id))
        if shop_ref is not None and shop_ref != own:
            raise NotFoundError("shop", f"no shop has the ref {shop_ref!r}")
        shop_ref = own
    found = collect_slips(
        session=session,
        day=day,
        public_url=public_url,
        shop_ref=shop_ref,
        placements=plan_placements(session=session, day=day),
    )
    if not found:
        whose = f" of shop {shop_ref}" if shop_ref else ""
        raise NotFoundError("date", f"no parcels{whose} to deliver on {day.isoformat()}")
    return DaySlips(found, f"slips-{day.isoformat()}" + (f"-{shop_ref}" if shop_ref else ""))


def day_slips_document(
    *,
    session: Session,
    day: date,
    public_url: str,
    fmt: SlipFormat,
    caller: Caller,
    shop_ref: str | None = None,
) -> PaperDocument:
    """:func:`day_slips` rendered as A6 or 4×6 in PDF labels, or ZPL (``fmt``).

    Raises
    ------
    NotFoundError
        As :func:`day_slips`.
    """
    found = day_slips(
        session=session, day=day, public_url=public_url, caller=caller, shop_ref=shop_ref
    )
    return slips_document(found.slips, fmt=fmt, name=found.name)
