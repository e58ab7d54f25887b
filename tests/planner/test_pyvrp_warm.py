"""A plan put back into PyVRP (warm start), and a split day searched again as a whole."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import planner.day_solve as day_solve
from depot.real_day import real_day
from planner.plan import Plan
from planner.problem import Problem, TimeWindow
from planner.pyvrp_day import build_day_model, read_routes
from planner.pyvrp_warm import initial_solution
from planner.solve import SolveParams, solve
from planner.zones import split_day
from tests.conftest import ROOT


def _day(osm_path: Path, n_stops: int, n_bikes: int):  # type: ignore[no-untyped-def]
    _graph, _request, day = real_day(
        osm_path, n_stops=n_stops, n_bikes=n_bikes, seed=1, cache_dir=ROOT / "var" / "cache"
    )
    return day.problem


def _two_windows(problem: Problem) -> Problem:
    """Every other unpaired stop with a long window offers its first and last thirds instead."""
    paired = set(problem.partner())
    stops = []
    for i, s in enumerate(problem.stops):
        w = s.windows[0] if len(s.windows) == 1 else None
        if i % 2 or s.id in paired or w is None or w.end_s - w.start_s < 3 * 3600:
            stops.append(s)
            continue
        third = (w.end_s - w.start_s) // 3
        halves = (TimeWindow(w.start_s, w.start_s + third), TimeWindow(w.end_s - third, w.end_s))
        stops.append(replace(s, windows=halves))
    return replace(problem, stops=tuple(stops))


def _activities(solution) -> list[tuple[int, list[tuple[str, int]]]]:  # type: ignore[no-untyped-def]
    return [
        (r.vehicle_type(), [(a.type.name, a.idx) for a in r.schedule()]) for r in solution.routes()
    ]


def test_a_plan_put_back_into_pyvrp_rides_the_same_rounds(osm_path: Path) -> None:
    """A PyVRP plan of a real day (reloads, pairs, stops with several windows), read back into
    our routes and put into PyVRP again, is the same plan: the same visits in the same order,
    each stop in the window copy it was planned in, the same reloads, cost and feasibility."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    problem = _two_windows(_day(osm_path, 300, 8))
    model = build_day_model(problem)
    found = pyvrp.solve(model.data, stop=MaxRuntime(3.0), seed=1, collect_stats=False).best
    again = initial_solution(model, read_routes(model, found))
    # What makes the round trip worth checking is on the plan: reloads, pairs, later windows.
    acts = [a for _t, route in _activities(found) for a in route]
    first_copy = {sid: model.clients.index(sid) for sid in set(model.clients)}
    assert any(r.num_trips() > 1 for r in found.routes())
    assert any(kind == "PICKUP" for kind, _ in acts)
    assert any(kind == "CLIENT" and first_copy[model.clients[idx]] != idx for kind, idx in acts), (
        "no stop planned in a later window: the test would not see the window copies"
    )
    assert sorted(_activities(again)) == sorted(_activities(found))
    assert again.is_feasible() == found.is_feasible()
    assert again.distance() == found.distance() and again.duration() == found.duration()


@pytest.mark.slow
def test_a_split_day_searched_again_as_a_whole_crosses_the_parts_borders(
    osm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 400-stop day split in two parts (as a 2,000-stop day is): after the parts are searched
    apart, the whole day is searched again from their plan, so a bike may take stops of both
    parts; the plan still keeps every rule."""
    problem = _day(osm_path, 400, 6)
    monkeypatch.setattr(day_solve, "parts_needed", lambda n_stops: 2)
    parts = [{s.id for s in part.stops} for part, _ in split_day(problem, 2)]
    plan = solve(problem, SolveParams(time_limit_s=16.0, seed=1))
    assert plan.check(problem) == []
    crossing = [
        r.vehicle_id
        for r in plan.routes
        if all(any(v.stop_id in part for v in r.visits) for part in parts)
    ]
    assert crossing, "every round stays inside its part"


@pytest.mark.slow
def test_a_day_planned_in_parts_apart_is_searched_again_from_their_plan(osm_path: Path) -> None:
    """A 400-stop day's two parts planned apart (as separate jobs plan them) and put together:
    the whole day searched from that plan for a few seconds serves at least as many stops,
    keeps every rule, and lets a bike take stops of both parts (which the parts' own rounds
    never do)."""
    problem = _day(osm_path, 400, 6)
    split = split_day(problem, 2)
    plans = [solve(part, SolveParams(time_limit_s=8.0, seed=1)) for part, _ in split]
    routes = tuple(r for p in plans for r in p.routes)
    unassigned = tuple(u for p in plans for u in p.unassigned)
    summary = replace(
        plans[0].summary,
        vehicles_used=len(routes),
        stops_served=sum(len(r.stop_ids) for r in routes),
        stops_unassigned=len(unassigned),
        distance_m=sum(r.distance_m for r in routes),
        duration_s=sum(r.end_s - r.start_s for r in routes),
    )
    merged = Plan(routes, unassigned, summary)
    assert merged.check(problem) == []
    served = sum(len(r.stop_ids) for r in merged.routes)
    again = solve(problem, SolveParams(time_limit_s=3.0, seed=1), start=merged)
    assert again.check(problem) == []
    assert again.summary.stops_served >= served
    parts = [{s.id for s in part.stops} for part, _ in split]
    assert any(
        all(any(v.stop_id in part for v in r.visits) for part in parts) for r in again.routes
    )
