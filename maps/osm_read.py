"""Read the bikeable ways of an OSM file with pyosmium.

pyosmium reads ``.osm``, ``.osm.bz2``, ``.osm.gz`` and ``.osm.pbf`` alike and keeps node locations
in memory, so a way arrives with its coordinates. Only ways with a ``highway`` tag are looked at;
:func:`maps.bike_rules.classify_way` decides which of them a cargo bike may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium

from maps.bike_rules import WayRule, classify_way
from maps.profiles import PedestrianMode

OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml", ".xml.bz2", ".xml.gz")


class GraphSourceError(ValueError):
    """The OSM source cannot give a bike graph: missing, unreadable, empty or without bike ways.

    Attributes
    ----------
    source : str
        The file or place that was asked for.
    reason : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class RawWay:
    """One bikeable OSM way (or the part of it whose nodes are in the file).

    Attributes
    ----------
    way_id : int
        OSM way id (negative for pieces the extract split off).
    node_ids : np.ndarray
        int64 OSM node ids in way order.
    lat, lon : np.ndarray
        float64 degrees (WGS84) of those nodes.
    rule : WayRule
        Directions and speed class.
    highway : str
        The ``highway`` tag.
    name : str
        The ``name`` tag or "".
    """

    way_id: int
    node_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    rule: WayRule
    highway: str
    name: str


def check_osm_file(path: Path) -> None:
    """Raise :class:`GraphSourceError` unless ``path`` is a readable, non-empty OSM file."""
    source = str(path)
    if not path.exists():
        raise GraphSourceError(source, "file not found")
    if not path.is_file():
        raise GraphSourceError(source, "is not a file")
    if not any(path.name.lower().endswith(suffix) for suffix in OSM_SUFFIXES):
        raise GraphSourceError(
            source, f"not an OSM file (expected one of {', '.join(OSM_SUFFIXES)})"
        )
    try:
        with open(path, "rb") as handle:
            first = handle.read(1)
    except OSError as exc:
        raise GraphSourceError(source, f"cannot be read ({exc.strerror})") from exc
    if not first:
        raise GraphSourceError(source, "file is empty")


def read_bike_ways(
    path: Path, pedestrian_zones: PedestrianMode = "walk"
) -> tuple[list[RawWay], int]:
    """Read every way a cargo bike may use from an OSM file.

    Ways that refer to nodes missing from the file are split at the gaps; pieces with fewer
    than two known nodes are dropped.

    Parameters
    ----------
    path : Path
        OSM file (``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``).
    pedestrian_zones : {"walk", "ride", "exclude"}
        See :class:`maps.profiles.BikeProfile`.

    Returns
    -------
    ways : list of RawWay
        The bikeable ways.
    highway_ways : int
        How many ways with a ``highway`` tag the file holds (bikeable or not).

    Raises
    ------
    GraphSourceError
        Missing, unreadable, empty or corrupt file, or a file without any bikeable way.
    """
    path = Path(path)
    check_osm_file(path)
    ways: list[RawWay] = []
    highway_ways = 0
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            highway_ways += 1
            tags = dict(way.tags)
            rule = classify_way(tags, pedestrian_zones)
            if rule is None:
                continue
            ways.extend(_pieces(way, rule, tags))  # type: ignore[arg-type]
    except RuntimeError as exc:
        raise GraphSourceError(str(path), f"cannot be read as OSM data ({exc})") from exc
    if highway_ways == 0:
        raise GraphSourceError(str(path), "holds no streets or paths (no way with a highway tag)")
    if not ways:
        raise GraphSourceError(
            str(path), f"none of its {highway_ways} highway ways may be used by a cargo bike"
        )
    return ways, highway_ways


def _pieces(way: osmium.osm.Way, rule: WayRule, tags: dict[str, str]) -> list[RawWay]:
    """Split a way at nodes without a location (outside a clipped extract)."""
    pieces: list[RawWay] = []
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    highway, name = tags.get("highway", ""), tags.get("name", "")

    def flush() -> None:
        if len(ids) >= 2:
            pieces.append(
                RawWay(
                    way.id,
                    np.array(ids, dtype=np.int64),
                    np.array(lats),
                    np.array(lons),
                    rule,
                    highway,
                    name,
                )
            )
        ids.clear()
        lats.clear()
        lons.clear()

    for node in way.nodes:
        location = node.location
        if not location.valid():
            flush()
            continue
        if ids and ids[-1] == node.ref:
            continue  # repeated node in the way: no segment
        ids.append(node.ref)
        lats.append(location.lat)
        lons.append(location.lon)
    flush()
    return pieces
