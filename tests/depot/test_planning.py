"""Planning a day on the real Copenhagen network: rounds, reasons, map and exports."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from depot.day import DayRequest, ParcelStop, Place
from depot.demo_day import make_demo_day
from depot.plan_export import day_plan_geojson, day_plan_json
from depot.planning import DayPlan, plan_day
from depot.rounds_map import render_rounds_html
from maps.address_index import read_address_records
from maps.geo import haversine_m
from maps.graph import BikeGraph, load_graph
from maps.profiles import PEDAL
from maps.sample import servable_addresses
from maps.shops import read_shops
from planner.solve import SolveParams


@pytest.fixture(scope="module")
def graph(osm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> BikeGraph:
    """The Copenhagen pedal-bike graph."""
    return load_graph(osm_path, PEDAL, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def day_request(osm_path: Path, graph: BikeGraph) -> DayRequest:
    """40 stops (with shop pickups) for 3 bikes from a central depot."""
    addresses = servable_addresses(graph, read_address_records(osm_path))
    shops = [s for s in read_shops(osm_path) if s.address][:40]
    depot = Place("depot", "Depot, Vesterbrogade 1", 55.6738, 12.5646)
    return make_demo_day(addresses, shops, depot, n_stops=40, n_bikes=3, seed=5)


@pytest.fixture(scope="module")
def day(graph: BikeGraph, day_request: DayRequest) -> DayPlan:
    """The planned day (5 s search, one worker)."""
    return plan_day(graph, day_request, params=SolveParams(time_limit_s=5, workers=1))


def test_demo_day_is_reproducible_and_sized(day_request: DayRequest, osm_path: Path) -> None:
    """Exactly N stops, every pickup paired with its delivery of the same goods."""
    assert len(day_request.stops) == 40
    assert len(day_request.bikes) == 3
    by_id = {s.id: s for s in day_request.stops}
    pickups = [s for s in day_request.stops if s.kind == "pickup"]
    assert pickups
    for pickup in pickups:
        partner = by_id[pickup.pair_with or ""]
        assert partner.pair_with == pickup.id and partner.weight_g == pickup.weight_g


def test_every_stop_is_planned_once_or_explained(day: DayPlan, day_request: DayRequest) -> None:
    """Each stop appears in exactly one round or in the unassigned list with a reason."""
    planned = [v.stop_id for r in day.rounds for v in r.visits if v.stop_id]
    unassigned = [u.stop_id for u in day.unassigned]
    assert sorted(planned + unassigned) == sorted(s.id for s in day_request.stops)
    assert all(u.reason for u in day.unassigned)
    assert len(planned) >= 35


def test_visits_keep_their_windows_and_pairs(day: DayPlan, day_request: DayRequest) -> None:
    """Service starts inside a window; a shop pickup is on the same bike before its customer."""
    by_id = {s.id: s for s in day_request.stops}
    for round_ in day.rounds:
        order = [v.stop_id for v in round_.visits]
        for visit in round_.visits:
            if visit.stop_id is None:
                continue
            windows = by_id[visit.stop_id].windows
            assert not windows or any(a <= visit.start_s <= b for a, b in windows)
            partner = by_id[visit.stop_id].pair_with
            if by_id[visit.stop_id].kind == "pickup" and partner:
                assert partner in order and order.index(partner) > order.index(visit.stop_id)


def test_rounds_follow_the_streets_continuously(day: DayPlan) -> None:
    """Each leg ends where the next begins, and the legs add up to the round's distance."""
    for round_ in day.rounds:
        for before, after in zip(round_.legs[:-1], round_.legs[1:], strict=True):
            gap_m = haversine_m(before.lat[-1], before.lon[-1], after.lat[0], after.lon[0])
            assert float(gap_m) < 1.0
        legs_m = sum(leg.distance_m for leg in round_.legs)
        assert legs_m == pytest.approx(round_.distance_m, abs=len(round_.legs) * 1.0)
        assert len(round_.legs) == len(round_.visits) + 1  # depot → visits → depot


def test_address_off_the_network_is_unassigned_with_its_distance(
    graph: BikeGraph, day_request: DayRequest
) -> None:
    """A stop in the harbour is not planned; its reason says how far from a bikeable way it is."""
    sea = ParcelStop(
        "D999", Place("sea", "Øresund 1", 55.690, 12.660), "delivery", 2000, 8000, 1, 120
    )
    request = replace(day_request, stops=(*day_request.stops[:5], sea))
    result = plan_day(graph, request, params=SolveParams(time_limit_s=1, workers=1))
    (item,) = [u for u in result.unassigned if u.stop_id == "D999"]
    assert item.code == "no_bike_access"
    assert "m from the nearest way a cargo bike may use (limit 250 m)" in item.reason


def test_exports_carry_summary_routes_reasons_and_attribution(
    graph: BikeGraph, day: DayPlan
) -> None:
    """JSON, GeoJSON and the HTML map hold what a depot worker and a map need."""
    document = day_plan_json(day)
    assert set(document) >= {"summary", "routes", "unassigned", "conventions"}
    assert document["summary"]["bikes_used"] == len(day.rounds)
    assert json.loads(json.dumps(document)) == document
    geo = day_plan_geojson(day)
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(day.rounds)
    lon, lat = lines[0]["geometry"]["coordinates"][0]
    assert lon == pytest.approx(day.rounds[0].legs[0].lon[0]) and 55 < lat < 56
    page = render_rounds_html(graph, day)
    assert "© OpenStreetMap contributors" in page and "<svg" in page
    for round_ in day.rounds:
        assert round_.bike_id in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # no tiles, no CDN
    assert np.isfinite(day.bike_km) and day.co2_avoided_kg == pytest.approx(day.bike_km * 0.1838)
