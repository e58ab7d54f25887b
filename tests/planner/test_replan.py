"""Re-planning during the day: frozen visits are always kept, and "now" counts."""

from __future__ import annotations

from planner.problem import FrozenRoute, Load, Pair, Stop, StopKind, TimeWindow
from planner.solve import SolveParams, solve
from tests.planner.street import KM_S, H, bike, line_problem

PARAMS = SolveParams(time_limit_s=1.0, workers=1, use_pyvrp=False)


def test_frozen_visit_whose_window_has_passed_is_kept() -> None:
    """ "done" (window 08:00–08:05, long past at 11:00) stays first on b1; the rest follows it."""
    stops = [
        Stop("done", 1, windows=(TimeWindow(8 * H, 8 * H + 300),)),
        Stop("next", 2, windows=(TimeWindow(9 * H, 17 * H),)),
    ]
    p = line_problem(
        [0, 1, 2], stops, [bike()], frozen=[FrozenRoute("b1", ("done",))], now_s=11 * H
    )
    plan = solve(p, PARAMS)
    assert plan.check(p) == []
    assert plan.routes[0].stop_ids == ("done", "next")
    nxt = plan.routes[0].visits[1]
    assert nxt.start_s >= 11 * H  # nothing new starts before "now"


def test_frozen_pickup_keeps_its_partner_on_the_bike_even_if_late() -> None:
    """Goods picked up at the shop stay aboard: the customer is served by the same bike, late.

    The customer's window (07:00–07:30) closed before any shift started: alone, validation
    rules it out; as the partner of a frozen pickup it is kept, on b2, after the pickup.
    """
    stops = [
        Stop("shop", 1, kind=StopKind.PICKUP, load=Load(parcels=1)),
        Stop("home", 3, load=Load(parcels=1), windows=(TimeWindow(7 * H, 7 * H + 1800),)),
        Stop("other", 2),
    ]
    p = line_problem(
        [0, 1, 2, 3],
        stops,
        [bike("b1"), bike("b2")],
        pairs=[Pair("shop", "home")],
        frozen=[FrozenRoute("b2", ("shop",))],
        now_s=11 * H,
    )
    plan = solve(p, PARAMS)
    assert plan.check(p) == []
    b2 = next(r for r in plan.routes if r.vehicle_id == "b2")
    assert b2.stop_ids[0] == "shop"
    assert "home" in b2.stop_ids
    assert not [u for u in plan.unassigned if u.stop_id in ("shop", "home")]


def test_nothing_new_starts_before_now_after_frozen_visits() -> None:
    """b1 did "far" (4 km out, back from 08:16 on); at 10:00 "near" (2 km from far) comes next.

    By hand: leaving "far" at 10:00 (now), 2 km = 8 min: "near" starts at 10:08, not at 08:24.
    """
    stops = [Stop("far", 4), Stop("near", 2)]
    p = line_problem(
        [0, 1, 2, 3, 4], stops, [bike()], frozen=[FrozenRoute("b1", ("far",))], now_s=10 * H
    )
    plan = solve(p, PARAMS)
    assert plan.check(p) == []
    visit = plan.routes[0].visits[1]
    assert visit.stop_id == "near"
    assert visit.start_s == 10 * H + 2 * KM_S
