"""Plan.check: the independent replay finds each kind of broken plan, and passes a good one."""

from __future__ import annotations

from dataclasses import replace

from planner.plan import (
    Plan,
    Route,
    Summary,
    TakenBreak,
    Unassigned,
    build_route,
    earliest_schedule,
)
from planner.problem import Break, Capacity, Load, Pair, Problem, Stop, StopKind, TimeWindow
from tests.planner.street import KM_S, H, bike, line_problem


def plan_of(problem: Problem, order: list[str | None], **kw: object) -> Plan:
    """A one-bike plan visiting ``order`` as early as possible; the rest unassigned."""
    seq, start, end = earliest_schedule(problem, 0, order)
    route = build_route(problem, 0, seq, start_s=start, end_s=end, **kw)  # type: ignore[arg-type]
    left = tuple(
        Unassigned(s.id, "fleet_full", "the fleet's shifts are full")
        for s in problem.stops
        if s.id not in order
    )
    return Plan((route,), left, summary_of((route,), left))


def summary_of(routes: tuple[Route, ...], left: tuple[Unassigned, ...]) -> Summary:
    """Totals that agree with the routes (the check compares them)."""
    served = sum(len(r.stop_ids) for r in routes)
    distance_m = sum(r.distance_m for r in routes)
    duration_s = sum(r.duration_s for r in routes)
    return Summary(len(routes), served, len(left), distance_m, duration_s, 0, "test", 0.0)


def street() -> Problem:
    """Deliveries A (1 km) and B (2 km) of 6 parcels each, a 10-parcel bike."""
    stops = [Stop("A", 1, load=Load(parcels=6)), Stop("B", 2, load=Load(parcels=6))]
    return line_problem([0, 1, 2], stops, [bike(capacity=Capacity(parcels=20))])


def test_good_plan_passes() -> None:
    """A plan that keeps every rule has no violations; distances are recomputed (4 km)."""
    p = street()
    plan = plan_of(p, ["A", "B"])
    assert plan.check(p) == []
    assert plan.routes[0].distance_m == 4000
    assert plan.routes[0].visits[0].arrival_s == 8 * H + KM_S


def test_overloaded_bike_is_caught() -> None:
    """12 parcels on a 10-parcel bike."""
    p = street()
    p = replace(p, vehicles=(bike(capacity=Capacity(parcels=10)),))
    assert any("capacity" in e for e in plan_of(p, ["A", "B"]).check(p))


def test_missed_window_is_caught() -> None:
    """B must start by 08:05, but the bike reaches it at 08:08 via A."""
    p = street()
    p = replace(p, stops=(p.stops[0], replace(p.stops[1], windows=(TimeWindow(0, 8 * H + 300),))))
    assert any("outside its window" in e for e in plan_of(p, ["A", "B"]).check(p))


def test_unexplained_and_doubled_stops_are_caught() -> None:
    """A stop served twice, and a stop neither served nor listed."""
    p = street()
    plan = plan_of(p, ["A", "A"])
    plan = replace(plan, unassigned=())
    errors = plan.check(p)
    assert any("served twice" in e for e in errors)
    assert any("neither served nor listed" in e for e in errors)


def test_delivery_before_pickup_is_caught() -> None:
    """A pair done in the wrong order."""
    stops = [Stop("shop", 1, kind=StopKind.PICKUP), Stop("home", 2)]
    p = line_problem([0, 1, 2], stops, [bike()], pairs=[Pair("shop", "home")])
    errors = plan_of(p, ["home", "shop"]).check(p)
    assert any("delivered before shop picked up" in e for e in errors)
    assert plan_of(p, ["shop", "home"]).check(p) == []


def test_too_short_leg_is_caught() -> None:
    """A visit that starts before the bike can have got there."""
    p = street()
    plan = plan_of(p, ["A", "B"])
    r = plan.routes[0]
    fast = replace(r, visits=(replace(r.visits[0], start_s=8 * H + 10), *r.visits[1:]))
    assert any("before the arrival" in e for e in replace(plan, routes=(fast,)).check(p))


def test_break_outside_window_and_skipped_break_are_caught() -> None:
    """The 12:00–12:30 break taken at 13:00, or not at all while the round spans the window."""
    stops = [Stop("late", 1, windows=(TimeWindow(14 * H, 15 * H),))]
    b = bike(breaks=(Break(TimeWindow(12 * H, 12 * H + 1800), 1800),))
    p = line_problem([0, 1], stops, [b])
    seq = [("late", 14 * H)]

    def route(brk: tuple[TakenBreak, ...]) -> Plan:
        r = build_route(p, 0, seq, start_s=11 * H, end_s=14 * H + KM_S, breaks=brk)
        return Plan((r,), (), summary_of((r,), ()))

    assert route((TakenBreak(12 * H, 1800),)).check(p) == []
    assert any("outside its window" in e for e in route((TakenBreak(13 * H, 1800),)).check(p))
    assert any("not taken" in e for e in route(()).check(p))


def test_to_dict_has_summary_routes_unassigned() -> None:
    """The JSON form carries the three parts of every plan answer, with unit-named fields."""
    p = street()
    d = plan_of(p, ["A"]).to_dict()
    assert set(d) == {"summary", "routes", "unassigned"}
    assert d["routes"][0]["distance_m"] == 2000
    assert d["routes"][0]["visits"][0]["stop_id"] == "A"
    assert d["unassigned"] == [
        {"stop_id": "B", "code": "fleet_full", "reason": "the fleet's shifts are full"}
    ]
