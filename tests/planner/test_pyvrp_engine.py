"""PyVRP as second engine: joins only where it models every rule, and its plans pass the check."""

from __future__ import annotations

from planner.plan import Plan
from planner.portfolio import to_plan
from planner.problem import Break, Capacity, Load, Pair, Problem, Stop, StopKind, TimeWindow
from planner.pyvrp_engine import pyvrp_supports, solve_pyvrp
from planner.validate import explain_drop
from tests.planner.street import H, bike, line_problem


def pyvrp_plan(p: Problem) -> Plan:
    """Solve with PyVRP alone for half a second and wrap the answer as a Plan."""
    raw = solve_pyvrp(p, 0.5, seed=1)
    assert raw.routes is not None
    return to_plan(p, raw, explain_drop, 0.5)


def test_supports_plain_problems_only() -> None:
    """Breaks, skills, reloads and several windows keep PyVRP out; a plain VRPTW lets it in."""
    stops = [Stop("a", 1, windows=(TimeWindow(9 * H, 10 * H),))]
    plain = line_problem([0, 1], stops, [bike()])
    assert pyvrp_supports(plain)
    with_break = line_problem(
        [0, 1], stops, [bike(breaks=(Break(TimeWindow(12 * H, 13 * H), 600),))]
    )
    assert not pyvrp_supports(with_break)
    assert not pyvrp_supports(line_problem([0, 1], stops, [bike(max_trips=2)]))
    skilled = [Stop("a", 1, skills=frozenset({"cold"}))]
    assert not pyvrp_supports(line_problem([0, 1], skilled, [bike(skills=frozenset({"cold"}))]))


def test_capacity_and_windows_respected() -> None:
    """Four 4-parcel stops on 10-parcel bikes: two bikes, windows met, check clean."""
    stops = [
        Stop(f"s{i}", i, load=Load(parcels=4), windows=(TimeWindow(8 * H, 12 * H),))
        for i in range(1, 5)
    ]
    bikes = [bike(f"b{k}", capacity=Capacity(parcels=10)) for k in range(3)]
    p = line_problem([0, 1, 2, 3, 4], stops, bikes)
    plan = pyvrp_plan(p)
    assert plan.check(p) == []
    assert plan.summary.vehicles_used == 2
    assert not plan.unassigned


def test_pairs_as_shipments() -> None:
    """A pickup-and-delivery pair comes back from PyVRP on one bike, pickup first."""
    stops = [Stop("shop", 2, kind=StopKind.PICKUP, load=Load(parcels=1)), Stop("home", 1)]
    p = line_problem([0, 1, 3], stops, [bike()], pairs=[Pair("shop", "home")])
    plan = pyvrp_plan(p)
    assert plan.check(p) == []
    assert plan.routes[0].stop_ids == ("shop", "home")
