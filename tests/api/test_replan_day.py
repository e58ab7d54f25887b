"""A re-plan during the day, through the API on SQLite and PostgreSQL: started rounds kept as
planned, the parcels a round collects for the depot delivered from there once scanned in.

One bike (08:00–18:00, three trips). Karen's order has a parcel collected by bike at S001 and
one S002 drops off at the depot (via the depot: left out of the combined plan); Ole's parcel
waits at S003 alone (a shop → customer pair); Mia's comes from S002's drop-off (depot →
customer).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from depot.contracts import format_clock
from tests.api.plan_day import DEPOT, Client, address, wait_done
from tests.dbfixtures import CUSTOMER_ADDRESS, depot_today, order_body

pytestmark = pytest.mark.slow


def _clock(stamp: str) -> int:
    moment = datetime.fromisoformat(stamp)
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _order(webshop: TestClient, ref: str, lines: list[dict[str, Any]], **changes: Any) -> Any:
    body = order_body(
        ref,
        delivery_date=(depot_today() + timedelta(days=2)).isoformat(),
        windows=[{"start": "09:00", "end": "17:00"}],
        lines=lines,
        **changes,
    )
    answer = webshop.post("/api/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _plan(depot: TestClient, now: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": (depot_today() + timedelta(days=2)).isoformat(),
        "kind": "combined",
        "time_limit_s": 2,
    }
    if now is not None:
        body["now"] = now
    plan = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    return plan


def _refs(round_: dict[str, Any]) -> list[str | None]:
    return [s["stop_ref"] for s in round_["stops"]]


def _delivered(plan: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        o: s
        for r in plan["rounds"]
        for s in r["stops"]
        if s["kind"] == "delivery"
        for o in s["order_ids"]
    }


def test_a_replan_keeps_started_rounds_and_delivers_what_came_back_from_the_depot(
    plan_client: Client, shops: dict[str, int]
) -> None:
    """The combined plan leaves Karen to the depot; her S001 parcel is collected by the bike's
    round. Re-planned while that round is out: the round is kept exactly as its courier has
    it, the bike gets nothing new, and Karen waits (her parcel is still on its way). Once the
    round is back and her parcel scanned in at the depot, the next re-plan keeps the round as
    ridden and sends the bike out again from the depot with Karen's stop, both her parcels on
    it, after that time — and no parcel is planned twice."""
    depot = plan_client("depot")
    day = (depot_today() + timedelta(days=2)).isoformat()
    assert depot.put("/api/v1/depot", json={**DEPOT, "reload_s": 600}).status_code == 200
    courier = plan_client("courier", name="Ida")
    bike = {"ref": "B01", "capacity_kg": 120, "capacity_l": 450, "max_trips": 3}
    assert depot.post("/api/v1/bikes", json=bike).status_code == 201
    shift = {
        "courier_id": courier.user_id,  # type: ignore[attr-defined]
        "bike": "B01",
        "date": day,
        "start": "08:00",
        "end": "18:00",
    }
    assert depot.post("/api/v1/shifts", json=shift).status_code == 201
    webshop = plan_client("integration")
    parcel = [{"weight_g": 1500, "volume_ml": 5000}]
    karen = _order(
        webshop,
        "KAREN",
        [
            {"shop": "S001", "parcels": parcel},
            {"shop": "S002", "handover": "dropoff", "parcels": parcel},
        ],
        address=dict(CUSTOMER_ADDRESS),
    )
    ole = _order(
        webshop,
        "OLE",
        [{"shop": "S003", "parcels": parcel}],
        customer={"name": "Ole", "email": "ole@example.dk"},
        address=address(0),
    )
    mia = _order(
        webshop,
        "MIA",
        [{"shop": "S002", "handover": "dropoff", "parcels": parcel}],
        customer={"name": "Mia", "email": "mia@example.dk"},
        address=address(1),
    )
    code = {p["id"]: p["label_code"] for o in (karen, ole, mia) for p in o["parcels"]}
    collected = next(p["id"] for p in karen["parcels"] if p["shop"] == "S001")
    dropped = [p["id"] for o in (karen, mia) for p in o["parcels"] if p["shop"] == "S002"]

    first = _plan(depot)
    assert [u["code"] for u in first["unassigned"]] == ["via_depot"]
    assert first["unassigned"][0]["order_ids"] == [karen["id"]]
    (round_,) = first["rounds"]
    assert {ole["id"], mia["id"]} <= set(_delivered(first))
    scanned = depot.post("/api/v1/scans", json={"codes": [code[p] for p in dropped]})
    assert scanned.status_code == 200, scanned.text
    assert depot.post(f"/api/v1/rounds/{round_['id']}/start").status_code == 200

    # While the round is out: kept whole, nothing new for the bike, Karen waits.
    out_at = format_clock(_clock(round_["start"]) + 60)
    second = _plan(depot, now=out_at)
    assert [(r["vehicle"], r["start"], r["end"], _refs(r)) for r in second["rounds"]] == [
        (round_["vehicle"], round_["start"], round_["end"], _refs(round_))
    ]
    assert second["rounds"][0]["started"] is True
    (waiting,) = second["unassigned"]
    assert waiting["code"] == "via_depot" and waiting["order_ids"] == [karen["id"]]
    assert "being collected to the depot by started rounds" in waiting["reason"]
    assert any("is out on round" in note for note in second["summary"]["notes"])

    # Back at the depot, Karen's S001 parcel scanned in: the bike goes out again with her stop.
    assert depot.post("/api/v1/scans", json={"codes": [code[collected]]}).status_code == 200
    back_s = _clock(round_["end"]) + 60
    third = _plan(depot, now=format_clock(back_s))
    assert third["unassigned"] == []
    ridden, again = third["rounds"]
    assert (ridden["start"], ridden["end"], _refs(ridden)) == (
        round_["start"],
        round_["end"],
        _refs(round_),
    )
    assert ridden["started"] is True and again["started"] is False
    assert again["vehicle"] == round_["vehicle"] and _clock(again["start"]) >= back_s
    stop = _delivered(third)[karen["id"]]
    assert sorted(stop["parcel_ids"]) == sorted(p["id"] for p in karen["parcels"])
    assert _clock(stop["service_start"]) >= back_s
    on_stops = [
        p for r in third["rounds"] for s in r["stops"] if s["kind"] == "delivery"
        for p in s["parcel_ids"]
    ]  # fmt: skip
    assert sorted(on_stops) == sorted(code)
    assert third["summary"]["bike_km"] == pytest.approx(
        (ridden["distance_m"] + again["distance_m"]) / 1000, abs=0.01
    )
