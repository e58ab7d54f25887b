"""A month with two planned days whose impact can be worked out by hand (a pytest fixture).

Day ``d`` (the intake's delivery date, two days ahead): WS-1 (a1 S001, a2 a3 S002, a4 S003),
WS-2 (b1) and WS-3 (c1), all with windows 10:00–12:00 and 16:00–18:00, made by the intake.

- plan v1 (combined, done): one round of 99.0 km — replaced by v2, not counted;
- plan v2 (combined, done): R1 12.345 km (pickup of a2 a3; delivery of a1..a4; reload;
  delivery of b1), R2 7.655 km (delivery of c1);
- plan v3 (deliveries, failed): 50.0 km — not done, not counted.

So: 2 rounds, 20.0 km, 1 pickup stop, 3 delivery stops, 6 parcels on delivery stops, 2
collected, 2.0 parcels per delivery stop. Delivered (Copenhagen clock): a1 at 11:59:59 and a4
at 12:00:00 (inside 10–12, inclusive), b1 at 12:00:01 (between the windows), c1 at 10:30 the
day after (not on its date): 2 of 4 on time. CO₂: 20.0 km × 183.8 g/km = 3.676 kg.

Day ``d2`` (another day of the same month): v1 combined done, 40.0 km (older: its kinds are
covered by v2 and v3, not counted); v2 pickups done, 3.0 km (one pickup stop); v3 deliveries
done, 5.0 km (one delivery stop): 2 rounds, 8.0 km, no parcels, no deliveries recorded.

Month: 4 rounds, 28.0 km, 2 pickup and 4 delivery stops, 6 parcels (1.5 per delivery stop), 2
of 4 on time, 28.0 × 0.1838 = 5.1464 kg CO₂.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from depot.locate import Locator
from depot.tracking import change_status
from models import Parcel, ParcelStatus, PlanKind, PlanStatus
from tests.dbfixtures import DEPOT_TZ
from tests.depot.paper.test_collect import delivery_day, order, parcels_of
from tests.depot.stored_rounds import round_row, stop, stored_plan

ONE_PARCEL = {"parcels": [{"weight_g": 700, "volume_ml": 900}]}


@dataclass(frozen=True)
class ImpactDay:
    """The two dates and the parcels by name."""

    d: date
    d2: date
    parcels: dict[str, Parcel]


def _deliver(session: Session, parcel: Parcel, day: date, clock: time) -> None:
    for status in (ParcelStatus.AT_DEPOT, ParcelStatus.OUT_FOR_DELIVERY):
        change_status(parcel, status, actor="test", reason="set up")
    at = datetime.combine(day, clock, DEPOT_TZ)
    change_status(parcel, ParcelStatus.DELIVERED, actor="courier:test", at=at)


@pytest.fixture
def impact_day(session: Session, shops: dict[str, int], locator: Locator) -> ImpactDay:
    """The month described in the module docstring, committed."""
    d = delivery_day()
    d2 = d.replace(day=1) if d.day != 1 else d.replace(day=2)
    order(session, locator, "WS-1")
    order(session, locator, "WS-2", lines=[{"shop": "S001", **ONE_PARCEL}])
    order(session, locator, "WS-3", lines=[{"shop": "S003", **ONE_PARCEL}])
    one, two, three = (parcels_of(session, ref) for ref in ("WS-1", "WS-2", "WS-3"))
    parcels = dict(zip(["a1", "a2", "a3", "a4", "b1", "c1"], [*one, *two, *three], strict=True))
    old = round_row(1, "B01", 99_000, [stop(1, "delivery", [parcels["a1"]])])
    stored_plan(session, d, [old], version=1)
    r1 = round_row(1, "B01", 12_345, [
        stop(1, "pickup", [parcels["a2"], parcels["a3"]]),
        stop(2, "delivery", one),
        stop(3, "reload"),
        stop(4, "delivery", two),
    ])  # fmt: skip
    r2 = round_row(2, "B02", 7_655, [stop(1, "delivery", three)])
    stored_plan(session, d, [r1, r2], version=2)
    failed = round_row(1, "B01", 50_000, [stop(1, "delivery", one)])
    stored_plan(session, d, [failed], kind=PlanKind.DELIVERIES, version=3, status=PlanStatus.FAILED)
    covered = round_row(1, "B01", 40_000, [stop(1, "pickup"), stop(2, "delivery")])
    stored_plan(session, d2, [covered], version=1)
    pickups = round_row(1, "B01", 3_000, [stop(1, "pickup")])
    stored_plan(session, d2, [pickups], kind=PlanKind.PICKUPS, version=2)
    deliveries = round_row(1, "B02", 5_000, [stop(1, "delivery")])
    stored_plan(session, d2, [deliveries], kind=PlanKind.DELIVERIES, version=3)
    _deliver(session, parcels["a1"], d, time(11, 59, 59))
    _deliver(session, parcels["a4"], d, time(12, 0, 0))
    _deliver(session, parcels["b1"], d, time(12, 0, 1))
    _deliver(session, parcels["c1"], d + timedelta(days=1), time(10, 30))
    session.commit()
    return ImpactDay(d, d2, parcels)
