"""Paper built from stored rows: a round's manifest follows the round as stored (order, ETAs,
customers through parcel → order → customer, the stored streets, lon-first), a day's slips
respect who asks (a merchant: their own shop only), and the map draws the stored plan."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from depot.errors import ConflictError, NotFoundError
from depot.locate import Locator
from depot.paper.stored import STRAIGHT_LINES, day_slips, round_manifest
from depot.rounds_map import PALETTE
from depot.stored_map import stored_day
from depot.users import Caller, create_user, system_caller
from models import Depot, Parcel, Plan, PlanKind, PlanRound, PlanStatus, Role, RoundStop
from tests.depot.paper.test_collect import PUBLIC, delivery_day, order, parcels_of

ADMIN = system_caller("test", Role.ADMIN)
DEPOT_LAT, DEPOT_LON = 55.6738, 12.5646
#: The streets of the round as stored: GeoJSON, so each point is [lon, lat].
PATH = [[12.5646, 55.6738], [12.5700, 55.6790], [12.5916, 55.6830], [12.5646, 55.6738]]


def _stop(seq: int, kind: str, parcels: list[Parcel], *, lat: float, lon: float) -> RoundStop:
    """A call at 10:00 + 10 min per seq, windowed 10:00–12:00 (reloads: none)."""
    return RoundStop(
        seq=seq, kind=kind, stop_ref=None if kind == "reload" else f"X{seq}",
        label=f"label of stop {seq}", lat=lat, lon=lon,
        windows=[] if kind == "reload" else [[36_000, 43_200]],
        arrival_s=36_000 + 600 * seq, start_s=36_000 + 600 * seq, end_s=36_120 + 600 * seq,
        load_after_g=0, load_after_ml=0, load_after_parcels=0, parcels=parcels,
    )  # fmt: skip


def _day(
    session: Session, locator: Locator, *, path: list[list[float]] | None
) -> tuple[Plan, PlanRound, list[Parcel], int]:
    """Karen Holm's order (4 parcels from S001, S002 ×2, S003); a done plan with one round
    of Ida's: pickup of the two S002 parcels at Vesterbro Vin, a reload, then the delivery of
    all four. Returns the plan, the round, the parcels and Ida's user id."""
    order(session, locator, "WS-1")
    parcels = parcels_of(session, "WS-1")
    ida, _token = create_user(session=session, name="Ida", role=Role.COURIER)
    session.add(Depot(name="Bakfiets City Depot", lat=DEPOT_LAT, lon=DEPOT_LON))
    vin = [p for p in parcels if p.shop.ref == "S002"]
    round_ = PlanRound(
        seq=3, vehicle_ref="S7-B03", courier_id=ida.id, start_s=35_000, end_s=40_000,
        distance_m=6_400, trips=2, peak_load_g=11_000, breaks=[[39_000, 1_800]],
        path_geojson={"type": "LineString", "coordinates": path} if path else None,
        stops=[
            _stop(1, "pickup", vin, lat=55.6711, lon=12.5521),
            _stop(2, "reload", [], lat=DEPOT_LAT, lon=DEPOT_LON),
            _stop(3, "delivery", parcels, lat=55.6830, lon=12.5916),
        ],
    )  # fmt: skip
    plan = Plan(
        plan_date=delivery_day(), kind=PlanKind.COMBINED, version=1, status=PlanStatus.DONE,
        time_limit_s=2, rounds=[round_],
    )  # fmt: skip
    session.add(plan)
    session.commit()
    return plan, round_, parcels, ida.id


def test_manifest_follows_the_stored_round(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """Calls in stored order, numbered without the reload, at the stored ETAs; the pickup names
    the shop, the delivery Karen Holm at her address with her phone; parcel codes and weights
    are the parcels'; the streets are the stored path read lon-first; totals as stored."""
    plan, round_, parcels, _ida = _day(session, locator, path=PATH)
    data = round_manifest(session=session, plan_id=plan.id, round_id=round_.id, caller=ADMIN)
    assert [(s.number, s.kind) for s in data.stops] == [
        (1, "pickup"),
        (None, "reload"),
        (2, "delivery"),
    ]
    assert [s.eta_s for s in data.stops] == [36_600, 37_200, 37_800]
    pickup, _reload, delivery = data.stops
    vin = [p for p in parcels if p.shop.ref == "S002"]
    assert pickup.customer == "Vesterbro Vin" and pickup.address == "Vesterbrogade 60B"
    assert pickup.parcel_codes == tuple(p.label_code for p in vin)
    assert pickup.weight_g == 9_000
    assert delivery.customer == "Karen Holm"
    assert delivery.address == "Amaliegade 13C, 1256 København K"
    assert delivery.notes == "tel. +45 20 30 40 50"
    assert delivery.parcel_codes == tuple(p.label_code for p in parcels)
    assert delivery.weight_g == 1_200 + 9_000 + 800
    assert delivery.window_text == "10:00–12:00"
    assert [leg.lat for leg in data.legs] == [(55.6738, 55.6790, 55.6830, 55.6738)]
    assert [leg.lon for leg in data.legs] == [(12.5646, 12.5700, 12.5916, 12.5646)]
    assert (data.round_ref, data.service_date) == ("S7-B03", plan.plan_date)
    assert data.colour == PALETTE[2]  # the third round's colour, as on the HTML map
    assert (data.distance_m, data.trips, data.peak_load_g) == (6_400, 2, 11_000)
    assert data.breaks == ((39_000, 1_800),)
    assert STRAIGHT_LINES not in data.depot_label


def test_a_round_without_streets_is_drawn_straight_and_says_so(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """No stored path: one line depot → each call → depot, and the manifest says the map is
    straight lines."""
    plan, round_, _parcels, _ida = _day(session, locator, path=None)
    data = round_manifest(session=session, plan_id=plan.id, round_id=round_.id, caller=ADMIN)
    assert [leg.lat for leg in data.legs] == [(DEPOT_LAT, 55.6711, DEPOT_LAT, 55.6830, DEPOT_LAT)]
    assert [leg.lon for leg in data.legs] == [(DEPOT_LON, 12.5521, DEPOT_LON, 12.5916, DEPOT_LON)]
    assert STRAIGHT_LINES in data.depot_label


def test_only_the_rounds_courier_and_only_under_its_plan(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """Ida (the round's courier) gets her manifest; Mads (another courier) is told it does not
    exist; the round asked under another plan id does not exist either."""
    plan, round_, _parcels, ida = _day(session, locator, path=PATH)
    mads, _token = create_user(session=session, name="Mads", role=Role.COURIER)
    as_ida = Caller(user_id=ida, role=Role.COURIER, shop_id=None, name="Ida")
    as_mads = Caller(user_id=mads.id, role=Role.COURIER, shop_id=None, name="Mads")
    data = round_manifest(session=session, plan_id=plan.id, round_id=round_.id, caller=as_ida)
    assert data.round_ref == "S7-B03"
    with pytest.raises(NotFoundError) as caught:
        round_manifest(session=session, plan_id=plan.id, round_id=round_.id, caller=as_mads)
    assert caught.value.field == "round_id"
    with pytest.raises(NotFoundError):
        round_manifest(session=session, plan_id=plan.id + 1, round_id=round_.id, caller=ADMIN)


def test_a_merchant_prints_only_their_own_shops_slips(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """A merchant of S002 gets S002's two parcels without naming a shop; naming S001 is "no
    shop" exactly as for a ref nobody has; a day without parcels is refused naming the date;
    slips placed in the round name it (delivery stop 2)."""
    _plan, _round, parcels, _ida = _day(session, locator, path=PATH)
    merchant = Caller(user_id=None, role=Role.MERCHANT, shop_id=shops["S002"], name="Vin")
    own = day_slips(session=session, day=delivery_day(), public_url=PUBLIC, caller=merchant)
    assert [s.label_code for s in own.slips] == [
        p.label_code for p in parcels if p.shop.ref == "S002"
    ]
    assert own.name == f"slips-{delivery_day().isoformat()}-S002"
    assert {(s.round_ref, s.stop_number) for s in own.slips} == {("S7-B03", 2)}
    assert own.planned == 2
    refused = []
    for ref in ("S001", "S404"):
        with pytest.raises(NotFoundError) as caught:
            day_slips(
                session=session,
                day=delivery_day(),
                public_url=PUBLIC,
                caller=merchant,
                shop_ref=ref,
            )
        refused.append((caught.value.field, caught.value.reason.replace(ref, "REF")))
    assert refused[0] == refused[1] == ("shop", "no shop has the ref 'REF'")
    everyone = day_slips(session=session, day=delivery_day(), public_url=PUBLIC, caller=ADMIN)
    assert len(everyone.slips) == 4
    with pytest.raises(NotFoundError) as caught:
        day_slips(session=session, day=date(2031, 1, 2), public_url=PUBLIC, caller=ADMIN)
    assert caught.value.field == "date"


def test_the_map_of_a_stored_plan_draws_the_stored_streets(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """The map's round rides the stored path read lon-first, visits in stored order (the
    reload without a stop id), the figures are the plan's stored summary; a plan not yet
    done has no map."""
    plan, _round, _parcels, _ida = _day(session, locator, path=PATH)
    plan.summary = {"bike_km": 6.4, "stops_planned": 2}
    queued = Plan(
        plan_date=delivery_day(), kind=PlanKind.PICKUPS, version=2, status=PlanStatus.QUEUED,
        time_limit_s=2,
    )  # fmt: skip
    session.add(queued)
    session.commit()
    day = stored_day(session=session, plan_id=plan.id)
    (round_,) = day.rounds
    assert round_.bike_id == "S7-B03"
    assert [(leg.lat, leg.lon) for leg in round_.legs] == [
        ((55.6738, 55.6790, 55.6830, 55.6738), (12.5646, 12.5700, 12.5916, 12.5646))
    ]
    assert [v.stop_id for v in round_.visits] == ["X1", None, "X3"]
    assert day.summary() == {"bike_km": 6.4, "stops_planned": 2}
    assert (day.depot.lat, day.depot.lon) == (DEPOT_LAT, DEPOT_LON)
    with pytest.raises(ConflictError) as caught:
        stored_day(session=session, plan_id=queued.id)
    assert caught.value.field == "plan_id" and "queued" in caught.value.reason
