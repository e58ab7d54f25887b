"""Snap positions to the nearest bikeable way (an edge's geometry, not just its end nodes).

A parcel's address lies beside a street; riding starts and ends at the point of the street
closest to it. Snapping to the nearest *node* instead would put a house in the middle of a long
block at the far corner and add hundreds of metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from maps.geo import Point
from maps.graph import BikeGraph

DEFAULT_SNAP_LIMIT_M = 250.0


class SnapError(ValueError):
    """A position is too far from any way a cargo bike may use.

    Attributes
    ----------
    index : int
        Position of the point in the caller's list.
    lat, lon : float
        The point.
    distance_m : float or None
        Distance to the nearest bikeable way, ``None`` when none lies within the search radius.
    limit_m : float
        The limit that was exceeded.
    """

    def __init__(
        self, index: int, lat: float, lon: float, distance_m: float | None, limit_m: float
    ) -> None:
        where = f"point {index} ({lat:.6f}, {lon:.6f})"
        if distance_m is None:
            text = f"{where} is more than {limit_m:.0f} m from any bikeable way"
        else:
            text = (
                f"{where} is {distance_m:.0f} m from the nearest bikeable way "
                f"(limit {limit_m:.0f} m)"
            )
        super().__init__(text)
        self.index, self.lat, self.lon = index, lat, lon
        self.distance_m, self.limit_m = distance_m, limit_m


@dataclass(frozen=True)
class Snap:
    """Where a point joins the network.

    Attributes
    ----------
    lat, lon : float
        The original point (degrees).
    snapped_lat, snapped_lon : float
        The closest point on the way.
    distance_m : float
        Straight-line distance from the point to the way.
    link : int
        Link index in the graph.
    fraction : float
        Position along the link, 0 at its first node, 1 at its last (way order).
    """

    lat: float
    lon: float
    snapped_lat: float
    snapped_lon: float
    distance_m: float
    link: int
    fraction: float


def _link_tree(graph: BikeGraph) -> tuple[shapely.STRtree, np.ndarray]:
    def build() -> tuple[shapely.STRtree, np.ndarray]:
        x_m, y_m = graph.projection.to_xy(graph.coord_lat, graph.coord_lon)
        counts = np.diff(graph.link_offsets)
        indices = np.repeat(np.arange(len(counts)), counts)
        lines = shapely.linestrings(np.column_stack([x_m, y_m]), indices=indices)
        return shapely.STRtree(lines), lines

    result: tuple[shapely.STRtree, np.ndarray] = graph.derived("link_tree", build)
    return result


def snap_points(
    graph: BikeGraph,
    points: Sequence[Point],
    *,
    limit_m: float = DEFAULT_SNAP_LIMIT_M,
) -> list[Snap]:
    """Snap points to the nearest bikeable link.

    Parameters
    ----------
    graph : BikeGraph
        The network.
    points : sequence of Point
        Positions with ``lat`` / ``lon`` in degrees.
    limit_m : float
        Farthest a point may lie from a way, in metres (default 250).

    Returns
    -------
    list of Snap
        One per point, in order.

    Raises
    ------
    SnapError
        For the first point farther than ``limit_m`` from every bikeable way.
    """
    if not points:
        return []
    tree, lines = _link_tree(graph)
    lat = np.array([p.lat for p in points], dtype=float)
    lon = np.array([p.lon for p in points], dtype=float)
    x_m, y_m = graph.projection.to_xy(lat, lon)
    geoms = shapely.points(x_m, y_m)
    # max_distance bounds the search; points with no match are reported by index.
    (query_idx, link_idx), dist_m = tree.query_nearest(
        geoms, max_distance=limit_m, return_distance=True, all_matches=False
    )
    found = np.full(len(points), -1, dtype=np.int64)
    distance_m = np.full(len(points), np.inf)
    found[query_idx] = link_idx
    distance_m[query_idx] = dist_m
    missing = np.flatnonzero(found < 0)
    if len(missing):
        i = int(missing[0])
        nearest = tree.query_nearest(geoms[i], return_distance=True)[1]
        raise SnapError(i, float(lat[i]), float(lon[i]), float(nearest[0]), limit_m)
    chosen = lines[found]
    along_m = shapely.line_locate_point(chosen, geoms)
    length_m = shapely.length(chosen)
    fraction = np.divide(along_m, length_m, out=np.zeros_like(along_m), where=length_m > 0)
    on_line = shapely.line_interpolate_point(chosen, along_m)
    s_lat, s_lon = graph.projection.to_latlon(shapely.get_x(on_line), shapely.get_y(on_line))
    return [
        Snap(
            lat=float(lat[i]),
            lon=float(lon[i]),
            snapped_lat=float(s_lat[i]),
            snapped_lon=float(s_lon[i]),
            distance_m=float(distance_m[i]),
            link=int(found[i]),
            fraction=float(np.clip(fraction[i], 0.0, 1.0)),
        )
        for i in range(len(points))
    ]


def nearest_way_distance_m(graph: BikeGraph, points: Sequence[Point]) -> np.ndarray:
    """Distance in metres from each point to the nearest bikeable link (no limit).

    Parameters
    ----------
    graph : BikeGraph
        The network.
    points : sequence of Point
        Positions (degrees).

    Returns
    -------
    np.ndarray
        float64, one distance per point.
    """
    if not points:
        return np.zeros(0)
    tree, _ = _link_tree(graph)
    x_m, y_m = graph.projection.to_xy(
        np.array([p.lat for p in points]), np.array([p.lon for p in points])
    )
    (query_idx, _), dist_m = tree.query_nearest(
        shapely.points(x_m, y_m), return_distance=True, all_matches=False
    )
    result = np.empty(len(points))
    result[query_idx] = dist_m
    return result
