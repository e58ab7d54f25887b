"""The vehicles of a date: shifts cut to the depot's opening hours, with bike, reload and breaks."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from depot.plan_input import fleet
from models import Bike, CourierBreak, CourierShift, Depot, DepotOpeningHours, Role, User

MONDAY = date(2030, 1, 7)
H = 3600


def _setup(session: Session, *, hours: list[tuple[int, int, int]]) -> Depot:
    depot = Depot(name="Depot", lat=55.6738, lon=12.5646, reload_s=420)
    depot.opening_hours = [DepotOpeningHours(weekday=d, open_s=a, close_s=b) for d, a, b in hours]
    session.add(depot)
    session.flush()
    bikes = [
        Bike(depot_id=depot.id, ref="B01", max_weight_g=120_000, max_volume_ml=450_000,
             max_parcels=30, skills=["cold"], range_m=40_000, max_trips=2),
        Bike(depot_id=depot.id, ref="B02", max_weight_g=90_000, max_volume_ml=300_000,
             active=False),
    ]  # fmt: skip
    couriers = [User(name="Ida", role=Role.COURIER), User(name="Mads", role=Role.COURIER)]
    session.add_all(bikes + couriers)
    session.flush()
    early = CourierShift(
        courier_id=couriers[0].id, bike_id=bikes[0].id, shift_date=MONDAY, start_s=6 * H,
        end_s=20 * H,
    )  # fmt: skip
    early.breaks = [CourierBreak(start_s=12 * H, end_s=13 * H, duration_s=1800)]
    idle = CourierShift(
        courier_id=couriers[1].id, bike_id=bikes[1].id, shift_date=MONDAY, start_s=8 * H,
        end_s=16 * H,
    )  # fmt: skip
    session.add_all([early, idle])
    session.commit()
    return depot


def test_shifts_are_cut_to_opening_hours_and_carry_the_bike(session: Session) -> None:
    """A 06:00–20:00 shift at a depot open 07:00–19:00 on Mondays rides 07:00–19:00 with its
    bike's kg, litres, parcels, range, trips and skills, the depot's reload and the break; the
    shift on an out-of-service bike is left out, saying so."""
    depot = _setup(session, hours=[(0, 7 * H, 19 * H)])
    bikes, refs, notes = fleet(session=session, depot=depot, plan_date=MONDAY)
    (bike,) = bikes
    assert (bike.shift_start_s, bike.shift_end_s) == (7 * H, 19 * H)
    assert (bike.capacity_weight_g, bike.capacity_volume_ml, bike.capacity_parcels) == (
        120_000,
        450_000,
        30,
    )
    assert (bike.max_distance_m, bike.max_trips, bike.reload_s) == (40_000, 2, 420)
    assert bike.skills == frozenset({"cold"})
    assert [(b.start_s, b.end_s, b.duration_s) for b in bike.breaks] == [(12 * H, 13 * H, 1800)]
    assert bike.id.endswith("-B01") and refs[bike.id].bike_id is not None
    assert len(notes) == 1 and "bike B02 is out of service" in notes[0]


def test_a_closed_depot_has_no_vehicles(session: Session) -> None:
    """Opening hours set, none on Mondays: no vehicle on a Monday, and the notes say why."""
    depot = _setup(session, hours=[(1, 7 * H, 19 * H)])
    bikes, _refs, notes = fleet(session=session, depot=depot, plan_date=MONDAY)
    assert bikes == []
    assert any("the depot is closed on Mondays" in n for n in notes)
