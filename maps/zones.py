"""Service areas: is a point served, and if not, why.

Coordinates in this module's public API are named ``lat`` / ``lon`` (WGS84 degrees). GeoJSON and
shapely are **lon-first** (x = lon, y = lat): geometries held by :class:`Zone` are in that order,
and every conversion between the two happens here, in :func:`project_geometry`,
:func:`unproject_geometry` and :meth:`ServiceArea.check`. Distances are computed in a local
metric projection (:class:`maps.geo.LocalProjection`), in metres.

The default zone is the area the bike graph covers, built by :func:`coverage_from_nodes` from the
graph's node coordinates (plain arrays, so this module does not depend on the graph). Named zones —
a car-free centre, courier districts, areas not served — come from a GeoJSON FeatureCollection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from maps.geo import LocalProjection

#: Default name of the zone built from the graph's nodes.
COVERAGE_NAME = "coverage"


def projection_around(lat: np.ndarray, lon: np.ndarray) -> LocalProjection:
    """Local metric projection centred on the middle of the points' bounding box (degrees)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return LocalProjection(float((lat.min() + lat.max()) / 2), float((lon.min() + lon.max()) / 2))


def project_geometry(geometry: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    """A **lon-first** (GeoJSON order) geometry in degrees → the same shape in metres."""

    def forward(coords: np.ndarray) -> np.ndarray:
        x_m, y_m = projection.to_xy(lat=coords[:, 1], lon=coords[:, 0])
        return np.column_stack([x_m, y_m])

    return shapely.transform(geometry, forward)


def unproject_geometry(geometry: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    """A geometry in metres → **lon-first** (GeoJSON order) degrees."""

    def backward(coords: np.ndarray) -> np.ndarray:
        lat, lon = projection.to_latlon(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, backward)


class ZoneError(ValueError):
    """A zone definition is unusable; the message names the zone (or feature number) and why."""


@dataclass(frozen=True)
class Zone:
    """A named area.

    Attributes
    ----------
    name : str
        Unique name (``properties.name`` in GeoJSON).
    geometry : shapely Polygon or MultiPolygon
        **Lon-first** (x = lon, y = lat) WGS84 degrees, as in GeoJSON.
    served : bool
        ``False`` for an area inside the coverage that is not served (``properties.served``).
    properties : mapping
        The feature's other properties, untouched.
    """

    name: str
    geometry: BaseGeometry
    served: bool = True
    properties: Mapping[str, Any] = field(default_factory=dict)

    def to_feature(self) -> dict[str, Any]:
        """GeoJSON Feature (lon-first coordinates) with ``name`` and ``served`` properties."""
        properties = {**self.properties, "name": self.name, "served": self.served}
        return {"type": "Feature", "properties": properties, "geometry": mapping(self.geometry)}


@dataclass(frozen=True)
class ServiceCheck:
    """Answer to "is this point served, and if not, why".

    Attributes
    ----------
    lat, lon : float
        The point asked about, WGS84 degrees.
    served : bool
        Whether a cargo bike can deliver there.
    zones : tuple of str
        Named zones containing the point (the coverage zone not included).
    reason : str or None
        Why it is not served, in words a depot worker understands; ``None`` when served.
    distance_outside_m : float
        Metres from the point to the coverage edge; 0 inside.
    snap_distance_m : float or None
        Metres to the nearest bikeable way, when a snap function was given and answered.
    """

    lat: float
    lon: float
    served: bool
    zones: tuple[str, ...]
    reason: str | None
    distance_outside_m: float
    snap_distance_m: float | None = None


def coverage_from_nodes(
    node_lat: np.ndarray,
    node_lon: np.ndarray,
    *,
    name: str = COVERAGE_NAME,
    concavity: float = 0.05,
    buffer_m: float = 150.0,
) -> Zone:
    """The area a graph covers: a concave hull of its nodes, widened by ``buffer_m``.

    The hull is computed in a local metric projection (so ``buffer_m`` is metres everywhere) and
    returned lon-first. A concave hull follows coastlines and harbour basins that a convex hull
    would swallow; the buffer takes in the houses along the outermost streets.

    Parameters
    ----------
    node_lat, node_lon : array-like of float
        WGS84 degrees of the graph's nodes (e.g. ``graph.node_lat``, ``graph.node_lon``).
    name : str
        Name of the resulting zone.
    concavity : float
        shapely ``concave_hull`` ratio: 0 hugs the points, 1 is the convex hull.
    buffer_m : float
        Margin added around the hull, metres.

    Returns
    -------
    Zone
        Polygon zone named ``name``.

    Raises
    ------
    ValueError
        Fewer than three distinct nodes, or arrays of different lengths.
    """
    lat = np.asarray(node_lat, dtype=float)
    lon = np.asarray(node_lon, dtype=float)
    if lat.shape != lon.shape:
        raise ValueError(f"node_lat has {lat.size} values but node_lon has {lon.size}")
    if np.unique(np.column_stack([lat, lon]), axis=0).shape[0] < 3:
        raise ValueError("a coverage zone needs at least three distinct nodes")
    projection = projection_around(lat, lon)
    x_m, y_m = projection.to_xy(lat, lon)
    hull = shapely.concave_hull(MultiPoint(np.column_stack([x_m, y_m])), ratio=concavity)
    area = hull.buffer(buffer_m).simplify(buffer_m / 10)
    return Zone(name=name, geometry=unproject_geometry(area, projection))


def load_zones(source: Path | str | Mapping[str, Any]) -> tuple[Zone, ...]:
    """Named zones from a GeoJSON FeatureCollection (a file path or an already-parsed mapping).

    Each feature needs ``properties.name`` (unique, non-empty) and a Polygon or MultiPolygon
    geometry with **lon-first** coordinates (GeoJSON order); ``properties.served: false`` marks an
    area that is not served. Geometries are checked with shapely and refused when invalid.

    Parameters
    ----------
    source : Path, str or mapping
        Path to a ``.geojson`` file, or the parsed FeatureCollection.

    Returns
    -------
    tuple of Zone
        In file order.

    Raises
    ------
    ZoneError
        The file cannot be read, is not a FeatureCollection, or a feature has no name, a
        duplicate name, a non-polygon or invalid geometry, or coordinates outside lon -180..180 /
        lat -90..90. The message names the feature.
    """
    if isinstance(source, Mapping):
        data: Any = source
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ZoneError(f"{source}: cannot read zones ({exc})") from exc
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise ZoneError("zones must be a GeoJSON FeatureCollection")
    zones: list[Zone] = []
    seen: set[str] = set()
    for number, feature in enumerate(data.get("features") or [], start=1):
        zones.append(_zone_from_feature(number, feature, seen))
    return tuple(zones)


def _zone_from_feature(number: int, feature: Any, seen: set[str]) -> Zone:
    properties = dict(feature.get("properties") or {}) if isinstance(feature, Mapping) else {}
    name = properties.pop("name", None)
    label = f"zone '{name}' (feature {number})" if name else f"feature {number}"
    if not isinstance(name, str) or not name.strip():
        raise ZoneError(f"{label}: properties.name is missing or empty")
    if name in seen:
        raise ZoneError(f"{label}: another zone already has this name")
    seen.add(name)
    served = properties.pop("served", True)
    if not isinstance(served, bool):
        raise ZoneError(f"{label}: properties.served must be true or false, not {served!r}")
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ZoneError(f"{label}: unreadable geometry ({exc})") from exc
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise ZoneError(
            f"{label}: geometry must be a Polygon or MultiPolygon, not {geometry.geom_type}"
        )
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ZoneError(f"{label}: coordinates out of range; GeoJSON order is [lon, lat]")
    if not geometry.is_valid:
        raise ZoneError(f"{label}: invalid geometry: {explain_validity(geometry)}")
    return Zone(name=name, geometry=geometry, served=served, properties=properties)


def _refuse_swapped_coordinates(zone: Zone, coverage: Zone) -> None:
    """Refuse a zone that misses the coverage but overlaps it once lat and lon are swapped."""
    if zone.geometry.intersects(coverage.geometry):
        return
    swapped = shapely.transform(zone.geometry, lambda coords: coords[:, ::-1])
    if swapped.intersects(coverage.geometry):
        raise ZoneError(
            f"zone '{zone.name}': its coordinates look like [lat, lon]; GeoJSON order is [lon, lat]"
        )


class ServiceArea:
    """The coverage zone plus named zones, answering :meth:`check`.

    Parameters
    ----------
    coverage : Zone
        Where bikes can go at all (usually :func:`coverage_from_nodes`).
    zones : sequence of Zone
        Named zones (:func:`load_zones`); ``served=False`` zones exclude their area.
        A zone whose coordinates were written lat-first is refused with :class:`ZoneError`.
    snap : callable, optional
        ``snap(lat, lon) -> distance_m`` to the nearest bikeable way; it should raise
        ``ValueError`` (or ``LookupError``) with a readable message when it cannot snap.
    snap_limit_m : float
        Farthest a point may lie from a bikeable way and still be served, metres.
    """

    def __init__(
        self,
        coverage: Zone,
        zones: Sequence[Zone] = (),
        *,
        snap: Callable[[float, float], float] | None = None,
        snap_limit_m: float = 250.0,
    ) -> None:
        names = [zone.name for zone in zones]
        if len(set(names)) != len(names):
            raise ZoneError(f"zone names must be unique, got {names}")
        for zone in zones:
            _refuse_swapped_coordinates(zone, coverage)
        self.coverage = coverage
        self.zones = tuple(zones)
        self.snap = snap
        self.snap_limit_m = snap_limit_m
        lat_lon = shapely.get_coordinates(coverage.geometry)
        self._projection = projection_around(lat_lon[:, 1], lat_lon[:, 0])
        self._coverage_m = project_geometry(coverage.geometry, self._projection)
        for geometry in (coverage.geometry, self._coverage_m, *(z.geometry for z in self.zones)):
            shapely.prepare(geometry)

    @classmethod
    def from_nodes(
        cls,
        node_lat: np.ndarray,
        node_lon: np.ndarray,
        zones: Sequence[Zone] = (),
        *,
        snap: Callable[[float, float], float] | None = None,
        snap_limit_m: float = 250.0,
    ) -> ServiceArea:
        """Service area whose coverage is :func:`coverage_from_nodes` of a graph's nodes.

        Parameters
        ----------
        node_lat, node_lon : array-like of float
            WGS84 degrees of the graph's nodes.
        zones, snap, snap_limit_m
            As for the constructor.

        Returns
        -------
        ServiceArea
        """
        coverage = coverage_from_nodes(node_lat, node_lon)
        return cls(coverage, zones, snap=snap, snap_limit_m=snap_limit_m)

    def check(self, lat: float, lon: float) -> ServiceCheck:
        """Is (lat, lon) served, which named zones is it in, and if not served, why.

        Checked in order: inside the coverage; not in a zone marked not served; within
        ``snap_limit_m`` of a bikeable way (when a snap function was given).

        Parameters
        ----------
        lat, lon : float
            WGS84 degrees.

        Returns
        -------
        ServiceCheck

        Raises
        ------
        ValueError
            ``lat`` or ``lon`` is not a finite number in range.
        """
        if not (math.isfinite(lat) and -90 <= lat <= 90):
            raise ValueError(f"lat: {lat!r} is not a latitude in -90..90")
        if not (math.isfinite(lon) and -180 <= lon <= 180):
            raise ValueError(f"lon: {lon!r} is not a longitude in -180..180")
        # shapely is lon-first: x = lon, y = lat.
        inside = [z for z in self.zones if shapely.intersects_xy(z.geometry, lon, lat)]
        names = tuple(zone.name for zone in inside)
        if not shapely.intersects_xy(self.coverage.geometry, lon, lat):
            x_m, y_m = self._projection.to_xy(np.array([lat]), np.array([lon]))
            outside_m = float(shapely.distance(self._coverage_m, shapely.points(x_m[0], y_m[0])))
            reason = f"outside the service area, {outside_m:,.0f} m beyond its edge"
            return ServiceCheck(lat, lon, False, names, reason, outside_m)
        closed = [zone.name for zone in inside if not zone.served]
        if closed:
            reason = f"in '{closed[0]}', which is not served"
            return ServiceCheck(lat, lon, False, names, reason, 0.0)
        if self.snap is None:
            return ServiceCheck(lat, lon, True, names, None, 0.0)
        try:
            snap_m = float(self.snap(lat, lon))
        except (ValueError, LookupError) as exc:
            return ServiceCheck(lat, lon, False, names, str(exc), 0.0)
        if snap_m > self.snap_limit_m:
            reason = (
                f"{snap_m:,.0f} m from the nearest bikeable way (limit {self.snap_limit_m:,.0f} m)"
            )
            return ServiceCheck(lat, lon, False, names, reason, 0.0, snap_m)
        return ServiceCheck(lat, lon, True, names, None, 0.0, snap_m)

    def to_geojson(self) -> dict[str, Any]:
        """FeatureCollection (lon-first) of the coverage followed by the named zones."""
        features = [self.coverage.to_feature(), *(zone.to_feature() for zone in self.zones)]
        return {"type": "FeatureCollection", "features": features}
