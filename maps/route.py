"""Routes between snapped points: the edges ridden and their geometry for maps.

A route is the same fastest path :func:`maps.matrix.travel_matrix` measures, spelled out edge by
edge. Its first and last steps are usually partial: from the stop's point on its link to the
link's end, and from a link's start to the next stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from maps.geo import polyline_length_m
from maps.graph import BikeGraph
from maps.matrix import attach_points, augmented_graph, edge_weights, partial_weights
from maps.snap import Snap


@dataclass(frozen=True)
class RouteStep:
    """Part of one edge, ridden from ``start_fraction`` to ``end_fraction`` of its length.

    Fractions are along the edge's riding direction (0 = where it starts).
    """

    edge: int
    start_fraction: float
    end_fraction: float


@dataclass(frozen=True)
class Route:
    """A ridden path between two points.

    Attributes
    ----------
    duration_s : float
        Riding time in seconds.
    distance_m : float
        Length in metres.
    steps : tuple of RouteStep
        Edges in riding order.
    lat, lon : tuple of float
        The path's geometry in degrees, from the first point's snap to the second's.
    """

    duration_s: float
    distance_m: float
    steps: tuple[RouteStep, ...]
    lat: tuple[float, ...]
    lon: tuple[float, ...]

    def geojson(self, **properties: Any) -> dict[str, Any]:
        """GeoJSON Feature with a LineString (GeoJSON order: **lon, lat**)."""
        return {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[lon, lat] for lat, lon in zip(self.lat, self.lon, strict=True)],
            },
            "properties": {
                "duration_s": round(self.duration_s, 1),
                "distance_m": round(self.distance_m, 1),
                **properties,
            },
        }


def _edge_lookup(graph: BikeGraph) -> dict[tuple[int, int], int]:
    """Cheapest edge for each (u, v) node pair."""

    def build() -> dict[tuple[int, int], int]:
        best: dict[tuple[int, int], int] = {}
        weights = edge_weights(graph)
        for edge in np.argsort(-weights).tolist():  # cheapest written last, so it wins
            best[(int(graph.edge_u[edge]), int(graph.edge_v[edge]))] = edge
        return best

    result: dict[tuple[int, int], int] = graph.derived("edge_lookup", build)
    return result


def _cut(graph: BikeGraph, step: RouteStep) -> tuple[np.ndarray, np.ndarray]:
    """Geometry of the ridden part of an edge."""
    lat, lon = graph.edge_coords(step.edge)
    x_m, y_m = graph.projection.to_xy(lat, lon)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x_m), np.diff(y_m)))])
    total = along[-1] if along[-1] > 0 else 1.0
    start, end = step.start_fraction * total, step.end_fraction * total
    inner = (along > start) & (along < end)
    xs = np.concatenate([[np.interp(start, along, x_m)], x_m[inner], [np.interp(end, along, x_m)]])
    ys = np.concatenate([[np.interp(start, along, y_m)], y_m[inner], [np.interp(end, along, y_m)]])
    return graph.projection.to_latlon(xs, ys)


def _exit_step(graph: BikeGraph, snap: Snap, node: int) -> RouteStep:
    fwd, bwd = (int(e) for e in graph.link_edges[snap.link])
    options = []
    if fwd >= 0 and graph.edge_v[fwd] == node:
        options.append((1 - snap.fraction, RouteStep(fwd, snap.fraction, 1.0)))
    if bwd >= 0 and graph.edge_v[bwd] == node:
        options.append((snap.fraction, RouteStep(bwd, 1 - snap.fraction, 1.0)))
    return min(options, key=lambda option: option[0])[1]


def _entry_step(graph: BikeGraph, snap: Snap, node: int) -> RouteStep:
    fwd, bwd = (int(e) for e in graph.link_edges[snap.link])
    options = []
    if fwd >= 0 and graph.edge_u[fwd] == node:
        options.append((snap.fraction, RouteStep(fwd, 0.0, snap.fraction)))
    if bwd >= 0 and graph.edge_u[bwd] == node:
        options.append((1 - snap.fraction, RouteStep(bwd, 0.0, 1 - snap.fraction)))
    return min(options, key=lambda option: option[0])[1]


def _direct_step(graph: BikeGraph, a: Snap, b: Snap) -> RouteStep | None:
    """Riding straight along a shared link, when its direction allows."""
    if a.link != b.link:
        return None
    fwd, bwd = (int(e) for e in graph.link_edges[a.link])
    if fwd >= 0 and b.fraction >= a.fraction:
        return RouteStep(fwd, a.fraction, b.fraction)
    if bwd >= 0 and b.fraction <= a.fraction:
        return RouteStep(bwd, 1 - a.fraction, 1 - b.fraction)
    return None


def _build(graph: BikeGraph, steps: list[RouteStep]) -> Route:
    lats: list[float] = []
    lons: list[float] = []
    for step in steps:
        lat, lon = _cut(graph, step)
        skip = 1 if lats else 0  # consecutive steps share their joining point
        lats.extend(lat[skip:].tolist())
        lons.extend(lon[skip:].tolist())
    share = np.array([s.end_fraction - s.start_fraction for s in steps])
    edges = np.array([s.edge for s in steps], dtype=np.int64)
    return Route(
        duration_s=float((graph.edge_travel_time_s[edges] * share).sum()),
        distance_m=float((graph.edge_length_m[edges] * share).sum()),
        steps=tuple(steps),
        lat=tuple(lats),
        lon=tuple(lons),
    )


def route_between(graph: BikeGraph, a: Snap, b: Snap) -> Route:
    """The fastest route from snapped point ``a`` to snapped point ``b``.

    Parameters
    ----------
    graph : BikeGraph
        The network.
    a, b : Snap
        Start and end, from :func:`maps.snap.snap_points`.

    Returns
    -------
    Route
        Same time and distance as the matrix entry for ``a`` → ``b`` (to the millisecond and
        centimetre the matrix rounds to).
    """
    n = graph.n_nodes
    att = attach_points(graph, [a, b])
    csgraph = augmented_graph(graph, att, 2)
    source, sink = n, n + 2 + 1
    dist, pred = dijkstra(csgraph, directed=True, indices=source, return_predecessors=True)
    direct = _direct_step(graph, a, b)
    if direct is not None:
        share = np.array([direct.end_fraction - direct.start_fraction])
        direct_weight = float(partial_weights(graph, np.array([direct.edge]), share)[0])
        if direct_weight <= dist[sink]:
            return _build(graph, [direct])
    nodes = [sink]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()  # source, n1, ..., nk, sink
    lookup = _edge_lookup(graph)
    steps = [_exit_step(graph, a, nodes[1])]
    steps.extend(RouteStep(lookup[(u, v)], 0.0, 1.0) for u, v in pairwise(nodes[1:-1]))
    steps.append(_entry_step(graph, b, nodes[-2]))
    ridden = [s for s in steps if s.end_fraction > s.start_fraction]
    return _build(graph, ridden or steps[:1])


def route_through(graph: BikeGraph, snaps: Sequence[Snap]) -> list[Route]:
    """Routes between consecutive points (a round: depot, stops, depot)."""
    return [route_between(graph, a, b) for a, b in pairwise(snaps)]


def routes_geojson(routes: Sequence[Route]) -> dict[str, Any]:
    """FeatureCollection of routes, each with its leg index (GeoJSON order: lon, lat)."""
    return {
        "type": "FeatureCollection",
        "features": [route.geojson(leg=i) for i, route in enumerate(routes)],
    }


def geometry_length_m(route: Route) -> float:
    """Length of the route's drawn geometry in metres (great-circle)."""
    return polyline_length_m(np.array(route.lat), np.array(route.lon))
