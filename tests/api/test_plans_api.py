"""Planning runs through the API on a small real Copenhagen day, jobs in-process.

Every plan here searches for 2 seconds on the real bike network; the day is set up through the
API (depot, bikes, couriers' shifts, shops, webshop orders to real addresses).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depot import plan_store
from models import Order, Parcel, PlanPart, PlanRound
from tests.api.plan_day import Client, set_up_day, wait_done
from tests.dbfixtures import depot_today

pytestmark = pytest.mark.slow


def _clock(iso: str) -> int:
    moment = datetime.fromisoformat(iso)
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _in_windows(seconds: int, windows: list[dict[str, str]]) -> bool:
    def s(text: str) -> int:
        hours, minutes = text.split(":")[:2]
        return int(hours) * 3600 + int(minutes) * 60

    return not windows or any(s(w["start"]) <= seconds <= s(w["end"]) for w in windows)


def test_full_day_planned_and_read_by_couriers(
    plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """A combined plan of a real day: 202 and a status URL; once done, every parcel of the date
    is on exactly one stop or unassigned with a reason; Karen's two orders from two shops are
    one delivery stop; visits start inside their windows; each courier reads only their round."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    asked = depot.post(
        "/api/v1/plans", json={"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 2}
    )
    assert asked.status_code == 202, asked.text
    created = asked.json()
    assert created["status"] == "queued" and created["version"] == 1
    assert asked.headers["Location"] == created["status_url"] == f"/api/v1/plans/{created['id']}"
    plan = wait_done(depot, created["status_url"])
    assert plan["status"] == "done", plan["error"]
    assert plan["progress"] == {
        "stage": "done",
        "share": 1.0,
        "stops_planned": plan["summary"]["stops_planned"],
    }

    parcels = session.scalars(
        select(Parcel)
        .join(Order, Parcel.order_id == Order.id)
        .where(Order.delivery_date == day.day)
    ).all()
    delivered_by: dict[int, list[str]] = {p.id: [] for p in parcels}
    for round_ in plan["rounds"]:
        for stop in round_["stops"]:
            if stop["kind"] == "delivery":
                for pid in stop["parcel_ids"]:
                    delivered_by[pid].append(stop["stop_ref"])
            if stop["kind"] != "reload":
                assert _in_windows(_clock(stop["service_start"]), stop["windows"]), stop
    for item in plan["unassigned"]:
        assert item["reason"] and item["code"]
        for pid in item["parcel_ids"]:
            delivered_by[pid].append(item["stop_ref"])
    assert all(len(refs) == 1 for refs in delivered_by.values()), delivered_by

    karen = [
        s
        for r in plan["rounds"]
        for s in r["stops"]
        if set(day.consolidated) <= set(s["order_ids"]) and s["kind"] == "delivery"
    ]
    karen_left = [u for u in plan["unassigned"] if set(day.consolidated) <= set(u["order_ids"])]
    assert len(karen) + len(karen_left) == 1  # one stop for both orders, planned or explained
    if karen_left:  # parcels from two shops must pass the depot first in a combined plan
        assert karen_left[0]["code"] == "via_depot"
    consolidation = plan["summary"]["consolidation"]
    assert consolidation["pickup_stops"] >= 1 and consolidation["delivery_stops"] >= 1

    by_user = {c.user_id: c for c in day.couriers}  # type: ignore[attr-defined]
    round_ = plan["rounds"][0]
    rider = by_user[round_["courier_id"]]
    other = next(c for c in day.couriers if c is not rider)
    own = rider.get("/api/v1/rounds", params={"date": day.day.isoformat()}).json()
    assert round_["id"] in [r["id"] for r in own]
    assert all(r["courier_id"] == round_["courier_id"] for r in own)
    assert rider.get(f"/api/v1/rounds/{round_['id']}").status_code == 200
    assert other.get(f"/api/v1/rounds/{round_['id']}").status_code == 404
    assert other.post(f"/api/v1/rounds/{round_['id']}/start").status_code == 404
    theirs = other.get("/api/v1/rounds", params={"date": day.day.isoformat()}).json()
    assert round_["id"] not in [r["id"] for r in theirs]
    assert rider.get(f"/api/v1/plans/{created['id']}").status_code == 403
    merchant = plan_client("merchant", shop="S001")
    assert merchant.get(f"/api/v1/plans/{created['id']}").status_code == 403
    assert merchant.get("/api/v1/rounds", params={"date": day.day.isoformat()}).status_code == 403


def test_replan_keeps_a_started_round_frozen(plan_client: Client, shops: dict[str, int]) -> None:
    """Deliveries planned; a courier starts their round and reports their position; a re-plan
    "as of 13:00" is version 2, based on version 1, keeps that round's stops first in the same
    order, and starts nothing new before 13:00."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 2}
    first = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert first["status"] == "done", first["error"]
    round_ = first["rounds"][0]
    ida = next(c for c in day.couriers if c.user_id == round_["courier_id"])  # type: ignore[attr-defined]
    started = ida.post(f"/api/v1/rounds/{round_['id']}/start")
    assert started.status_code == 200 and started.json()["started"] is True
    where = {"lat": round_["stops"][0]["lat"], "lon": round_["stops"][0]["lon"]}
    assert ida.post(f"/api/v1/rounds/{round_['id']}/position", json=where).status_code == 200

    again = depot.post("/api/v1/plans", json={**body, "now": "13:00"})
    assert again.status_code == 202, again.text
    second = wait_done(depot, again.json()["status_url"])
    assert second["status"] == "done", second["error"]
    assert second["version"] == 2 and second["based_on"] == first["id"] and second["now"] == "13:00"
    kept = [r for r in second["rounds"] if r["vehicle"] == round_["vehicle"]]
    assert len(kept) == 1 and kept[0]["started"] is True
    before = [s["stop_ref"] for s in round_["stops"] if s["kind"] != "reload"]
    after = [s["stop_ref"] for s in kept[0]["stops"] if s["kind"] != "reload"]
    assert after[: len(before)] == before
    frozen = set(before)
    for r in second["rounds"]:
        for s in r["stops"]:
            if s["kind"] != "reload" and s["stop_ref"] not in frozen:
                assert _clock(s["service_start"]) >= 13 * 3600, s
    # The courier now reads the new version's rounds, not the replaced ones.
    current = ida.get("/api/v1/rounds", params={"date": day.day.isoformat()}).json()
    assert {r["plan_id"] for r in current} == {second["id"]}


def test_a_failure_while_writing_leaves_no_rounds(
    plan_client: Client, shops: dict[str, int], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run fails after its rounds were added but before the plan was marked done (the
    summary cannot be built): the plan is failed with that error, and not one round of it is
    stored — rounds and the done mark are one transaction."""

    def broken(_request: object) -> dict[str, object]:
        raise RuntimeError("the summary could not be built")

    monkeypatch.setattr(plan_store, "describe", broken)
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 1}
    plan = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert plan["status"] == "failed"
    assert plan["error"] == "RuntimeError: the summary could not be built"
    assert plan.get("rounds") is None
    session.expire_all()
    count = select(func.count()).where(PlanRound.plan_id == plan["id"])
    assert session.scalar(count) == 0


def test_a_large_day_is_planned_in_parts_one_job_each(
    plan_app: FastAPI, plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """With parts sized for 8 stops, the 22-stop combined day is split the planner's way into 3
    parts, each planned by its own job; the last job assembles one plan in which every parcel
    is on one stop or explained, and pairs stay on one bike, pickup first."""
    runner = plan_app.state.plan_runner
    runner.settings = runner.settings.model_copy(update={"plan_part_stops": 8})
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 1}
    plan = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    assert "planned in 3 parts, one job each" in plan["summary"]["notes"]
    session.expire_all()
    parts = session.scalars(select(PlanPart).where(PlanPart.plan_id == plan["id"])).all()
    assert sorted((p.part_no, p.status) for p in parts) == [
        (0, "context"),
        (1, "done"),
        (2, "done"),
        (3, "done"),
    ]
    seen: list[int] = []
    for round_ in plan["rounds"]:
        refs = [s["stop_ref"] for s in round_["stops"]]
        for stop in round_["stops"]:
            if stop["kind"] == "delivery":
                seen += stop["parcel_ids"]
            if stop["stop_ref"] and stop["stop_ref"].startswith("X"):  # a pair's pickup
                assert refs.index("Y" + stop["stop_ref"][1:]) > refs.index(stop["stop_ref"])
    seen += [pid for u in plan["unassigned"] for pid in u["parcel_ids"] if u["kind"] == "delivery"]
    parcels = session.scalars(
        select(Parcel.id)
        .join(Order, Parcel.order_id == Order.id)
        .where(Order.delivery_date == day.day)
    ).all()
    assert sorted(seen) == sorted(parcels)
