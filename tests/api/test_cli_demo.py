"""``bakfiets demo`` (``make demo``): a real day through the API on the embedded default, made
small here (4 shops, 14 orders, 2 bikes, 2 s of search), and its refusals."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.demo_run import DemoOptions, DemoResult, manifest_name, run_demo
from maps.geocode import OfflineGeocoder
from maps.shops import read_shops
from models import Order, OrderSource, Parcel, ParcelStatus, PlanRound, RoundStop, Shop
from models.plan import round_stop_parcels
from models.session import make_engine, make_sessionmaker
from tests.depot.paper.readback import open_pdf

SAY: list[str] = []


@pytest.mark.slow
def test_a_small_demo_day_writes_the_plan_and_its_paper(osm_path: Path, tmp_path: Path) -> None:
    """Into a folder holding an earlier demo's database (replaced) and a stale manifest
    (removed): the shops are real shops of the extract, the orders go to real addresses of
    it, the plan is done; one manifest per round, one slip per parcel, the map names every
    round, and impact.json's figures are those of the stored rounds.

    The morning plan leaves the orders whose parcels come from a collected shop and a drop-off
    shop to the depot (via_depot); the day run to its end scans those parcels in when their
    round is back and plans the day again from then, so they are delivered after that. The
    rounds that had left stay exactly as ridden, and every order of the day is on a delivery
    round of the last plan or unassigned with its reason — none still waiting for the depot."""
    out = tmp_path / "demo"
    (out / "manifests").mkdir(parents=True)
    (out / "manifests" / "OLD-B09.pdf").write_bytes(b"%PDF stale")
    (out / "bakfiets.db").write_bytes(b"not a database from this run")
    options = DemoOptions(osm=osm_path, out=out, shops=4, orders=14, bikes=2, time_limit_s=2)
    result = run_demo(options, say=SAY.append)

    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] == "done" and plan["kind"] == "combined" and plan["rounds"]
    assert plan == result.plan and plan["version"] == 1 + len(result.waves)
    outings: Counter[str] = Counter()
    names = []
    for r in plan["rounds"]:
        outings[r["vehicle"]] += 1
        names.append(manifest_name(r["vehicle"], outings[r["vehicle"]]))
    manifests = sorted(p.name for p in (out / "manifests").glob("*.pdf"))
    assert manifests == sorted(names)
    page = (out / "rounds.html").read_text()
    assert all(f"{r['vehicle']}: " in page for r in plan["rounds"])

    engine = make_engine(f"sqlite:///{out / 'bakfiets.db'}")
    try:
        with make_sessionmaker(engine)() as session:
            shop_names = set(session.scalars(select(Shop.name)))
            orders = session.scalars(select(Order)).all()
            homes = {(o.address.street, o.address.housenumber) for o in orders}
            sources = {o.source for o in orders}
            parcels = session.scalar(select(func.count()).select_from(Parcel))
            delivered = session.scalar(
                select(func.count())
                .select_from(round_stop_parcels)
                .join(RoundStop, RoundStop.id == round_stop_parcels.c.round_stop_id)
                .join(PlanRound, PlanRound.id == RoundStop.round_id)
                .where(PlanRound.plan_id == plan["id"], RoundStop.kind == "delivery")
            )
            metres = session.scalar(
                select(func.sum(PlanRound.distance_m)).where(PlanRound.plan_id == plan["id"])
            )
    finally:
        engine.dispose()
    assert len(shop_names) == 4 and shop_names <= {s.name for s in read_shops(osm_path)}
    assert len(orders) == 14 and sources == {OrderSource.WEBSHOP}
    extract = {(a.street, a.housenumber) for a in OfflineGeocoder.from_osm(osm_path).addresses}
    assert homes <= extract
    assert len(open_pdf((out / "slips-a6.pdf").read_bytes())) == parcels

    impact = json.loads((out / "impact.json").read_text())
    assert impact == result.impact
    assert impact["parcels_delivered"] == delivered
    assert impact["bike_km"] == pytest.approx(metres / 1000, abs=0.01)
    assert impact["rounds"] == len(plan["rounds"])
    # The impact report read from the API covers the same rounds: same km, nothing delivered yet.
    totals = impact["report"]["totals"]
    assert totals["bike_km"] == pytest.approx(metres / 1000, abs=0.01)
    assert totals["rounds"] == len(plan["rounds"])
    assert totals["on_time_text"] == "no deliveries recorded"
    assert (out / "impact.svg").read_text().lstrip().startswith("<svg")
    assert (out / "impact.csv").read_text().splitlines()[0].startswith("date")

    # The day run to its end (see the docstring).
    _check_the_day_was_completed(result, out)


def _check_the_day_was_completed(result: DemoResult, out: Path) -> None:
    first, plan = result.first_plan, result.plan
    via = {o for u in first["unassigned"] if u["code"] == "via_depot" for o in u["order_ids"]}
    assert via and result.waves
    first_wave_s = min(w.at_s for w in result.waves)
    last_wave_s = max(w.at_s for w in result.waves)
    on_rounds: dict[int, int] = {}
    parcels: Counter[int] = Counter()
    for r in plan["rounds"]:
        for stop in r["stops"]:
            if stop["kind"] == "delivery":
                on_rounds |= {o: _clock(stop["service_start"]) for o in stop["order_ids"]}
                parcels.update(stop["parcel_ids"])
    assert parcels and max(parcels.values()) == 1  # no parcel delivered twice
    unassigned = {o: u for u in plan["unassigned"] for o in u["order_ids"]}
    engine = make_engine(f"sqlite:///{out / 'bakfiets.db'}")
    try:
        with make_sessionmaker(engine)() as session:
            orders = set(session.scalars(select(Order.id)))
            statuses = {p.status for p in session.scalars(select(Parcel)) if p.order_id in via}
    finally:
        engine.dispose()
    for order_id in orders:
        assert order_id in on_rounds or unassigned[order_id]["reason"], order_id
    assert all(u["code"] != "via_depot" for u in plan["unassigned"]), plan["unassigned"]
    assert via & set(on_rounds)
    for order_id in via & set(on_rounds):
        assert on_rounds[order_id] >= first_wave_s, (order_id, on_rounds[order_id])
    assert statuses <= {ParcelStatus.AT_DEPOT, ParcelStatus.OUT_FOR_DELIVERY}
    # Every round that left before the last re-plan is in the day's plan as it was ridden.
    ridden = [r for r in first["rounds"] if _clock(r["start"]) <= last_wave_s]
    assert ridden
    kept = {(r["vehicle"], r["start"], r["end"], _refs(r)) for r in plan["rounds"]}
    for r in ridden:
        assert (r["vehicle"], r["start"], r["end"], _refs(r)) in kept, r["vehicle"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--shops", "0"), "--shops"),
        (("--bikes", "0"), "--bikes"),
        (("--time-limit", "900"), "--time-limit"),
        pytest.param(("--shops", "100000"), "--shops", marks=pytest.mark.slow),
    ],
)
def test_bad_options_are_named(
    run_cli, osm_path: Path, tmp_path: Path, args: tuple[str, ...], field: str
) -> None:
    """A count out of range, or more shops than the extract has, exits 2 naming the option;
    nothing is written."""
    result = run_cli("demo", "--osm", osm_path, "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert f"error: {field}: " in result.stderr
    assert not (tmp_path / "out" / "plan.json").exists()


def test_a_missing_extract_is_named(run_cli, tmp_path: Path) -> None:
    """--osm naming no file exits 2 naming --osm."""
    result = run_cli("demo", "--osm", tmp_path / "none.osm.bz2", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "error: --osm: " in result.stderr


def _clock(stamp: str) -> int:
    moment = datetime.fromisoformat(stamp)
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _refs(round_: dict) -> tuple[str, ...]:
    return tuple(s["stop_ref"] or "reload" for s in round_["stops"])
