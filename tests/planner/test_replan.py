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


def test_the_round_resumes_from_the_live_position() -> None:
    """b1 did "far" (4 km out); at 10:00 its GPS puts it at the 1-km mark. "near" (2 km mark)
    is 1 km from there: it starts at 10:04 (not 10:08, from "far"), and the round rides
    4 + 3 (far to the position) + 1 + 2 = 10 km, by both engines."""
    stops = [Stop("far", 3), Stop("near", 2)]
    p = line_problem(
        [0, 1, 2, 4],
        stops,
        [bike()],
        frozen=[FrozenRoute("b1", ("far",), position_place=1)],
        now_s=10 * H,
    )
    for params in (PARAMS, SolveParams(time_limit_s=1.0, workers=1)):
        plan = solve(p, params)
        assert plan.check(p) == []
        route = plan.routes[0]
        assert route.stop_ids == ("far", "near")
        assert route.visits[1].start_s == 10 * H + KM_S
        assert route.distance_m == 10_000


def test_a_bike_under_way_with_nothing_done_starts_from_its_position() -> None:
    """b1 left the depot and is at the 3-km mark at 09:00, nothing delivered yet: "there"
    (4-km mark) starts at 09:04."""
    p = line_problem(
        [0, 3, 4],
        [Stop("there", 2)],
        [bike()],
        frozen=[FrozenRoute("b1", (), position_place=1)],
        now_s=9 * H,
    )
    for params in (PARAMS, SolveParams(time_limit_s=1.0, workers=1)):
        plan = solve(p, params)
        assert plan.check(p) == []
        assert plan.routes[0].visits[0].start_s == 9 * H + KM_S


def test_a_stop_out_of_reach_from_the_live_position_is_left_out() -> None:
    """b1 did "shop" (1-km mark) and is at the 4-km mark at 10:00; "next door" to the shop
    closes at 10:05, 12 minutes' ride back: it is left out with a window reason naming the
    bike, by both engines (from the shop itself it would have been on time)."""
    stops = [Stop("shop", 1), Stop("next door", 1, windows=(TimeWindow(10 * H, 10 * H + 300),))]
    p = line_problem(
        [0, 1, 4],
        stops,
        [bike()],
        frozen=[FrozenRoute("b1", ("shop",), position_place=2)],
        now_s=10 * H,
    )
    for params in (PARAMS, SolveParams(time_limit_s=1.0, workers=1)):
        plan = solve(p, params)
        assert plan.check(p) == []
        assert plan.routes[0].stop_ids == ("shop",)
        [left] = plan.unassigned
        assert left.stop_id == "next door"
        assert left.code == "no_fit"
        assert "b1" in left.reason and "10:05" in left.reason
