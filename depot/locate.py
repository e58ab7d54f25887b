"""Where an address is, and whether the depot serves it: geocoding and the service area on intake.

A :class:`Locator` answers with a :class:`Location` that always exists: when an address cannot be
found, is uncertain, or lies outside the service area, ``problem`` says so in words a depot
worker can act on, and the order is kept for their attention rather than refused. The geocoder
and the service area are injected (tests and the API build them once from the OSM extract).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maps.geo import Point
from maps.geocode import GeocodeError, Geocoder, OfflineGeocoder
from maps.graph import load_graph
from maps.profiles import BikeProfile
from maps.snap import nearest_way_distance_m
from maps.zones import ServiceArea, Zone

#: Below this geocoder score a match is too unsure to deliver to without a person checking it.
MIN_GEOCODE_SCORE = 0.8


@dataclass(frozen=True)
class Location:
    """The outcome of locating an address.

    Attributes
    ----------
    lat, lon : float or None
        WGS84 degrees; ``None`` when the address could not be found.
    matched_address : str or None
        The address as the geocoder's data spells it.
    score : float or None
        Geocoder confidence 0..1 (``None`` for coordinates given by the caller).
    problem : str or None
        Why the order needs attention before it can be planned; ``None`` when all is well.
    """

    lat: float | None
    lon: float | None
    matched_address: str | None
    score: float | None
    problem: str | None


class Locator:
    """Geocodes addresses and checks them against the service area.

    Parameters
    ----------
    geocoder : Geocoder or None
        Forward geocoder; ``None`` leaves street addresses unlocated, and says so.
    area : ServiceArea or None
        Where bikes deliver; ``None`` leaves locations unchecked, and says so.
    min_score : float
        Matches scoring lower, or matched by assuming something (another house number or
        postcode), need a person to confirm them.
    """

    def __init__(
        self,
        geocoder: Geocoder | None,
        area: ServiceArea | None,
        *,
        min_score: float = MIN_GEOCODE_SCORE,
    ) -> None:
        self.geocoder = geocoder
        self.area = area
        self.min_score = min_score

    def locate_text(self, query: str) -> Location:
        """Geocode a one-line address, then check the service area.

        Parameters
        ----------
        query : str
            ``"Nørregade 12, 1165 København K"``.

        Returns
        -------
        Location
            With ``problem`` set when the address is not found, uncertain or not served.
        """
        if self.geocoder is None:
            return Location(
                None,
                None,
                None,
                None,
                "address not located: no geocoder is configured (set BAKFIETS_OSM_FILE)",
            )
        try:
            found = self.geocoder.geocode(query)
        except GeocodeError as exc:
            prefix = "geocoder unavailable" if exc.transient else "address not found"
            return Location(None, None, None, None, f"{prefix}: {exc.reason}")
        if found.note or found.score < self.min_score:
            assumed = f" ({found.note})" if found.note else f" (score {found.score:.2f})"
            problem = f"address uncertain: '{query}' matched '{found.address}'{assumed}"
            return Location(found.lat, found.lon, found.address, found.score, problem)
        located = self.check_point(found.lat, found.lon)
        return Location(found.lat, found.lon, found.address, found.score, located.problem)

    def check_point(self, lat: float, lon: float) -> Location:
        """Check given coordinates (WGS84 degrees) against the service area."""
        if self.area is None:
            problem = "not checked against the service area: none is configured"
            return Location(lat, lon, None, None, problem)
        check = self.area.check(lat, lon)
        return Location(lat, lon, None, None, None if check.served else check.reason)


def build_locator(
    osm_file: Path,
    *,
    profile: BikeProfile,
    cache_dir: Path | None,
    snap_limit_m: float,
    zones: tuple[Zone, ...] = (),
) -> Locator:
    """The offline geocoder and the bike graph's service area for an OSM extract.

    Both are cached under ``cache_dir`` (keyed by the file's SHA-256), so a second start takes
    a second or so.

    Parameters
    ----------
    osm_file : Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` extract.
    profile : BikeProfile
        Bike profile of the graph whose coverage is the service area.
    cache_dir : Path or None
        Where built graphs and geocoder indexes are kept.
    snap_limit_m : float
        Farthest an address may lie from a bikeable way and still be served, metres.
    zones : tuple of Zone
        Named zones (``served=False`` ones are excluded from the area).

    Returns
    -------
    Locator

    Raises
    ------
    maps.geocode.AddressSourceError, maps.osm_read.GraphSourceError
        The extract is missing, unreadable or has no addresses or bikeable ways.
    """
    geocoder = OfflineGeocoder.from_osm(osm_file, cache_dir=cache_dir)
    graph = load_graph(osm_file, profile, cache_dir=cache_dir)

    def snap_distance_m(lat: float, lon: float) -> float:
        return float(nearest_way_distance_m(graph, [Point(lat, lon)])[0])

    area = ServiceArea.from_nodes(
        graph.node_lat, graph.node_lon, zones, snap=snap_distance_m, snap_limit_m=snap_limit_m
    )
    return Locator(geocoder, area)
