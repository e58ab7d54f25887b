"""Consolidation: which parcels become one stop, for deliveries, pickups and combined plans.

Orders are taken in through the API (real shops and a real customer address); the stops are
then read from the database by :func:`depot.consolidation.consolidate`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from depot.consolidation import consolidate, intersect
from models import PlanKind
from tests.dbfixtures import CUSTOMER_ADDRESS, depot_today, order_body

Client = Callable[..., TestClient]
DAY = depot_today() + timedelta(days=3)


def _order(
    webshop: TestClient,
    ref: str,
    shop: str,
    window: tuple[str, str],
    *,
    name: str = "Karen Holm",
    email: str = "karen@example.dk",
    parcels: int = 1,
) -> int:
    body = order_body(
        ref,
        delivery_date=DAY.isoformat(),
        customer={"name": name, "email": email},
        address=dict(CUSTOMER_ADDRESS),
        windows=[{"start": window[0], "end": window[1]}],
        lines=[
            {"shop": shop, "parcels": [{"weight_g": 1000, "volume_ml": 3000, "count": parcels}]}
        ],
    )
    answer = webshop.post("/api/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return int(order["id"])


def _plan_date() -> date:
    return DAY


def test_one_customer_two_shops_overlapping_windows_is_one_delivery(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Karen's orders from S001 (10–12) and S002 (11–14) become one stop open 11–12 carrying
    both; her order for 16–18 stays a stop of its own; the ratio counts 3 parcels on 2 stops."""
    webshop = client("integration")
    a = _order(webshop, "A", "S001", ("10:00", "12:00"))
    b = _order(webshop, "B", "S002", ("11:00", "14:00"))
    c = _order(webshop, "C", "S003", ("16:00", "18:00"))
    day = consolidate(session=session, plan_date=_plan_date(), kind=PlanKind.DELIVERIES)
    stops = {day.contents[s.id].order_ids: s for s in day.stops}
    assert set(stops) == {(a, b), (c,)}
    both = stops[(a, b)]
    assert both.windows == ((11 * 3600, 12 * 3600),)
    assert both.parcels == 2 and both.weight_g == 2000 and both.kind == "delivery"
    assert day.ratio()["delivery_parcels_per_stop"] == 1.5
    assert day.ratio()["delivery_order_lines_per_stop"] == 1.5
    assert day.left_out == []


def test_another_person_at_the_same_door_is_another_stop(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Two people at the same address with overlapping windows are two stops (one customer's
    parcels are consolidated, not a building's)."""
    webshop = client("integration")
    _order(webshop, "A", "S001", ("10:00", "12:00"))
    _order(webshop, "B", "S002", ("10:00", "12:00"), name="Jens Holm", email="jens@example.dk")
    day = consolidate(session=session, plan_date=_plan_date(), kind=PlanKind.DELIVERIES)
    assert len(day.stops) == 2


def test_a_shops_pickups_are_one_pickup_stop(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Three orders with parcels from S001 (whose pickup window is 10–17) are one pickup stop
    at S001 with all four parcels; S002's single order is its own stop."""
    webshop = client("integration")
    _order(webshop, "A", "S001", ("10:00", "12:00"), parcels=2)
    _order(webshop, "B", "S001", ("16:00", "18:00"), name="Ole", email="ole@example.dk")
    _order(webshop, "C", "S001", ("09:00", "17:00"), name="Mia", email="mia@example.dk")
    _order(webshop, "D", "S002", ("09:00", "17:00"), name="Bo", email="bo@example.dk")
    day = consolidate(session=session, plan_date=_plan_date(), kind=PlanKind.PICKUPS)
    by_shop = {s.place.id: s for s in day.stops}
    assert set(by_shop) == {f"shop-{shops['S001']}", f"shop-{shops['S002']}"}
    s001 = by_shop[f"shop-{shops['S001']}"]
    assert s001.kind == "pickup" and s001.parcels == 4 and s001.pair_with is None
    assert s001.windows == ((10 * 3600, 17 * 3600),)
    assert len(day.contents[s001.id].pickup_ids) == 3
    assert day.ratio()["pickup_parcels_per_stop"] == 2.5


def test_combined_pairs_single_shop_stops_and_sends_the_rest_via_the_depot(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Combined: Ole's parcel waits only at S003, so it is a pair (S003 → Ole, same parcels);
    Karen's stop needs parcels from S001 and S002, so it is left out ("via_depot", naming both
    shops) while S001's and S002's pickups bring them to the depot."""
    webshop = client("integration")
    _order(webshop, "A", "S001", ("10:00", "12:00"))
    _order(webshop, "B", "S002", ("11:00", "14:00"))
    ole = _order(webshop, "C", "S003", ("09:00", "17:00"), name="Ole", email="ole@example.dk")
    day = consolidate(session=session, plan_date=_plan_date(), kind=PlanKind.COMBINED)
    pairs = [s for s in day.stops if s.pair_with]
    assert len(pairs) == 2
    pickup = next(s for s in pairs if s.kind == "pickup")
    delivery = next(s for s in pairs if s.kind == "delivery")
    assert pickup.pair_with == delivery.id and delivery.pair_with == pickup.id
    assert day.contents[delivery.id].order_ids == (ole,)
    assert day.contents[pickup.id].parcel_ids == day.contents[delivery.id].parcel_ids
    assert pickup.place.id == f"shop-{shops['S003']}"
    (left,) = day.left_out
    assert left.code == "via_depot" and "S001, S002" in left.reason
    plain_pickups = {s.place.id for s in day.stops if s.kind == "pickup" and not s.pair_with}
    assert plain_pickups == {f"shop-{shops['S001']}", f"shop-{shops['S002']}"}


def test_an_order_needing_attention_is_reported_not_planned(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """An order whose address was not found is left out with the attention reason."""
    webshop = client("integration")
    body = order_body(
        "LOST",
        delivery_date=DAY.isoformat(),
        address={"street": "Nowhere Street", "housenumber": "999", "postcode": "9999", "city": "X"},
    )
    answer = webshop.post("/api/v1/orders", json=body)
    assert answer.json()["status"] == "needs_attention"
    day = consolidate(session=session, plan_date=_plan_date(), kind=PlanKind.DELIVERIES)
    (left,) = day.left_out
    assert left.code == "needs_attention" and left.reason == answer.json()["attention_reason"]
    assert day.stops == []


def test_window_overlap() -> None:
    """Overlaps of window sets, by hand: any-time keeps the other; disjoint gives nothing."""
    assert intersect((), ((10, 20),)) == ((10, 20),)
    assert intersect(((10, 20), (30, 40)), ((15, 35),)) == ((15, 20), (30, 35))
    assert intersect(((10, 20),), ((21, 30),)) == ()
    assert intersect(((10, 20),), ((20, 30),)) == ((20, 20),)  # inclusive ends touch
