"""Engine-neutral pieces of the search: raw engine answers, parallel runs, picking the best plan."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from planner.plan import Plan, Route, Summary, TakenBreak, Unassigned, build_route
from planner.problem import Problem


@dataclass(frozen=True)
class RawRoute:
    """One engine route: bike position, ``(stop id or None for reload, service start)`` list."""

    vehicle_index: int
    sequence: tuple[tuple[str | None, int], ...]
    start_s: int
    end_s: int
    breaks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class RawResult:
    """What an engine found: its routes and the stops it left out (``None`` routes: nothing)."""

    engine: str
    routes: tuple[RawRoute, ...] | None
    dropped: tuple[str, ...] = ()
    note: str = ""


Task = tuple[Callable[..., RawResult], tuple[Any, ...]]


def _call(task: Task) -> RawResult:
    fn, args = task
    try:
        return fn(*args)
    except Exception as exc:  # a failing engine must not sink the portfolio
        return RawResult(engine=getattr(fn, "__name__", "engine"), routes=None, note=repr(exc))


_FORKED_TASKS: Sequence[Task] = ()


def _call_forked(i: int) -> RawResult:
    return _call(_FORKED_TASKS[i])


def run_tasks(tasks: Sequence[Task], processes: int | None = None) -> list[RawResult]:
    """Run engine tasks, in ``processes`` forked processes (default: one per task).

    The tasks reach the children through fork's copy of this process, not through a pipe, so a
    5,000-stop problem's matrices are never pickled; only the (small) answers come back.
    """
    global _FORKED_TASKS
    n = len(tasks) if processes is None else max(1, min(processes, len(tasks)))
    if n == 1:
        return [_call(t) for t in tasks]
    ctx = mp.get_context("fork")
    _FORKED_TASKS = tasks
    try:
        with ctx.Pool(processes=n) as pool:
            return pool.map(_call_forked, range(len(tasks)), chunksize=1)
    finally:
        _FORKED_TASKS = ()


def to_plan(
    problem: Problem,
    raw: RawResult,
    explain: Callable[[Problem, str], Unassigned],
    solve_s: float,
) -> Plan:
    """Turn an engine answer into a :class:`Plan`, explaining every dropped stop."""
    routes: list[Route] = []
    for r in raw.routes or ():
        if not r.sequence:
            continue
        breaks = tuple(TakenBreak(s, d) for s, d in r.breaks)
        routes.append(
            build_route(
                problem,
                r.vehicle_index,
                r.sequence,
                start_s=r.start_s,
                end_s=r.end_s,
                breaks=breaks,
            )
        )
    served = {sid for r in routes for sid in r.stop_ids}
    unassigned = tuple(explain(problem, s.id) for s in problem.stops if s.id not in served)
    return Plan(
        tuple(routes), unassigned, summarise(problem, routes, unassigned, raw.engine, solve_s)
    )


def summarise(
    problem: Problem,
    routes: Sequence[Route],
    unassigned: Sequence[Unassigned],
    engine: str,
    solve_s: float,
) -> Summary:
    """Totals and the cost in the planner's own terms (same formula for every engine)."""
    return Summary(
        vehicles_used=len(routes),
        stops_served=sum(len(r.stop_ids) for r in routes),
        stops_unassigned=len(unassigned),
        distance_m=sum(r.distance_m for r in routes),
        duration_s=sum(r.duration_s for r in routes),
        cost=plan_cost(problem, routes, unassigned),
        engine=engine,
        solve_s=round(solve_s, 3),
    )


def plan_cost(problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned]) -> int:
    """Penalties of the unassigned + fixed costs + distance or duration of the routes."""
    fixed = {v.id: v.fixed_cost for v in problem.vehicles}
    penalty = sum(problem.penalty_of(problem.stop(u.stop_id)) for u in unassigned)
    travel = sum(
        r.distance_m if problem.objective.value == "distance" else r.duration_s for r in routes
    )
    return penalty + sum(fixed[r.vehicle_id] for r in routes) + travel


def rank(problem: Problem, plan: Plan) -> tuple[int, ...]:
    """Sort key: infeasible last, then penalties, bikes (if minimised), then cost."""
    bad = 1 if plan.check(problem) else 0
    penalty = sum(problem.penalty_of(problem.stop(u.stop_id)) for u in plan.unassigned)
    bikes = plan.summary.vehicles_used if problem.minimise_vehicles else 0
    return (bad, penalty, bikes, plan.summary.cost)
