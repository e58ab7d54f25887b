"""Service areas on the real Copenhagen bike graph: served or not, and why.

Named zones are small boxes written here by hand (GeoJSON, so [lon, lat]) around places anyone
can find on a map: the medieval centre, the north-west districts, Christiania.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from maps.address_index import AddressRecord, read_address_records
from maps.geo import Point
from maps.graph import BikeGraph
from maps.snap import snap_points
from maps.zones import ServiceArea, ZoneError, coverage_from_nodes, load_zones

NORREGADE_12 = (55.6807, 12.5714)  # lat, lon: a street in the medieval centre
CHRISTIANIA = (55.6735, 12.5990)
OERESUND = (55.70, 12.70)  # open water between Copenhagen and Saltholm
FREDERIKSBERG_GARDENS = (55.6732, 12.5263)  # a park where bikes may not ride, ~200 m from a way


def box(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> list[list[list[float]]]:
    """GeoJSON polygon coordinates of a lon/lat box ([lon, lat] order)."""
    ring = [[lon_min, lat_min], [lon_max, lat_min], [lon_max, lat_max], [lon_min, lat_max]]
    return [[*ring, ring[0]]]


def feature(name: str | None, coordinates: Any, *, kind: str = "Polygon", **props: Any) -> dict:
    """A GeoJSON Feature with ``name`` (when given) and other properties."""
    properties = {**props, **({"name": name} if name is not None else {})}
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def collection(*features: dict) -> dict:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(features)}


NAMED_ZONES = collection(
    feature("car-free centre", box(12.566, 55.674, 12.590, 55.684)),
    feature("courier north-west", box(12.540, 55.680, 12.580, 55.700), courier="Ida"),
    feature("Christiania", box(12.594, 55.671, 12.604, 55.677), served=False),
)


@pytest.fixture(scope="session")
def area(cph_graph: BikeGraph) -> ServiceArea:
    """Coverage of the real bike graph plus the named zones, without snapping."""
    return ServiceArea.from_nodes(cph_graph.node_lat, cph_graph.node_lon, load_zones(NAMED_ZONES))


@pytest.fixture(scope="session")
def addresses(osm_path: Path) -> list[AddressRecord]:
    """Every address of the extract."""
    return read_address_records(osm_path)


def test_sampled_addresses_are_inside_the_coverage(
    area: ServiceArea, addresses: list[AddressRecord]
) -> None:
    """At least 99 % of 1,000 sampled addresses lie in the area the bike graph covers."""
    sample = random.Random(3).sample(addresses, 1_000)
    lat = np.array([r.lat for r in sample])
    lon = np.array([r.lon for r in sample])
    share = float(shapely.intersects_xy(area.coverage.geometry, lon, lat).mean())
    assert share >= 0.99, f"only {share:.1%} of sampled addresses inside the coverage"


def test_point_in_the_sea_is_not_served(area: ServiceArea) -> None:
    """A point in the Øresund is outside the coverage, with the distance in the reason."""
    check = area.check(*OERESUND)
    assert not check.served
    assert check.distance_outside_m > 3_000
    assert (
        check.reason
        == f"outside the service area, {check.distance_outside_m:,.0f} m beyond its edge"
    )


def test_point_in_named_zones_is_served_and_lists_them(area: ServiceArea) -> None:
    """Nørregade 12 is served and lies in the car-free centre and the north-west district."""
    check = area.check(*NORREGADE_12)
    assert check.served and check.reason is None
    assert check.zones == ("car-free centre", "courier north-west")
    assert check.distance_outside_m == 0.0


def test_zone_marked_not_served_excludes_its_area(area: ServiceArea) -> None:
    """A point in Christiania (served: false) is inside the coverage but not served."""
    check = area.check(*CHRISTIANIA)
    assert not check.served
    assert check.zones == ("Christiania",)
    assert check.reason == "in 'Christiania', which is not served"


def test_far_from_a_bikeable_way_is_not_served(area: ServiceArea, cph_graph: BikeGraph) -> None:
    """Inside the coverage but 200 m from any bikeable way: the snap distance is the reason."""

    def snap(lat: float, lon: float) -> float:
        return snap_points(cph_graph, [Point(lat, lon)], limit_m=250)[0].distance_m

    strict = ServiceArea(area.coverage, area.zones, snap=snap, snap_limit_m=150)
    check = strict.check(*FREDERIKSBERG_GARDENS)
    assert not check.served
    assert check.snap_distance_m is not None and check.snap_distance_m > 150
    assert check.reason == (
        f"{check.snap_distance_m:,.0f} m from the nearest bikeable way (limit 150 m)"
    )
    assert strict.check(*NORREGADE_12).served


def test_snap_error_message_becomes_the_reason(area: ServiceArea, cph_graph: BikeGraph) -> None:
    """When the snap function refuses the point (SnapError), its message is the reason."""

    def snap(lat: float, lon: float) -> float:
        return snap_points(cph_graph, [Point(lat, lon)], limit_m=100)[0].distance_m

    check = ServiceArea(area.coverage, snap=snap).check(*FREDERIKSBERG_GARDENS)
    assert not check.served
    assert (
        check.reason is not None and "from the nearest bikeable way (limit 100 m)" in check.reason
    )


def test_geojson_export_is_lon_first(area: ServiceArea) -> None:
    """The exported FeatureCollection has [lon, lat] coordinates and loads back as zones."""
    exported = area.to_geojson()
    lon, lat = exported["features"][0]["geometry"]["coordinates"][0][0]
    assert 12.4 < lon < 12.7 and 55.6 < lat < 55.75
    names = [zone.name for zone in load_zones(json.loads(json.dumps(exported)))]
    assert names == ["coverage", "car-free centre", "courier north-west", "Christiania"]


def test_zones_load_from_a_file(tmp_path: Path) -> None:
    """A .geojson file loads; extra properties are kept."""
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(NAMED_ZONES), encoding="utf-8")
    zones = load_zones(path)
    assert [z.served for z in zones] == [True, True, False]
    assert zones[1].properties == {"courier": "Ida"}


BOWTIE = [[[12.57, 55.67], [12.58, 55.68], [12.58, 55.67], [12.57, 55.68], [12.57, 55.67]]]


@pytest.mark.parametrize(
    ("zones", "message"),
    [
        (
            collection(feature("ok", box(12.57, 55.67, 12.58, 55.68)), feature("Bowtie", BOWTIE)),
            r"zone 'Bowtie' \(feature 2\): invalid geometry: Self-intersection",
        ),
        (
            collection(feature(None, box(12.57, 55.67, 12.58, 55.68))),
            r"feature 1: properties.name is missing",
        ),
        (
            collection(
                feature("a", box(12.57, 55.67, 12.58, 55.68)),
                feature("a", box(12.5, 55.6, 12.6, 55.7)),
            ),
            r"zone 'a' \(feature 2\): another zone already has this name",
        ),
        (
            collection(feature("depot", [12.57, 55.67], kind="Point")),
            r"zone 'depot' \(feature 1\): geometry must be a Polygon or MultiPolygon, not Point",
        ),
        (
            collection(feature("far", box(12.57, 95.0, 12.58, 96.0))),
            r"zone 'far' \(feature 1\): coordinates out of range; GeoJSON order is \[lon, lat\]",
        ),
        (
            collection(feature("open", {"not": "coordinates"})),
            r"zone 'open' \(feature 1\): unreadable geometry",
        ),
        ({"type": "Feature"}, r"zones must be a GeoJSON FeatureCollection"),
    ],
)
def test_invalid_zones_are_refused_naming_the_feature(zones: dict, message: str) -> None:
    """Each unusable zone definition raises ZoneError naming the feature and what is wrong."""
    with pytest.raises(ZoneError, match=message):
        load_zones(zones)


def test_unreadable_zone_file_is_refused(tmp_path: Path) -> None:
    """A zones file that is not JSON raises ZoneError naming the file."""
    path = tmp_path / "zones.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ZoneError, match=r"zones\.geojson: cannot read zones"):
        load_zones(path)


def test_lat_first_zone_is_refused(area: ServiceArea) -> None:
    """A zone written [lat, lon] (misses Copenhagen, would hit it swapped) is refused."""
    swapped = load_zones(collection(feature("backwards", box(55.674, 12.566, 55.684, 12.590))))
    with pytest.raises(ZoneError, match=r"zone 'backwards': .* look like \[lat, lon\]"):
        ServiceArea(area.coverage, swapped)


def test_coverage_needs_three_nodes_and_matching_arrays() -> None:
    """Too few nodes or lat/lon arrays of different lengths raise ValueError."""
    with pytest.raises(ValueError, match="at least three distinct nodes"):
        coverage_from_nodes(np.array([55.0, 55.0]), np.array([12.0, 12.0]))
    with pytest.raises(ValueError, match="node_lat has 3 values but node_lon has 2"):
        coverage_from_nodes(np.array([55.0, 55.1, 55.2]), np.array([12.0, 12.1]))


@pytest.mark.parametrize(
    ("lat", "lon", "field"), [(91.0, 12.5, "lat"), (55.6, float("nan"), "lon")]
)
def test_impossible_coordinates_raise(
    area: ServiceArea, lat: float, lon: float, field: str
) -> None:
    """A latitude beyond ±90 or a NaN longitude is an input error naming the field."""
    with pytest.raises(ValueError, match=f"^{field}:"):
        area.check(lat, lon)
