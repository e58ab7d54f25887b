"""The portfolio: a failing engine does not sink the others, and the best plan is ranked first."""

from __future__ import annotations

from dataclasses import replace

from planner.portfolio import RawResult, RawRoute, rank, run_tasks, to_plan
from planner.problem import Problem, Stop
from planner.validate import explain_drop
from tests.planner.street import KM_S, H, bike, line_problem


def broken_engine(problem: Problem) -> RawResult:
    """An engine that crashes."""
    raise RuntimeError("engine exploded")


def lazy_engine(problem: Problem) -> RawResult:
    """An engine that serves nothing."""
    return RawResult("lazy", ())


def test_crashing_engine_is_reported_not_raised() -> None:
    """Two processes, one raising: the other's answer arrives, the crash is a note."""
    p = line_problem([0, 1], [Stop("a", 1)], [bike()])
    results = run_tasks([(broken_engine, (p,)), (lazy_engine, (p,))])
    assert results[0].routes is None and "exploded" in results[0].note
    assert results[1].engine == "lazy"


def test_rank_prefers_served_then_fewer_bikes() -> None:
    """Serving a stop beats dropping it; with minimise_vehicles one bike beats two."""
    p = line_problem([0, 1, 1], [Stop("a", 1), Stop("b", 2)], [bike("b1"), bike("b2")])
    t0 = 8 * H
    one = RawResult("x", (RawRoute(0, (("a", t0 + KM_S), ("b", t0 + KM_S)), t0, t0 + 2 * KM_S),))
    two = RawResult(
        "y",
        (
            RawRoute(0, (("a", t0 + KM_S),), t0, t0 + 2 * KM_S),
            RawRoute(1, (("b", t0 + KM_S),), t0, t0 + 2 * KM_S),
        ),
    )
    none = RawResult("z", ())
    plans = {k: to_plan(p, r, explain_drop, 0.0) for k, r in [("1", one), ("2", two), ("0", none)]}
    assert all(plan.check(p) == [] for plan in plans.values())
    assert rank(p, plans["2"]) < rank(p, plans["0"])
    fewest = replace(p, minimise_vehicles=True)
    assert min(plans.values(), key=lambda x: rank(fewest, x)) is plans["1"]
