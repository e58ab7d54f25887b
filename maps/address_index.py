"""The offline address index: every ``addr:*`` feature of an OSM file, searchable both ways.

Forward lookup finds the street by fuzzy match on :func:`~maps.address_text.street_key` (rapidfuzz
``ratio`` against the list of streets in the file), then the house number on that street exactly,
or the nearest existing number on the same side of the street with a lower score. Reverse lookup
is a k-d tree over the points in a local metric projection.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from maps.address_text import (
    ParsedQuery,
    fold,
    number_key,
    number_value,
    range_keys,
    street_key,
)
from maps.zones import projection_around

#: Bump when the index layout or the normalisation changes, so cached indexes are rebuilt.
INDEX_FORMAT = "address-index-1"

#: Least rapidfuzz ``ratio`` (0..100) between street keys to count as the same street. One typo
#: in a six-letter name scores about 83; "xyzgade" against "nygade" scores 77.
STREET_CUTOFF = 80.0

# Score factors for a number that is not the one asked for.
_SAME_NUMBER_OTHER_LETTER = 0.9
_NEIGHBOUR_NUMBER = 0.7
_FAR_NUMBER = 0.55
_OTHER_POSTCODE = 0.85
# Similarity points (0..100) below the best street that still count as a candidate.
_MARGIN = 4.0
# How far outside a street's numbers an asked number may be and still fall back to the nearest.
_NUMBER_SLACK = 4


class AddressSourceError(ValueError):
    """The OSM file cannot give an address index: missing, unreadable, empty or without addresses.

    Attributes
    ----------
    source : str
        The file that was asked for.
    reason : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class AddressNotFoundError(LookupError):
    """No address matches; ``reason`` says why in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """One addressed OSM feature.

    Attributes
    ----------
    street, housenumber : str
        ``addr:street`` and ``addr:housenumber`` as tagged (whitespace trimmed).
    postcode, city : str or None
        ``addr:postcode`` and ``addr:city``.
    lat, lon : float
        WGS84 degrees; for a way, the centroid of its nodes.
    osm_type : str
        ``"node"`` or ``"way"``.
    osm_id : int
        OSM id.
    """

    street: str
    housenumber: str
    postcode: str | None
    city: str | None
    lat: float
    lon: float
    osm_type: str
    osm_id: int

    @property
    def label(self) -> str:
        """``"Nørregade 12, 1165 København K"`` (postcode and city when tagged)."""
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return f"{self.street} {self.housenumber}" + (f", {place}" if place else "")


@dataclass(frozen=True, slots=True)
class AddressHit:
    """A forward or reverse lookup answer: which record, how good, and any caveat."""

    record: AddressRecord
    score: float
    note: str | None = None
    distance_m: float | None = None


class _AddressHandler(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[AddressRecord] = []

    def _add(self, tags: osmium.osm.TagList, lat: float, lon: float, kind: str, ident: int) -> None:
        street = (tags.get("addr:street") or "").strip()
        housenumber = (tags.get("addr:housenumber") or "").strip()
        if not street or number_key(housenumber) is None:
            return
        postcode = (tags.get("addr:postcode") or "").strip() or None
        city = (tags.get("addr:city") or "").strip() or None
        self.records.append(
            AddressRecord(street, housenumber, postcode, city, lat, lon, kind, ident)
        )

    def node(self, n: osmium.osm.Node) -> None:
        if "addr:housenumber" in n.tags and n.location.valid():
            self._add(n.tags, n.location.lat, n.location.lon, "node", n.id)

    def way(self, w: osmium.osm.Way) -> None:
        if "addr:housenumber" not in w.tags:
            return
        points = [(nd.lat, nd.lon) for nd in w.nodes if nd.location.valid()]
        if w.is_closed() and len(points) > 1:
            points = points[:-1]  # the closing node would count twice in the mean
        if points:
            lat, lon = np.mean(np.asarray(points), axis=0)
            self._add(w.tags, float(lat), float(lon), "way", w.id)


def read_address_records(path: Path) -> list[AddressRecord]:
    """Read every feature with ``addr:street`` and ``addr:housenumber`` from an OSM file.

    Nodes give their location, ways the mean of their nodes (a building's centroid is within a
    few metres of it). Relations are not read.

    Parameters
    ----------
    path : Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.

    Returns
    -------
    list of AddressRecord
        In file order.

    Raises
    ------
    AddressSourceError
        The file is missing, empty, not OSM data, or has no addresses.
    """
    path = Path(path)
    if path.is_dir():
        raise AddressSourceError(str(path), "is a directory, not an OSM file")
    if not path.is_file():
        raise AddressSourceError(str(path), "no such file")
    if path.stat().st_size == 0:
        raise AddressSourceError(str(path), "the file is empty")
    handler = _AddressHandler()
    try:
        handler.apply_file(str(path), locations=True)
    except (RuntimeError, OSError, ValueError) as exc:
        raise AddressSourceError(str(path), f"not a readable OSM file ({exc})") from exc
    if not handler.records:
        raise AddressSourceError(
            str(path), "no addresses in it (no feature has addr:street and addr:housenumber)"
        )
    return handler.records


class AddressIndex:
    """Street and house-number index plus a k-d tree over the address points.

    Parameters
    ----------
    records : sequence of AddressRecord
        The addresses, e.g. from :func:`read_address_records`.
    """

    def __init__(self, records: list[AddressRecord]) -> None:
        if not records:
            raise ValueError("an address index needs at least one address")
        self.records = list(records)
        lat = np.array([r.lat for r in self.records])
        lon = np.array([r.lon for r in self.records])
        self.projection = projection_around(lat, lon)
        self._tree = cKDTree(np.column_stack(self.projection.to_xy(lat, lon)))

        names: dict[str, Counter[str]] = defaultdict(Counter)
        numbers: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, record in enumerate(self.records):
            key = street_key(record.street)
            names[key][record.street] += 1
            for number in range_keys(record.housenumber):
                numbers[key][number].append(i)
        self.street_keys: list[str] = sorted(names)
        self.street_names = {key: names[key].most_common(1)[0][0] for key in self.street_keys}
        self._numbers = {key: dict(numbers[key]) for key in self.street_keys}

    def __len__(self) -> int:
        return len(self.records)

    def street_candidates(self, street: str) -> list[tuple[str, float]]:
        """Streets whose key is within :data:`STREET_CUTOFF` of ``street``'s, best first.

        Parameters
        ----------
        street : str
            Street part of a query, as typed.

        Returns
        -------
        list of (str, float)
            Street key and similarity 0..1; an exact key alone when there is one.
        """
        key = street_key(street)
        if not key:
            return []
        if key in self._numbers:
            return [(key, 1.0)]
        found = process.extract(
            key, self.street_keys, scorer=fuzz.ratio, score_cutoff=STREET_CUTOFF, limit=8
        )
        if not found:
            return []
        # Keep only the near-best: a street that matches the name clearly better must not lose
        # to a worse-matching one just because the other has the asked house number.
        top = found[0][1]
        return [(choice, score / 100.0) for choice, score, _ in found if score >= top - _MARGIN]

    def number_range(self, key: str) -> tuple[int, int]:
        """Lowest and highest house number on a street (by its key)."""
        # Worked out once per street: every lookup asks, and a long street has hundreds of
        # numbers to parse (a fifth of an order's intake time before). The cache is filled
        # lazily so that indexes pickled before it existed still load.
        ranges: dict[str, tuple[int, int]] = self.__dict__.setdefault("_number_ranges", {})
        found = ranges.get(key)
        if found is None:
            values = [number_value(n) for n in self._numbers[key]]
            found = ranges[key] = (min(values), max(values))
        return found

    def lookup(self, parsed: ParsedQuery) -> AddressHit:
        """Find the address a parsed query means.

        Parameters
        ----------
        parsed : ParsedQuery
            Output of :func:`~maps.address_text.parse_query`.

        Returns
        -------
        AddressHit
            The best record; ``score`` is street similarity × number factor × postcode factor.

        Raises
        ------
        AddressNotFoundError
            No street is close enough, no number was given, or the number is far outside the
            numbers the street has.
        """
        typed = parsed.street or "(none)"
        candidates = self.street_candidates(parsed.street)
        if not candidates:
            raise AddressNotFoundError(self._no_street_reason(parsed.street))
        if parsed.number is None:
            key = candidates[0][0]
            low, high = self.number_range(key)
            raise AddressNotFoundError(
                f"no house number in '{typed}'; {self.street_names[key]} has numbers {low}–{high}"
            )
        best: AddressHit | None = None
        for key, similarity in candidates:
            found = self._number_on_street(key, parsed)
            if found is None:
                continue
            record_id, factor, note = found
            record = self.records[record_id]
            if parsed.postcode and record.postcode and record.postcode != parsed.postcode:
                factor *= _OTHER_POSTCODE
                note = _join(note, f"postcode is {record.postcode}, not {parsed.postcode}")
            score = round(similarity * factor, 3)
            if best is None or score > best.score:
                best = AddressHit(record=record, score=score, note=note)
        if best is None:
            key = candidates[0][0]
            low, high = self.number_range(key)
            raise AddressNotFoundError(
                f"{self.street_names[key]} has no number {parsed.number}; "
                f"numbers {low}–{high} exist"
            )
        return best

    def nearest(self, lat: float, lon: float) -> AddressHit:
        """The address point nearest to (lat, lon), with its straight-line distance in metres.

        Parameters
        ----------
        lat, lon : float
            WGS84 degrees.

        Returns
        -------
        AddressHit
            ``distance_m`` set; ``score`` falls from 1 at 0 m to 0.5 at 50 m.
        """
        x, y = self.projection.to_xy(np.array([lat]), np.array([lon]))
        distance_m, i = self._tree.query([x[0], y[0]])
        score = round(1.0 / (1.0 + float(distance_m) / 50.0), 3)
        return AddressHit(self.records[int(i)], score=score, distance_m=float(distance_m))

    def _number_on_street(
        self, key: str, parsed: ParsedQuery
    ) -> tuple[int, float, str | None] | None:
        numbers = self._numbers[key]
        asked = parsed.number
        assert asked is not None
        name = self.street_names[key]
        if asked in numbers:
            return self._pick(numbers[asked], parsed), 1.0, None
        value = number_value(asked)
        same_value = sorted(n for n in numbers if number_value(n) == value)
        if same_value:
            return (
                self._pick(numbers[same_value[0]], parsed),
                _SAME_NUMBER_OTHER_LETTER,
                f"{name} has no {asked}; using {same_value[0]}",
            )
        low, high = self.number_range(key)
        if not low - _NUMBER_SLACK <= value <= high + _NUMBER_SLACK:
            return None
        # Danish streets number odd on one side and even on the other: stay on the asked side.
        same_side = [n for n in numbers if number_value(n) % 2 == value % 2] or list(numbers)
        nearest = min(same_side, key=lambda n: (abs(number_value(n) - value), n))
        gap = abs(number_value(nearest) - value)
        factor = _NEIGHBOUR_NUMBER if gap <= 2 else _FAR_NUMBER
        note = f"{name} has no {asked}; nearest is {nearest}"
        return self._pick(numbers[nearest], parsed), factor, note

    def _pick(self, record_ids: list[int], parsed: ParsedQuery) -> int:
        """Among records with the same street and number, the one the postcode or city names."""
        if len(record_ids) == 1:
            return record_ids[0]

        def fit(i: int) -> tuple[bool, bool]:
            record = self.records[i]
            same_postcode = bool(parsed.postcode) and record.postcode == parsed.postcode
            same_city = bool(parsed.city) and fold(record.city or "").startswith(parsed.city or "")
            return same_postcode, same_city

        return max(record_ids, key=fit)

    def _no_street_reason(self, street: str) -> str:
        key = street_key(street)
        if not key:
            return "no street name in the address"
        closest = process.extractOne(key, self.street_keys, scorer=fuzz.ratio)
        hint = f" (closest: {self.street_names[closest[0]]})" if closest else ""
        return f"no street like '{street.strip()}' in this area{hint}"


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
