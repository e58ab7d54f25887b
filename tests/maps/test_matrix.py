"""Snapping, travel matrices and routes on the real Copenhagen network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from maps.address_index import read_address_records
from maps.geo import LocalProjection, Point, haversine_m
from maps.graph import BikeGraph
from maps.matrix import travel_matrix
from maps.reference import reference_digraph, reference_durations
from maps.route import geometry_length_m, route_between
from maps.sample import record_points, sample_addresses
from maps.snap import SnapError, snap_points


@pytest.fixture(scope="module")
def addresses(osm_path: Path, cph_graph: BikeGraph) -> list[Point]:
    """300 real addresses of the extract (fixed seed)."""
    return record_points(sample_addresses(cph_graph, read_address_records(osm_path), 300, seed=7))


def _link_point(graph: BikeGraph, link: int, fraction: float, offset_m: float = 0.0) -> Point:
    """A point at ``fraction`` along a link's straight chord, ``offset_m`` to its left."""
    lat, lon = graph.link_coords(link)
    proj = LocalProjection(float(lat[0]), float(lon[0]))
    x, y = proj.to_xy(lat, lon)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    at = fraction * along[-1]
    k = min(int(np.searchsorted(along, at, side="right")) - 1, len(x) - 2)
    dx, dy = x[k + 1] - x[k], y[k + 1] - y[k]
    t = (at - along[k]) / max(np.hypot(dx, dy), 1e-9)
    norm = np.hypot(dx, dy)
    px = x[k] + t * dx - dy / norm * offset_m
    py = y[k] + t * dy + dx / norm * offset_m
    p_lat, p_lon = proj.to_latlon(np.array([px]), np.array([py]))
    return Point(float(p_lat[0]), float(p_lon[0]))


def _long_straight_link(graph: BikeGraph, *, oneway: bool, contraflow: bool = False) -> int:
    counts = np.diff(graph.link_offsets)
    for link in np.argsort(-graph.link_length_m).tolist():
        fwd, bwd = graph.link_edges[link]
        is_oneway = (fwd < 0) != (bwd < 0)
        has_contra = bool(fwd >= 0 and graph.edge_contraflow[fwd]) or bool(
            bwd >= 0 and graph.edge_contraflow[bwd]
        )
        straight = counts[link] == 2 and graph.link_length_m[link] > 80
        if straight and is_oneway == oneway and has_contra == contraflow:
            return link
    raise AssertionError("no suitable link")


def test_snap_goes_to_the_nearest_edge_not_the_nearest_node(cph_graph: BikeGraph) -> None:
    """A house 15 m beside the middle of a long block snaps mid-block, 15 m away."""
    link = _long_straight_link(cph_graph, oneway=False)
    house = _link_point(cph_graph, link, 0.5, offset_m=15.0)
    (snap,) = snap_points(cph_graph, [house])
    assert snap.link == link
    assert snap.distance_m == pytest.approx(15.0, abs=0.5)
    assert snap.fraction == pytest.approx(0.5, abs=0.02)
    nearest_node_m = haversine_m(cph_graph.node_lat, cph_graph.node_lon, house.lat, house.lon).min()
    assert nearest_node_m > 35.0


def test_point_in_the_sea_is_an_error_that_names_it(cph_graph: BikeGraph) -> None:
    """A point in Øresund is farther than 250 m from any way; the error says which and how far."""
    sea = Point(55.690, 12.660)
    with pytest.raises(SnapError) as info:
        snap_points(cph_graph, [Point(55.676, 12.568), sea])
    assert info.value.index == 1
    assert info.value.distance_m is not None and info.value.distance_m > 250
    assert "point 1 (55.690000, 12.660000)" in str(info.value)
    assert "limit 250 m" in str(info.value)


def test_snap_limit_is_configurable(cph_graph: BikeGraph) -> None:
    """The same point passes with a looser limit and fails with a tighter one."""
    link = _long_straight_link(cph_graph, oneway=False)
    house = _link_point(cph_graph, link, 0.5, offset_m=40.0)
    assert snap_points(cph_graph, [house], limit_m=60)[0].distance_m < 60
    with pytest.raises(SnapError):
        snap_points(cph_graph, [house], limit_m=20)


def test_matrix_agrees_with_networkx(cph_graph: BikeGraph, addresses: list[Point]) -> None:
    """Compiled matrix rows equal a plain networkx Dijkstra from the same points."""
    result = travel_matrix(cph_graph, addresses, workers=2)
    rows = [0, 17, 123, 299]
    reference = reference_durations(cph_graph, reference_digraph(cph_graph), result.snaps, rows)
    assert np.abs(reference - result.duration_s[rows]).max() < 0.05
    assert np.all(np.diag(result.duration_s) == 0)


def test_distance_is_never_shorter_than_a_straight_line(
    cph_graph: BikeGraph, addresses: list[Point]
) -> None:
    """Riding distance between snapped points is at least their great-circle distance."""
    result = travel_matrix(cph_graph, addresses[:120])
    lat = np.array([s.snapped_lat for s in result.snaps])
    lon = np.array([s.snapped_lon for s in result.snaps])
    crow_m = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert (result.distance_m >= crow_m - 0.5).all()
    detour = result.distance_m[crow_m > 500] / crow_m[crow_m > 500]
    assert 1.1 < np.median(detour) < 1.6


def test_one_way_street_makes_the_matrix_asymmetric(cph_graph: BikeGraph) -> None:
    """Along a one-way the ride is direct; against it the bike must go around the block."""
    link = _long_straight_link(cph_graph, oneway=True)
    fwd, bwd = cph_graph.link_edges[link]
    edge = fwd if fwd >= 0 else bwd
    a, b = (_link_point(cph_graph, link, f) for f in (0.2, 0.8))
    if edge == bwd:
        a, b = b, a  # a comes first in the riding direction
    result = travel_matrix(cph_graph, [a, b], workers=1)
    along_s = 0.6 * float(cph_graph.edge_travel_time_s[edge])
    assert result.duration_s[0, 1] == pytest.approx(along_s, abs=0.05)
    assert result.duration_s[1, 0] > result.duration_s[0, 1] + 5


def test_contraflow_street_is_ridden_both_ways(cph_graph: BikeGraph) -> None:
    """On a one-way with contraflow cycling, both directions take the direct ride."""
    link = _long_straight_link(cph_graph, oneway=False, contraflow=True)
    a, b = (_link_point(cph_graph, link, f) for f in (0.2, 0.8))
    result = travel_matrix(cph_graph, [a, b], workers=1)
    length_m = 0.6 * float(cph_graph.link_length_m[link])
    assert result.distance_m[0, 1] == pytest.approx(length_m, rel=0.01)
    assert result.distance_m[1, 0] == pytest.approx(length_m, rel=0.01)


def test_route_across_the_city_is_continuous_and_adds_up(
    cph_graph: BikeGraph, addresses: list[Point]
) -> None:
    """The route's edges join end to start, and its length is the sum of its edges."""
    lat = np.array([p.lat for p in addresses])
    south, north = addresses[int(lat.argmin())], addresses[int(lat.argmax())]
    snaps = snap_points(cph_graph, [south, north])
    result = travel_matrix(cph_graph, snaps=snaps, workers=1)
    route = route_between(cph_graph, snaps[0], snaps[1])
    assert len(route.steps) > 20
    for before, after in zip(route.steps[:-1], route.steps[1:], strict=True):
        assert cph_graph.edge_v[before.edge] == cph_graph.edge_u[after.edge]
        assert before.end_fraction == 1.0 and after.start_fraction == 0.0
    edges_m = sum(
        float(cph_graph.edge_length_m[s.edge]) * (s.end_fraction - s.start_fraction)
        for s in route.steps
    )
    assert route.distance_m == pytest.approx(edges_m, abs=1e-6)
    assert route.distance_m == pytest.approx(result.distance_m[0, 1], abs=0.5)
    assert route.duration_s == pytest.approx(result.duration_s[0, 1], abs=0.5)
    assert geometry_length_m(route) == pytest.approx(route.distance_m, rel=0.005)
    gaps_m = haversine_m(
        np.array(route.lat[:-1]),
        np.array(route.lon[:-1]),
        np.array(route.lat[1:]),
        np.array(route.lon[1:]),
    )
    assert gaps_m.max() < 400  # no jumps: consecutive vertices of one polyline
    assert (route.lat[0], route.lon[0]) == pytest.approx(
        (snaps[0].snapped_lat, snaps[0].snapped_lon)
    )
    assert (route.lat[-1], route.lon[-1]) == pytest.approx(
        (snaps[1].snapped_lat, snaps[1].snapped_lon)
    )
    feature = route.geojson()
    assert feature["geometry"]["coordinates"][0] == [route.lon[0], route.lat[0]]  # lon first


def test_no_points_gives_an_empty_matrix(cph_graph: BikeGraph) -> None:
    """An empty request is answered, not an error."""
    result = travel_matrix(cph_graph, [])
    assert result.duration_s.shape == (0, 0)
