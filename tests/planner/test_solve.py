"""The OR-Tools model: each constraint on a problem small enough to check by hand."""

from __future__ import annotations

from dataclasses import replace

from planner.plan import Plan
from planner.problem import (
    Break,
    Capacity,
    FrozenRoute,
    Load,
    Objective,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.solve import SolveParams, solve
from tests.planner.street import H, bike, line_problem


def solved(problem: Problem, params: SolveParams) -> Plan:
    """Solve and insist the independent check finds nothing wrong."""
    plan = solve(problem, params)
    assert plan.check(problem) == []
    return plan


def test_window_forces_the_far_stop_first(quick: SolveParams) -> None:
    """Near stop A (1 km) opens late, far stop B (3 km) must be served early: B goes first."""
    stops = [
        Stop("A", 1, windows=(TimeWindow(10 * H, 11 * H),)),
        Stop("B", 2, windows=(TimeWindow(8 * H, 8 * H + 1800),)),
    ]
    plan = solved(line_problem([0, 1, 3], stops, [bike()]), quick)
    assert plan.routes[0].stop_ids == ("B", "A")
    a = plan.routes[0].visits[1]
    assert a.start_s >= 10 * H


def test_without_windows_the_near_stop_comes_first(quick: SolveParams) -> None:
    """Control for the window test: the same street without windows serves A on the way to B."""
    stops = [Stop("A", 1), Stop("B", 2)]
    p = line_problem([0, 1, 3], stops, [bike()], objective=Objective.DISTANCE)
    plan = solved(p, quick)
    assert plan.routes[0].stop_ids == ("A", "B")
    assert plan.summary.distance_m == 6000


def test_pair_on_one_bike_pickup_first(quick: SolveParams) -> None:
    """The delivery (1 km) is nearer than the pickup (3 km), yet the bike collects first."""
    stops = [
        Stop("shop", 2, kind=StopKind.PICKUP, load=Load(weight_g=5000)),
        Stop("customer", 1, kind=StopKind.DELIVERY, load=Load(weight_g=5000)),
    ]
    p = line_problem(
        [0, 1, 3],
        stops,
        [bike("b1", capacity=Capacity(weight_g=10_000)), bike("b2")],
        pairs=[Pair("shop", "customer")],
    )
    plan = solved(p, quick)
    assert len(plan.routes) == 1
    assert plan.routes[0].stop_ids == ("shop", "customer")


def test_break_taken_inside_its_window(quick: SolveParams) -> None:
    """A 30-minute break starting 12:00–12:30 is taken between the 11:50 and the 13:00 visit."""
    stops = [
        Stop("morning", 1, windows=(TimeWindow(11 * H + 3000, 11 * H + 3300),)),
        Stop("afternoon", 2, service_s=60, windows=(TimeWindow(13 * H, 14 * H),)),
    ]
    b = bike(breaks=(Break(TimeWindow(12 * H, 12 * H + 1800), 1800),))
    plan = solved(line_problem([0, 1, 2], stops, [b]), quick)
    route = plan.routes[0]
    assert route.stop_ids == ("morning", "afternoon")
    assert len(route.breaks) == 1
    taken = route.breaks[0]
    assert 12 * H <= taken.start_s <= 12 * H + 1800
    morning, afternoon = route.visits
    assert morning.end_s <= taken.start_s
    assert taken.start_s + 1800 <= afternoon.start_s


def test_reload_trip_serves_more_than_one_bikeload(quick: SolveParams) -> None:
    """Three 5-parcel deliveries, a 10-parcel bike, two trips: all served, a reload between."""
    stops = [Stop(s, i + 1, load=Load(parcels=5)) for i, s in enumerate("ABC")]
    b = bike(capacity=Capacity(parcels=10), max_trips=2, reload_s=300)
    plan = solved(line_problem([0, 1, 2, 3], stops, [b]), quick)
    assert not plan.unassigned
    route = plan.routes[0]
    assert route.trips == 2
    reload_at = next(i for i, v in enumerate(route.visits) if v.is_reload)
    assert 0 < reload_at < len(route.visits) - 1


def test_one_trip_only_leaves_a_bikeload_behind(quick: SolveParams) -> None:
    """The same three deliveries with a single trip: one stop is unplanned, fleet full."""
    stops = [Stop(s, i + 1, load=Load(parcels=5)) for i, s in enumerate("ABC")]
    b = bike(capacity=Capacity(parcels=10))
    plan = solved(line_problem([0, 1, 2, 3], stops, [b]), quick)
    assert [u.code for u in plan.unassigned] == ["fleet_full"]
    # Proved by the totals: 15 parcels, one bike of 10 parcels and one trip.
    assert "(15 parcels)" in plan.unassigned[0].reason
    assert "(10 parcels)" in plan.unassigned[0].reason


def test_frozen_prefix_is_kept_and_new_stops_follow(quick: SolveParams) -> None:
    """Done visits C (3 km) then A (1 km) stay first on b2, in that order, despite the detour."""
    stops = [Stop("A", 1), Stop("B", 2), Stop("C", 3), Stop("D", 4)]
    p = line_problem(
        [0, 1, 2, 3, 4],
        stops,
        [bike("b1"), bike("b2")],
        frozen=[FrozenRoute("b2", ("C", "A"))],
        objective=Objective.DISTANCE,
    )
    plan = solved(p, quick)
    b2 = next(r for r in plan.routes if r.vehicle_id == "b2")
    assert b2.stop_ids[:2] == ("C", "A")
    assert {sid for r in plan.routes for sid in r.stop_ids} == {"A", "B", "C", "D"}


def test_skill_puts_the_cold_stop_on_the_cold_bike(quick: SolveParams) -> None:
    """Only b2 has a cold box; the cold stop rides on b2."""
    stops = [Stop("fish", 1, skills=frozenset({"cold"}))]
    bikes = [bike("b1"), bike("b2", skills=frozenset({"cold"}), fixed_cost=1000)]
    plan = solved(line_problem([0, 1], stops, bikes), quick)
    assert plan.routes[0].vehicle_id == "b2"


def test_range_splits_the_work_between_bikes(quick: SolveParams) -> None:
    """Stops at 4 km on both sides: one 10 km battery cannot do both (16 km), two bikes can."""
    stops = [Stop("west", 1), Stop("east", 2)]
    bikes = [bike("b1", max_distance_m=10_000), bike("b2", max_distance_m=10_000)]
    p = Problem.from_matrices(
        duration_s=[[0, 960, 960], [960, 0, 1920], [960, 1920, 0]],
        distance_m=[[0, 4000, 4000], [4000, 0, 8000], [4000, 8000, 0]],
        stops=stops,
        vehicles=bikes,
    )
    plan = solved(p, quick)
    assert len(plan.routes) == 2
    assert all(r.distance_m <= 10_000 for r in plan.routes)


def test_several_windows_use_the_second(quick: SolveParams) -> None:
    """A stop open 08:00–08:01 and 13:00–14:00 cannot make the first (4 min away): served 13:00."""
    stops = [Stop("A", 1, windows=(TimeWindow(8 * H, 8 * H + 60), TimeWindow(13 * H, 14 * H)))]
    plan = solved(line_problem([0, 1], stops, [bike()]), quick)
    assert 13 * H <= plan.routes[0].visits[0].start_s <= 14 * H


def test_delivery_then_pickup_fits_a_full_bike(quick: SolveParams) -> None:
    """A 10-parcel bike delivers 10 and then collects 10: the load is exact, not summed."""
    stops = [
        Stop("drop", 1, load=Load(parcels=10), windows=(TimeWindow(8 * H, 9 * H),)),
        Stop("collect", 2, kind=StopKind.PICKUP, load=Load(parcels=10)),
    ]
    plan = solved(line_problem([0, 1, 2], stops, [bike(capacity=Capacity(parcels=10))]), quick)
    assert plan.routes[0].stop_ids == ("drop", "collect")
    assert plan.routes[0].load_at_start == Load(parcels=10)


def test_fewest_bikes_when_asked(quick: SolveParams) -> None:
    """Stops at -2 and +2 km: two bikes ride less, but minimise_vehicles uses one."""
    dur, dist = [[0, 480, 480], [480, 0, 960], [480, 960, 0]], [[0, 2, 2], [2, 0, 6], [2, 6, 0]]
    stops = [Stop("west", 1), Stop("east", 2)]
    bikes = [Vehicle("b1"), Vehicle("b2")]
    base = Problem.from_matrices(
        duration_s=dur, distance_m=dist, stops=stops, vehicles=bikes, objective=Objective.DISTANCE
    )
    assert len(solved(base, quick).routes) == 2
    assert len(solved(replace(base, minimise_vehicles=True), quick).routes) == 1


def test_max_duration_bounds_the_round(quick: SolveParams) -> None:
    """A 30-minute round limit: the stop at 5 km (40 min there and back) is out, 2 km is in."""
    stops = [Stop("near", 1), Stop("far", 2)]
    plan = solved(line_problem([0, 2, 5], stops, [bike(max_duration_s=1800)]), quick)
    assert plan.routes[0].stop_ids == ("near",)
    assert [u.code for u in plan.unassigned] == ["duration"]


def test_same_params_one_worker_same_plan() -> None:
    """With one worker and a solution limit, solving twice gives the same routes."""
    stops = [Stop(f"s{i}", i, load=Load(parcels=3)) for i in range(1, 9)]
    bikes = [bike(f"b{k}", capacity=Capacity(parcels=10)) for k in range(3)]
    p = line_problem([0, 3, 1, 4, 1, 5, 9, 2, 6], stops, bikes)
    params = SolveParams(time_limit_s=5, workers=1, solution_limit=50, use_pyvrp=False)
    first, second = solve(p, params), solve(p, params)
    assert [r.stop_ids for r in first.routes] == [r.stop_ids for r in second.routes]


def test_two_workers_plan_is_feasible() -> None:
    """The two-process portfolio (OR-Tools twice here: skills rule PyVRP out) returns a plan."""
    stops = [
        Stop(f"s{i}", i, skills=frozenset({"cold"}) if i == 2 else frozenset()) for i in (1, 2)
    ]
    p = line_problem([0, 1, 2], stops, [bike(skills=frozenset({"cold"}))])
    plan = solved(p, SolveParams(time_limit_s=1, workers=2))
    assert plan.summary.stops_served == 2
