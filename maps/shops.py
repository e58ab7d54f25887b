"""Shops of an OSM extract: the merchants whose parcels the depot collects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium

from maps.osm_read import GraphSourceError, check_osm_file


@dataclass(frozen=True)
class Shop:
    """A ``shop=*`` feature.

    Attributes
    ----------
    name : str
        ``name`` tag, or the shop kind when unnamed.
    kind : str
        The ``shop`` tag (``clothes``, ``bakery``...).
    lat, lon : float
        WGS84 degrees; the mean of a building's nodes for ways.
    address : str
        ``"street number"`` when tagged, else "".
    osm_id : int
        Node or way id.
    """

    name: str
    kind: str
    lat: float
    lon: float
    address: str
    osm_id: int


class _ShopHandler(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.shops: list[Shop] = []

    def _add(self, tags: osmium.osm.TagList, lat: float, lon: float, ident: int) -> None:
        kind = tags.get("shop") or ""
        if not kind or kind in ("no", "vacant"):
            return
        street, number = tags.get("addr:street") or "", tags.get("addr:housenumber") or ""
        address = f"{street} {number}".strip() if street else ""
        name = (tags.get("name") or "").strip() or kind.replace("_", " ")
        self.shops.append(Shop(name, kind, lat, lon, address, ident))

    def node(self, n: osmium.osm.Node) -> None:
        if "shop" in n.tags and n.location.valid():
            self._add(n.tags, n.location.lat, n.location.lon, n.id)

    def way(self, w: osmium.osm.Way) -> None:
        if "shop" not in w.tags:
            return
        points = [(nd.lat, nd.lon) for nd in w.nodes if nd.location.valid()]
        if points:
            lat, lon = np.mean(np.asarray(points), axis=0)
            self._add(w.tags, float(lat), float(lon), w.id)


def read_shops(path: Path) -> list[Shop]:
    """Every shop of an OSM file, in file order.

    Raises
    ------
    GraphSourceError
        If the file is missing, empty or not OSM data.
    """
    path = Path(path)
    check_osm_file(path)
    handler = _ShopHandler()
    try:
        handler.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise GraphSourceError(str(path), f"cannot be read as OSM data ({exc})") from exc
    return handler.shops
