"""A real day planned on the Copenhagen graph: its manifests and slips agree with the plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from depot.day import DayRequest
from depot.paper.demo import demo_slips, demo_stop_parcels
from depot.paper.from_plan import day_manifests, placements
from depot.paper.manifest import ManifestData, render_manifest_pdf
from depot.paper.slips import render_slips_pdf
from depot.plan_export import day_plan_json
from depot.planning import DayPlan, plan_day
from depot.real_day import real_day
from planner.solve import SolveParams
from tests.depot.paper.readback import decode, open_pdf, page_text, raster
from tests.depot.paper.test_manifest import calls_read

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def planned(osm_path: Path) -> tuple[DayRequest, DayPlan, list[ManifestData]]:
    """18 stops (with shop pickups) on 2 bikes, planned (3 s), with their demo manifests."""
    graph, request, _prepared = real_day(
        osm_path, n_stops=18, n_bikes=2, seed=7, cache_dir=ROOT / "var" / "cache"
    )
    day = plan_day(graph, request, params=SolveParams(time_limit_s=3, workers=1, seed=7))
    assert day.rounds
    manifests = day_manifests(
        graph, day, parcels=demo_stop_parcels(request), service_date=None, demo=True
    )
    return request, day, manifests


def test_manifests_show_the_couriers_order_and_etas(
    planned: tuple[DayRequest, DayPlan, list[ManifestData]],
) -> None:
    """Each round's manifest lists its calls exactly as the plan JSON the courier app reads:
    same stops, same order, same ETAs, same kind; reloads as many as the plan has."""
    _request, day, manifests = planned
    routes = day_plan_json(day)["routes"]
    assert [m.bike for m in manifests] == [r["bike_id"] for r in routes]
    for manifest, route in zip(manifests, routes, strict=True):
        pdf = render_manifest_pdf(manifest)
        calls = [v for v in route["visits"] if v["stop_id"]]
        expected = [(n, v["eta"], v["kind"], v["stop_id"]) for n, v in enumerate(calls, start=1)]
        assert calls_read(pdf) == expected
        text = " ".join(" ".join(page_text(p).split()) for p in open_pdf(pdf))
        reloads = sum(1 for v in route["visits"] if v["stop_id"] is None)
        assert text.count("Reload at the depot") == reloads
        assert f"{route['distance_m'] / 1000:.1f} km" in text
        assert f"{route['trips']} trip(s)" in text


def test_slips_scan_and_name_the_round_and_stop_of_the_manifest(
    planned: tuple[DayRequest, DayPlan, list[ManifestData]],
) -> None:
    """Every delivered parcel has a slip whose Code 128 scans to a code listed at that stop of
    the manifest, and whose round and stop number are the manifest's."""
    request, day, manifests = planned
    slips = demo_slips(request, placements(day), public_url="https://bakfiets.example.dk")
    delivered = {s.id: s.parcels for s in request.stops if s.kind == "delivery"}
    assert len(slips) == sum(delivered.values())
    where = {
        code: (m.round_ref, stop.number)
        for m in manifests
        for stop in m.calls
        if stop.kind == "delivery"
        for code in stop.parcel_codes
    }
    unplanned = {u.stop_id for u in day.unassigned}
    pdf = render_slips_pdf(slips)
    for page, slip in zip(open_pdf(pdf), slips, strict=True):
        scanned = {d.text for d in decode(raster(page, 300)) if d.format == "Code128"}
        assert scanned == {slip.label_code}
        text = page_text(page)
        stop_id = slip.label_code.split("-")[1]
        if stop_id in unplanned:
            assert "not planned yet" in text
            continue
        round_ref, number = where[slip.label_code]
        assert f"Round {round_ref}" in text and re.search(rf"\bStop {number}\b", text)
        assert "DEMO" in text
