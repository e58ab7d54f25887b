"""From a planned round to manifest and slip data: numbers, ETAs, parcels, demo codes."""

from __future__ import annotations

import pytest

from depot.day import Bike, DayRequest, ParcelStop, Place
from depot.paper.demo import demo_slips, demo_stop_parcels
from depot.paper.from_plan import (
    Placement,
    StopParcels,
    manifest_data_from_round,
    placements,
    stop_numbers,
)
from depot.planning import PlannedVisit, Round
from maps.route import Route as StreetRoute

H = 3600
DEPOT = Place("depot", "City depot, Vesterbrogade 1", 55.6738, 12.5646)
SHOP = Place("s1", "Vesterbro Vin, Vesterbrogade 60B", 55.6712, 12.5520)
HOME = Place("a1", "Amaliegade 13C, 1256 København K", 55.6829, 12.5915)
OFFICE = Place("a2", "Nørregade 12, 1165 København K", 55.6800, 12.5730)


def visit(
    stop_id: str | None, kind: str, place: Place, arrival_s: int, start_s: int
) -> PlannedVisit:
    """A planned call (served for five minutes from ``start_s``)."""
    return PlannedVisit(
        stop_id=stop_id,
        kind=kind,
        label=place.label,
        lat=place.lat,
        lon=place.lon,
        arrival_s=arrival_s,
        start_s=start_s,
        end_s=start_s + 300,
        load_after_g=0,
        windows=((10 * H, 12 * H),) if stop_id else (),
    )


def leg(a: Place, b: Place) -> StreetRoute:
    """A straight leg between two places."""
    return StreetRoute(60.0, 500.0, (), (a.lat, b.lat), (a.lon, b.lon))


#: D1 waits at the door for its window (arrives 09:50, served 10:00); a reload; P1 then C1.
ROUND = Round(
    bike_id="bike-02",
    start_s=9 * H + 40 * 60,
    end_s=12 * H,
    distance_m=7_300,
    visits=(
        visit("D1", "delivery", OFFICE, 9 * H + 50 * 60, 10 * H),
        visit(None, "reload", DEPOT, 10 * H + 20 * 60, 10 * H + 20 * 60),
        visit("P1", "pickup", SHOP, 10 * H + 45 * 60, 10 * H + 45 * 60),
        visit("C1", "delivery", HOME, 11 * H + 10 * 60, 11 * H + 10 * 60),
    ),
    breaks=(),
    trips=2,
    peak_load_g=9_000,
    legs=(
        leg(DEPOT, OFFICE),
        leg(OFFICE, DEPOT),
        leg(DEPOT, SHOP),
        leg(SHOP, HOME),
        leg(HOME, DEPOT),
    ),
)
PARCELS = {
    "D1": StopParcels("Mads Nielsen", ("BK-1",), 1_200, "ring twice"),
    "P1": StopParcels("Vesterbro Vin", ("BK-2", "BK-3"), 9_000),
    "C1": StopParcels("Karen Holm", ("BK-2", "BK-3"), 9_000),
}


def test_manifest_keeps_order_and_eta_is_the_arrival() -> None:
    """Calls keep the round's order; reloads are not numbered; the ETA is the arrival at the
    door (as in the courier's plan JSON), not the start of service after waiting."""
    data = manifest_data_from_round(
        ROUND, depot=DEPOT, round_ref="R7", service_date=None, parcels=PARCELS
    )
    assert [(s.number, s.kind, s.stop_id, s.eta_s) for s in data.stops] == [
        (1, "delivery", "D1", 9 * H + 50 * 60),
        (None, "reload", None, 10 * H + 20 * 60),
        (2, "pickup", "P1", 10 * H + 45 * 60),
        (3, "delivery", "C1", 11 * H + 10 * 60),
    ]
    first = data.stops[0]
    assert (first.customer, first.parcel_codes, first.notes) == (
        "Mads Nielsen",
        ("BK-1",),
        "ring twice",
    )
    assert first.window_text == "10:00–12:00" and first.address == OFFICE.label
    assert data.stops[1].address == DEPOT.label
    assert (data.round_ref, data.bike, data.trips, data.distance_m) == ("R7", "bike-02", 2, 7_300)
    assert len(data.legs) == 5 and data.legs[0].lat == (DEPOT.lat, OFFICE.lat)
    assert data.parcels == 5  # one at D1, two picked up at P1, the same two delivered at C1


def test_a_stop_without_parcels_is_refused() -> None:
    """A planned stop missing from the parcels given is named, not printed empty."""
    with pytest.raises(ValueError, match=r"^parcels: .*C1"):
        manifest_data_from_round(
            ROUND,
            depot=DEPOT,
            round_ref="R7",
            service_date=None,
            parcels={k: v for k, v in PARCELS.items() if k != "C1"},
        )


def test_stop_numbers_skip_reloads() -> None:
    """The n-th call that is not a reload is stop n."""
    assert stop_numbers(ROUND) == {"D1": 1, "P1": 2, "C1": 3}


def test_demo_parcels_follow_a_parcel_from_shop_to_door() -> None:
    """A shop pickup carries its customer's codes; each delivered parcel gets one slip, its
    weight a share of the stop's, and a stop in no round prints "not planned yet"."""
    request = DayRequest(
        depot=DEPOT,
        stops=(
            ParcelStop("D1", OFFICE, "delivery", 1_001, 3_000, 3, 180, ((10 * H, 12 * H),)),
            ParcelStop("P1", SHOP, "pickup", 9_000, 20_000, 2, 180, (), pair_with="C1"),
            ParcelStop("C1", HOME, "delivery", 9_000, 20_000, 2, 120, (), pair_with="P1"),
        ),
        bikes=(Bike("bike-02", 100_000, 400_000, 8 * H, 16 * H),),
    )
    handed = demo_stop_parcels(request)
    assert handed["P1"].parcel_codes == handed["C1"].parcel_codes == ("DEMO-C1-1", "DEMO-C1-2")
    assert handed["P1"].customer == "Vesterbro Vin"
    assert handed["D1"].parcel_codes == ("DEMO-D1-1", "DEMO-D1-2", "DEMO-D1-3")
    slips = demo_slips(request, {"C1": Placement("bike-02", 3)}, public_url="https://b.dk/")
    assert [s.label_code for s in slips] == [
        "DEMO-C1-1",
        "DEMO-C1-2",
        "DEMO-D1-1",
        "DEMO-D1-2",
        "DEMO-D1-3",
    ]
    assert [s.weight_g for s in slips[2:]] == [334, 334, 333]
    assert all(s.demo for s in slips)
    assert (slips[0].round_ref, slips[0].stop_number, slips[0].index, slips[0].count) == (
        "bike-02",
        3,
        1,
        2,
    )
    assert slips[0].shop_name == "Vesterbro Vin"
    assert slips[0].tracking_url == "https://b.dk/track/demo-c1-1"
    assert slips[2].round_ref is None and slips[2].window_text == "10:00–12:00"
    assert slips[2].address_lines == ("Nørregade 12", "1165 København K")


def test_placements_name_each_stops_round_and_number() -> None:
    """Every planned stop's round (the bike) and number."""

    class Day:
        rounds = (ROUND,)

    assert placements(Day) == {  # type: ignore[arg-type]
        "D1": Placement("bike-02", 1),
        "P1": Placement("bike-02", 2),
        "C1": Placement("bike-02", 3),
    }
