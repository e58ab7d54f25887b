"""Fetch a city's OSM data by place name or bounding box (online only), then build as from a file.

The download is an ordinary OSM XML file (streets, addresses and shops of the area), kept in the
cache directory. From there the very same code as for a local extract builds the graph and the
address index, so a downloaded city behaves exactly like one read from disk. Place names are
resolved to a bounding box with osmnx (Nominatim); the data comes from an Overpass API server.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from maps.cache import cache_key
from maps.osm_read import GraphSourceError

DEFAULT_OVERPASS_URL = "https://overpass-api.de/api/interpreter"
MAX_BBOX_SIDE_DEG = 0.5  # ~50 km: a town, not a country


@dataclass(frozen=True)
class BoundingBox:
    """An area in WGS84 degrees."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        if not (-90 <= self.south < self.north <= 90):
            raise ValueError(f"bbox: south {self.south} must be below north {self.north}")
        if not (-180 <= self.west < self.east <= 180):
            raise ValueError(f"bbox: west {self.west} must be left of east {self.east}")
        if max(self.north - self.south, self.east - self.west) > MAX_BBOX_SIDE_DEG:
            raise ValueError(
                f"bbox: sides longer than {MAX_BBOX_SIDE_DEG}° are refused (a town, not a region)"
            )

    @classmethod
    def parse(cls, text: str) -> BoundingBox:
        """Read ``"south,west,north,east"`` in degrees.

        Raises
        ------
        ValueError
            Naming the ``bbox`` field and what is wrong.
        """
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError(f"bbox: expected south,west,north,east, got {text!r}")
        try:
            south, west, north, east = (float(p) for p in parts)
        except ValueError as exc:
            raise ValueError(f"bbox: {text!r} holds something that is not a number") from exc
        return cls(south, west, north, east)


def overpass_query(bbox: BoundingBox, timeout_s: int = 180) -> str:
    """Overpass QL for the streets, addresses and shops inside ``bbox`` (with their nodes)."""
    area = f"({bbox.south},{bbox.west},{bbox.north},{bbox.east})"
    return (
        f"[out:xml][timeout:{timeout_s}];"
        f'(way["highway"]{area};nwr["addr:housenumber"]{area};nwr["shop"]{area};);'
        "(._;>;);out body;"
    )


def place_bbox(place: str) -> BoundingBox:
    """Bounding box of a named place, looked up with osmnx (Nominatim; online).

    Raises
    ------
    GraphSourceError
        If the place is unknown or the lookup service cannot be reached.
    """
    import osmnx as ox  # heavy import, only needed online

    try:
        gdf = ox.geocode_to_gdf(place)
    except Exception as exc:  # osmnx raises several kinds; all mean "cannot resolve"
        raise GraphSourceError(place, f"place could not be looked up ({exc})") from exc
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    return BoundingBox(south, west, north, east)


def download_osm(
    bbox: BoundingBox,
    *,
    dest_dir: Path,
    overpass_url: str = DEFAULT_OVERPASS_URL,
    timeout_s: int = 180,
) -> Path:
    """Download the OSM data of an area to ``dest_dir`` (reused if already there).

    Parameters
    ----------
    bbox : BoundingBox
        The area.
    dest_dir : Path
        Where the ``.osm`` file is written (e.g. the cache directory).
    overpass_url : str
        Overpass API endpoint.
    timeout_s : int
        Server-side and client-side timeout in seconds.

    Returns
    -------
    Path
        The OSM XML file.

    Raises
    ------
    GraphSourceError
        If the server cannot be reached or answers with an error.
    """
    target = Path(dest_dir) / f"osm-{cache_key(bbox, overpass_url)}.osm"
    if target.exists() and target.stat().st_size > 0:
        return target
    source = f"{overpass_url} {bbox}"
    try:
        response = requests.post(
            overpass_url, data={"data": overpass_query(bbox, timeout_s)}, timeout=timeout_s + 10
        )
    except requests.RequestException as exc:
        raise GraphSourceError(source, f"the map server could not be reached ({exc})") from exc
    if response.status_code != 200:
        raise GraphSourceError(source, f"the map server answered HTTP {response.status_code}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".osm.tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(response.content)
    os.replace(tmp, target)  # never a half-written file under the final name
    return target
