"""Geocoding: addresses to coordinates and back.

One protocol, two implementations:

- :class:`OfflineGeocoder` answers from the ``addr:*`` tags of an OSM extract — no network, so it
  is what tests, demos and the depot use by default;
- :class:`~maps.geocode_geopy.GeopyGeocoder` wraps a geopy geocoder (Nominatim by default) for
  production, throttled and cached.

Both answer with a :class:`GeocodeResult` or raise :class:`GeocodeError`, whose ``reason`` says
why in words a depot worker can act on. Coordinates are named ``lat`` / ``lon`` (WGS84 degrees).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from maps.address_index import (
    INDEX_FORMAT,
    AddressIndex,
    AddressNotFoundError,
    AddressRecord,
    AddressSourceError,
    read_address_records,
)
from maps.address_text import parse_query_variants
from maps.cache import cache_key, cached, file_sha256

__all__ = [
    "AddressRecord",
    "AddressSourceError",
    "GeocodeError",
    "GeocodeResult",
    "Geocoder",
    "OfflineGeocoder",
]


@dataclass(frozen=True)
class GeocodeResult:
    """A found address.

    Attributes
    ----------
    query : str
        What was asked: the address text, or ``"lat, lon"`` for a reverse lookup.
    lat, lon : float
        WGS84 degrees of the address.
    address : str
        The matched address as the data spells it (``"Nørregade 12, 1165 København K"``).
    score : float
        Confidence 0..1: 1 for an exact street and number; lower for a fuzzy street name, a
        neighbouring house number, another postcode, or (reverse) a distant address.
    note : str or None
        What was assumed when the match is not exact (``"Nørregade has no 13; nearest is 11"``).
    distance_m : float or None
        Reverse lookups: metres from the asked point to the address. ``None`` for forward ones.
    """

    query: str
    lat: float
    lon: float
    address: str
    score: float
    note: str | None = None
    distance_m: float | None = None


class GeocodeError(LookupError):
    """An address (or point) could not be geocoded.

    Attributes
    ----------
    query : str
        What was asked.
    reason : str
        Why it failed, e.g. ``"no street like 'Xyzgade' in this area"``.
    transient : bool
        ``True`` when asking again later may work (service down, timed out, rate-limited).
    """

    def __init__(self, query: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(f"{query}: {reason}")
        self.query = query
        self.reason = reason
        self.transient = transient


@runtime_checkable
class Geocoder(Protocol):
    """Anything that turns addresses into coordinates and back."""

    def geocode(self, query: str) -> GeocodeResult:
        """Coordinates of an address; raises :class:`GeocodeError` with the reason if none."""
        ...

    def reverse(self, lat: float, lon: float) -> GeocodeResult:
        """Address at or nearest to (lat, lon); raises :class:`GeocodeError` if none."""
        ...


class OfflineGeocoder:
    """Geocoder over the addresses of an OSM extract.

    Tolerates case, accents (``ø``/``oe``, ``å``/``aa``, ``é``), punctuation, the usual Danish and
    English abbreviations (``Skt.``, ``Gl.``, ``Kgs.``, ``Ndr.``, ``H.C.``, ``...v.``/``...g.``,
    ``St``/``Street``) and typos in the street name. House numbers like ``12A``, ``12 A`` and
    ``12, 2. th`` are understood; a number that does not exist falls back to the nearest one on
    the same side of the street, with a lower score and a note.

    Parameters
    ----------
    index : AddressIndex
        The address index (see :meth:`from_osm`).
    max_reverse_distance_m : float
        :meth:`reverse` refuses points farther than this from every address, metres.
    """

    def __init__(self, index: AddressIndex, *, max_reverse_distance_m: float = 150.0) -> None:
        self.index = index
        self.max_reverse_distance_m = max_reverse_distance_m

    @classmethod
    def from_osm(cls, path: Path | str, cache_dir: Path | None = None) -> OfflineGeocoder:
        """Build (or load from the cache) the geocoder for an OSM file.

        Parameters
        ----------
        path : Path or str
            ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` extract.
        cache_dir : Path, optional
            Where to keep the built index, keyed by the file's SHA-256 and
            :data:`~maps.address_index.INDEX_FORMAT`; ``None`` builds it every time.

        Returns
        -------
        OfflineGeocoder

        Raises
        ------
        AddressSourceError
            The file is missing, empty, unreadable or has no addresses.
        """
        path = Path(path)
        if path.is_dir():
            raise AddressSourceError(str(path), "is a directory, not an OSM file")
        if not path.is_file():
            raise AddressSourceError(str(path), "no such file")
        try:
            digest = file_sha256(path)
        except OSError as exc:
            raise AddressSourceError(str(path), f"cannot read it ({exc.strerror})") from exc
        key = cache_key(digest, INDEX_FORMAT)
        index = cached(cache_dir, "geocoder", key, lambda: AddressIndex(read_address_records(path)))
        return cls(index)

    @property
    def addresses(self) -> Sequence[AddressRecord]:
        """Every address in the index, in file order."""
        return self.index.records

    def geocode(self, query: str) -> GeocodeResult:
        """Coordinates of a typed address.

        Parameters
        ----------
        query : str
            ``"Nørregade 12"``, ``"nørregade 12a, 1165 København K"``, ``"Skt. Hans Torv 3"``.

        Returns
        -------
        GeocodeResult

        Raises
        ------
        GeocodeError
            Empty query, no street like it, no house number, or a number far outside the
            street's numbers; ``reason`` says which.
        """
        if not query or not query.strip():
            raise GeocodeError(query, "the address is empty")
        hit = None
        first_failure: str | None = None
        for parsed in parse_query_variants(query):
            try:
                found = self.index.lookup(parsed)
            except AddressNotFoundError as exc:
                first_failure = first_failure or exc.reason
                continue
            if hit is None or found.score > hit.score:
                hit = found
        if hit is None:
            raise GeocodeError(query, first_failure or "not found")
        record = hit.record
        return GeocodeResult(query, record.lat, record.lon, record.label, hit.score, hit.note)

    def reverse(self, lat: float, lon: float) -> GeocodeResult:
        """The address nearest to (lat, lon), with its distance.

        Parameters
        ----------
        lat, lon : float
            WGS84 degrees.

        Returns
        -------
        GeocodeResult
            ``distance_m`` is the straight-line distance from (lat, lon) to the address.

        Raises
        ------
        GeocodeError
            The coordinates are not valid, or no address is within ``max_reverse_distance_m``.
        """
        query = f"{lat:.6f}, {lon:.6f}"
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise GeocodeError(f"{lat}, {lon}", "not a valid latitude, longitude")
        hit = self.index.nearest(lat, lon)
        assert hit.distance_m is not None
        if hit.distance_m > self.max_reverse_distance_m:
            raise GeocodeError(
                query,
                f"no address within {self.max_reverse_distance_m:,.0f} m "
                f"(nearest is {hit.record.label}, {hit.distance_m:,.0f} m away)",
            )
        record = hit.record
        return GeocodeResult(
            query, record.lat, record.lon, record.label, hit.score, distance_m=hit.distance_m
        )
