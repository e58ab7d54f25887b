"""Engine-neutral pieces of the search: raw engine answers, parallel runs, picking the best plan.

A search can be stopped from outside: :func:`stopping` names a ``should_stop`` question for the
searches run inside it; :func:`run_tasks` asks it while its processes search and, on a yes,
terminates them and raises :class:`SearchStoppedError` (no plan).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
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
_PARENT_PID = 0
#: The question the searches of this context ask between polls (see :func:`stopping`).
_SHOULD_STOP: ContextVar[Callable[[], bool] | None] = ContextVar("should_stop", default=None)
#: Seconds between two questions while the processes search.
POLL_S = 0.2
_PR_SET_PDEATHSIG = 1


class SearchStoppedError(Exception):
    """The search was asked to stop (``should_stop`` said yes): its processes are ended."""


@contextlib.contextmanager
def stopping(should_stop: Callable[[], bool] | None) -> Iterator[None]:
    """Searches run inside ask ``should_stop()`` a few times a second and stop on a yes."""
    token = _SHOULD_STOP.set(should_stop)
    try:
        yield
    finally:
        _SHOULD_STOP.reset(token)


def _call_forked(i: int) -> RawResult:
    return _call(_FORKED_TASKS[i])


def _child_start() -> None:
    """In each search process: ended at once by the pool (whatever handler the parent had for
    SIGTERM, e.g. a web server's), and killed with the parent if that dies first (Linux)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _PARENT_PID:  # the parent died before the line above
        os._exit(1)


def _asked_to_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise SearchStoppedError("the search was asked to stop")


def check_stop() -> None:
    """Between the steps that run in this process: raise :class:`SearchStoppedError` if the
    search of this context (:func:`stopping`) was asked to stop."""
    _asked_to_stop(_SHOULD_STOP.get())


def run_tasks(tasks: Sequence[Task], processes: int | None = None) -> list[RawResult]:
    """Run engine tasks, in ``processes`` forked processes (default: one per task).

    The tasks reach the children through fork's copy of this process, not through a pipe, so a
    5,000-stop problem's matrices are never pickled; only the (small) answers come back.
    Inside :func:`stopping`, even one task runs in a process of its own, so that it can be
    ended: :class:`SearchStoppedError` is raised once ``should_stop()`` says yes (asked every
    :data:`POLL_S` seconds). A process that may not have children (a daemonic one) runs one
    task in place, then it cannot be stopped.
    """
    global _FORKED_TASKS, _PARENT_PID
    should_stop = _SHOULD_STOP.get()
    _asked_to_stop(should_stop)
    n = len(tasks) if processes is None else max(1, min(processes, len(tasks)))
    if n == 1 and (should_stop is None or mp.current_process().daemon):
        return [_call(t) for t in tasks]
    ctx = mp.get_context("fork")
    _FORKED_TASKS, _PARENT_PID = tasks, os.getpid()
    try:
        with ctx.Pool(processes=n, initializer=_child_start) as pool:  # leaving it terminates
            answers = pool.map_async(_call_forked, range(len(tasks)), chunksize=1)
            while not answers.ready():
                answers.wait(POLL_S)
                if not answers.ready():
                    _asked_to_stop(should_stop)
            return answers.get()
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
