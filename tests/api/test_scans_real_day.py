"""Scan-in, load-out and the impact of a real day planned through the API (deliveries on the
Copenhagen bike network, 2 s of search), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.plan_day import Client, set_up_day, wait_done
from tests.dbfixtures import depot_today

pytestmark = pytest.mark.slow


def test_a_planned_round_is_scanned_in_loaded_and_counted(
    plan_client: Client, shops: dict[str, int]
) -> None:
    """Every planned parcel of the day is scanned in, each answer naming the round and stop the plan
    gives it; the first round's load-out without its last parcel names that parcel missing and
    sends nothing out; with it, all go out. The day's impact rides the plan's metres and counts
    its delivery stops and parcels."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 2}
    plan = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    placed = {}
    for round_ in plan["rounds"]:
        calls = [s for s in round_["stops"] if s["kind"] != "reload"]
        for number, s in enumerate(calls, 1):
            for code in s["label_codes"]:
                placed[code] = {"round_id": round_["id"], "vehicle": round_["vehicle"],
                                "stop_number": number}  # fmt: skip
    codes = [c for r in plan["rounds"] for s in r["stops"] for c in s["label_codes"]]
    scanned = depot.post("/api/v1/scans", json={"codes": codes})
    assert scanned.status_code == 200, scanned.text
    assert all(s["round"] == placed.get(s["code"]) for s in scanned.json()["scans"])

    first = plan["rounds"][0]
    mine = [c for s in first["stops"] for c in s["label_codes"]]
    url = f"/api/v1/rounds/{first['id']}/load-out"
    short = depot.post(url, json={"codes": mine[:-1]}).json()
    assert [i["code"] for i in short["missing"]] == [mine[-1]] and short["sent_out"] == []
    full = depot.post(url, json={"codes": mine}).json()
    assert full["complete"] is True and sorted(full["sent_out"]) == sorted(mine)

    impact = depot.get("/api/v1/impact", params={"date": day.day.isoformat()}).json()["totals"]
    metres = sum(r["distance_m"] for r in plan["rounds"])
    deliveries = [s for r in plan["rounds"] for s in r["stops"] if s["kind"] == "delivery"]
    assert impact["bike_km"] == round(metres / 1000, 2)
    assert impact["delivery_stops"] == len(deliveries)
    assert impact["parcels"] == sum(len(s["parcel_ids"]) for s in deliveries)
    assert impact["on_time_text"] == "no deliveries recorded"
