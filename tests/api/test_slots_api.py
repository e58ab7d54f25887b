"""Delivery slots at checkout on small real Copenhagen days, checked against re-plans.

Days are set up and planned through the API (2-second searches on the real bike network, jobs
in-process). The checkout offers 09–11, 11–13, 13–15 and 16:30–18:00; the couriers ride
08:00–16:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.locate import Locator
from depot.slot_day import Goods
from depot.slots import Where, available_slots
from depot.users import create_user
from models import Role, SlotHold, utcnow
from tests.api.plan_day import DEPOT, Client, address, set_up_day, wait_done
from tests.dbfixtures import DEPOT_TZ, depot_today, order_body

pytestmark = pytest.mark.slow

WINDOWS = "09:00-11:00, 11:00-13:00, 13:00-15:00, 16:30-18:00"
#: Real addresses that are no customer's yet (shops' front doors will do), as order bodies and
#: as one line for the checkout.
STORE_KONGENSGADE = {
    "street": "Store Kongensgade",
    "housenumber": "40",
    "postcode": "1264",
    "city": "København K",
}
VESTERBROGADE = {
    "street": "Vesterbrogade",
    "housenumber": "60B",
    "postcode": "1620",
    "city": "København V",
}
NEW_ADDRESS = "Store Kongensgade 40, 1264 København K"
OTHER_ADDRESS = "Vesterbrogade 60B, 1620 København V"


@pytest.fixture
def slot_app(plan_app: FastAPI) -> FastAPI:
    """The planning app with the checkout's windows set."""
    plan_app.state.settings = plan_app.state.settings.model_copy(update={"slot_windows": WINDOWS})
    return plan_app


def _slots(client: TestClient, day: date, where: str) -> dict[str, Any]:
    answer = client.get("/api/v1/slots", params={"date": day.isoformat(), "address": where})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _by_window(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{s['start']}-{s['end']}": s for s in answer["slots"]}


def _hold_body(day: date, where: str, window: tuple[str, str]) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "address": where,
        "window": {"start": window[0], "end": window[1]},
    }


def _plan(depot: TestClient, day: date) -> dict[str, Any]:
    body = {"date": day.isoformat(), "kind": "deliveries", "time_limit_s": 2}
    asked = depot.post("/api/v1/plans", json=body)
    assert asked.status_code == 202, asked.text
    plan = wait_done(depot, asked.json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    return plan


def _order(
    shopper: TestClient,
    day: date,
    ref: str,
    street: dict[str, str],
    window: tuple[str, str],
    hold_id: str | None = None,
) -> int:
    body = order_body(
        ref,
        delivery_date=day.isoformat(),
        customer={"name": f"Kunde {ref}", "email": f"{ref.lower()}@example.dk"},
        address=street,
        windows=[{"start": window[0], "end": window[1]}],
        lines=[{"shop": "S001", "parcels": [{"weight_g": 2000, "volume_ml": 5000}]}],
    )
    if hold_id is not None:
        body["slot_hold_id"] = hold_id
    answer = shopper.post("/api/v1/orders", json=body)
    assert answer.status_code == 201 and answer.json()["status"] == "confirmed", answer.text
    return int(answer.json()["id"])


def _one_bike_day(
    depot: TestClient, client: Client, day: date, *, parcels: int, booked: int
) -> TestClient:
    """One bike carrying ``parcels`` parcels on one trip, 08:00–16:00, and ``booked`` orders of
    one parcel each (09:00–17:00) to real addresses; returns the webshop's client."""
    assert depot.put("/api/v1/depot", json={**DEPOT, "reload_s": 600}).status_code == 200
    courier = client("courier", name="Ida")
    bike = {
        "ref": "B01",
        "capacity_kg": 120,
        "capacity_l": 450,
        "capacity_parcels": parcels,
        "max_trips": 1,
    }
    assert depot.post("/api/v1/bikes", json=bike).status_code == 201
    shift = {
        "courier_id": courier.user_id,
        "bike": "B01",
        "date": day.isoformat(),
        "start": "08:00",
        "end": "16:00",
    }
    assert depot.post("/api/v1/shifts", json=shift).status_code == 201
    shopper = client("integration")
    for i in range(booked):
        _order(shopper, day, f"FULL-{i}", address(i), ("09:00", "17:00"))
    return shopper


def _stop_of(plan: dict[str, Any], order_id: int) -> dict[str, Any] | None:
    for round_ in plan["rounds"]:
        for stop in round_["stops"]:
            if order_id in stop["order_ids"]:
                return stop
    return None


def test_offered_window_is_kept_by_a_replan(
    slot_app: FastAPI, plan_client: Client, shops: dict[str, int]
) -> None:
    """A light day (12 orders, 2 bikes) planned: a new address is offered 09–11, 11–13 and
    13–15, not 16:30–18:00 (nobody rides then). An order booked in 11–13 is counted as a later
    booking, and the re-plan puts its stop inside 11:00–13:00."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2)).day
    plan = _plan(depot, day)
    shopper = plan_client("integration")
    answer = _slots(shopper, day, NEW_ADDRESS)
    slots = _by_window(answer)
    assert [slots[w]["available"] for w in ("09:00-11:00", "11:00-13:00", "13:00-15:00")] == [
        True,
        True,
        True,
    ], slots
    late = slots["16:30-18:00"]
    assert late["available"] is False and late["code"] == "no_shift"
    assert late["reason"] == "no bike is on shift between 16:30 and 18:00"
    assert answer["basis"]["plan_id"] == plan["id"] and answer["basis"]["later_bookings"] == 0
    assert answer["location"]["matched_address"]
    # On the day itself at 14:00, the windows that have ended are not offered.
    where = Where(answer["location"]["lat"], answer["location"]["lon"])
    with slot_app.state.sessionmaker() as session:
        at_two = available_slots(
            session=session,
            desk=slot_app.state.slot_desk,
            plan_date=day,
            where=where,
            goods=Goods(1000, 5000, 1),
            now=datetime.combine(day, time(14, 0), tzinfo=DEPOT_TZ),
        )
    past = [w for w in at_two.windows if w.code == "past"]
    assert [(w.start_s, w.end_s) for w in past] == [(9 * 3600, 11 * 3600), (11 * 3600, 13 * 3600)]
    assert past[1].reason == "the window ended at 13:00; it is 14:00 now"

    new_id = _order(shopper, day, "SLOT-1", STORE_KONGENSGADE, ("11:00", "13:00"))
    again = _slots(shopper, day, NEW_ADDRESS)
    assert again["basis"]["later_bookings"] == 1 and "1 later booking" in again["basis"]["note"]

    replan = _plan(depot, day)
    stop = _stop_of(replan, new_id)
    assert stop is not None, replan["unassigned"]
    start = datetime.fromisoformat(stop["service_start"])
    assert 11 * 60 <= start.hour * 60 + start.minute <= 13 * 60, stop


def test_full_bike_is_refused_and_a_replan_agrees(
    slot_app: FastAPI, plan_client: Client, shops: dict[str, int]
) -> None:
    """One bike carrying 4 parcels on one trip, 4 booked: before any plan and after it, every
    window is refused for the load; an order booked anyway leaves one stop unplanned when the
    day is planned again."""
    depot = plan_client("depot")
    day = depot_today() + timedelta(days=2)
    shopper = _one_bike_day(depot, plan_client, day, parcels=4, booked=4)
    before = _slots(shopper, day, NEW_ADDRESS)
    assert before["basis"]["plan_id"] is None and "no plan" in before["basis"]["note"]
    assert before["basis"]["later_bookings"] == 4
    plan = _plan(depot, day)
    assert plan["unassigned"] == []
    after = _slots(shopper, day, NEW_ADDRESS)
    for answer in (before, after):
        offered = {s["start"]: s for s in answer["slots"] if s["start"] != "16:30"}
        assert all(s["available"] is False for s in offered.values()), offered
        assert {s["code"] for s in offered.values()} == {"capacity"}
        assert all(
            "5 parcels" in s["reason"] and "4 parcels" in s["reason"] for s in offered.values()
        )
    extra = _order(shopper, day, "ANYWAY", address(5), ("11:00", "13:00"))
    replan = _plan(depot, day)
    planned = sum(1 for r in replan["rounds"] for s in r["stops"] if s["kind"] == "delivery")
    assert planned == 4 and len(replan["unassigned"]) == 1
    assert extra in [o for u in replan["unassigned"] for o in u["order_ids"]] or _stop_of(
        replan, extra
    )


def test_hold_takes_the_last_room_until_it_expires(
    slot_app: FastAPI, plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """One bike with room for one more parcel. Shopper A holds 11–13: shopper B is refused
    every window (and a hold: 409) until A's hold expires; then B holds and books with it, and
    the booking keeps the room taken. A hold let go frees the room at once."""
    depot = plan_client("depot")
    day = depot_today() + timedelta(days=2)
    _one_bike_day(depot, plan_client, day, parcels=5, booked=4)
    _plan(depot, day)
    a, b = plan_client("integration"), plan_client("integration")
    assert _by_window(_slots(a, day, NEW_ADDRESS))["11:00-13:00"]["available"]
    body = _hold_body(day, NEW_ADDRESS, ("11:00", "13:00"))
    held = a.post("/api/v1/slots/holds", json=body)
    assert held.status_code == 201, held.text
    hold = held.json()
    expires = datetime.fromisoformat(hold["expires_at"])
    assert timedelta(minutes=9) < expires - utcnow() <= timedelta(minutes=10)

    refused = _slots(b, day, OTHER_ADDRESS)
    assert refused["basis"]["holds"] == 1
    assert all(not s["available"] for s in refused["slots"]), refused["slots"]
    other = {**body, "address": OTHER_ADDRESS}
    conflict = b.post("/api/v1/slots/holds", json=other)
    assert (
        conflict.status_code == 409 and conflict.json()["error"]["fields"][0]["field"] == "window"
    )

    session.execute(
        update(SlotHold)
        .where(SlotHold.id == hold["id"])
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    freed = _slots(b, day, OTHER_ADDRESS)
    assert freed["basis"]["holds"] == 0
    assert _by_window(freed)["11:00-13:00"]["available"]

    mine = b.post("/api/v1/slots/holds", json=other)
    assert mine.status_code == 201, mine.text
    # B's order arrives with the hold: it uses it, and its stop keeps the room taken.
    order_id = _order(b, day, "HELD-1", VESTERBROGADE, ("11:00", "13:00"), mine.json()["id"])
    session.expire_all()
    stored = session.get(SlotHold, mine.json()["id"])
    assert stored is not None and stored.order_id == order_id and stored.consumed_at is not None
    booked = _slots(a, day, NEW_ADDRESS)
    assert booked["basis"]["holds"] == 0 and booked["basis"]["later_bookings"] == 1
    assert all(not s["available"] for s in booked["slots"])
    assert a.post("/api/v1/slots/holds", json=body).status_code == 409
    assert a.delete(f"/api/v1/slots/holds/{stored.id}").status_code == 409

    # A hold let go frees its room at once: the next day, 4 booked and room for one more.
    later_day = day + timedelta(days=1)
    shift = {
        "courier_id": plan_client("courier", name="Mads").user_id,
        "bike": "B01",
        "date": later_day.isoformat(),
        "start": "08:00",
        "end": "16:00",
    }
    assert depot.post("/api/v1/shifts", json=shift).status_code == 201
    for i in range(4):
        _order(a, later_day, f"LATER-{i}", address(i), ("09:00", "17:00"))
    let_go = a.post("/api/v1/slots/holds", json={**body, "date": later_day.isoformat()})
    assert let_go.status_code == 201, let_go.text
    assert not any(s["available"] for s in _slots(b, later_day, OTHER_ADDRESS)["slots"])
    assert a.delete(f"/api/v1/slots/holds/{let_go.json()['id']}").status_code == 204
    assert _by_window(_slots(b, later_day, OTHER_ADDRESS))["11:00-13:00"]["available"]
    assert session.scalar(select(SlotHold).where(SlotHold.id == let_go.json()["id"])) is None


def test_bad_requests_name_the_field(
    slot_app: FastAPI, plan_client: Client, shops: dict[str, int]
) -> None:
    """Missing or half a location, a date in the past, an unknown address, a window the
    checkout does not offer, an unknown hold: each refused naming the field; a merchant may
    not ask at all."""
    depot = plan_client("depot")
    day = depot_today() + timedelta(days=2)
    _one_bike_day(depot, plan_client, day, parcels=5, booked=0)
    shopper = plan_client("integration")

    def field(answer: Any) -> str:
        return str(answer.json()["error"]["fields"][0]["field"])

    url = "/api/v1/slots"
    assert field(shopper.get(url, params={"date": day.isoformat()})) == "address"
    half = shopper.get(url, params={"date": day.isoformat(), "lat": 55.68})
    assert half.status_code == 422 and field(half) == "lat"
    past = shopper.get(url, params={"date": "2020-01-01", "address": NEW_ADDRESS})
    assert past.status_code == 422 and field(past) == "date"
    nowhere = shopper.get(
        url, params={"date": day.isoformat(), "address": "Ingenvej 999, 9999 Intetsted"}
    )
    assert nowhere.status_code == 422 and field(nowhere) == "address"
    odd = shopper.post("/api/v1/slots/holds", json=_hold_body(day, NEW_ADDRESS, ("10:00", "12:00")))
    assert odd.status_code == 422 and field(odd) == "window"
    assert shopper.delete("/api/v1/slots/holds/nosuchhold").status_code == 404
    merchant = plan_client("merchant", shop="S001")
    assert (
        merchant.get(url, params={"date": day.isoformat(), "address": NEW_ADDRESS}).status_code
        == 403
    )


def test_a_hold_made_in_one_api_process_is_counted_by_another(
    slot_app: FastAPI,
    plan_client: Client,
    shops: dict[str, int],
    session: Session,
    locator: Locator,
    session_factory: sessionmaker[Session],
) -> None:
    """Two API processes (each its own slot days in memory) on one database: a hold taken
    through the first takes the last room for a shopper of the second, and a hold let go
    through the second frees it for the first."""
    depot = plan_client("depot")
    day = depot_today() + timedelta(days=2)
    _one_bike_day(depot, plan_client, day, parcels=5, booked=4)
    _plan(depot, day)
    other_app = create_app(
        slot_app.state.settings, locator=locator, session_factory=session_factory
    )
    _user, token = create_user(session=session, name="second shop", role=Role.INTEGRATION)
    first = plan_client("integration")
    with TestClient(other_app, headers={"Authorization": f"Bearer {token}"}) as second:
        assert _by_window(_slots(second, day, OTHER_ADDRESS))["09:00-11:00"]["available"]
        body = _hold_body(day, NEW_ADDRESS, ("09:00", "11:00"))
        held = first.post("/api/v1/slots/holds", json=body)
        assert held.status_code == 201, held.text
        assert not any(s["available"] for s in _slots(second, day, OTHER_ADDRESS)["slots"])
        assert second.delete(f"/api/v1/slots/holds/{held.json()['id']}").status_code == 204
        assert _by_window(_slots(first, day, OTHER_ADDRESS))["09:00-11:00"]["available"]
    other_app.state.plan_runner.shutdown()
