"""A large day planned in parts, one job a part, so several workers (on several machines) share it.

The day is split the way the planner splits it (:func:`planner.zones.split_day`: parts of
nearby stops, pairs kept together, bikes dealt in proportion). Each part is shipped as a
complete, compact planning problem (its own places only, with the sub-matrices between them),
stored on a ``plan_parts`` row of the run's attempt, and planned by its own job
(:func:`run_part`). The job that finds every part solved assembles the day — one plan of all
parts' rounds, traced on the streets — and writes it like any plan, in the one transaction
that marks it done; if two jobs both find it complete, only one of them can write.

Nothing waits on anything: each part job does its part and checks whether it was the last.
The stored parts are emptied when the plan ends (:mod:`depot.plan_attempt`).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from depot.plan_attempt import (
    PlanLostError,
    Watch,
    fail_plan,
    mine,
    search_processes,
    still_mine,
    with_note,
    write_plan,
)
from depot.plan_input import PlanningInput
from depot.planning import PreparedDay, finish_day
from maps.graph import BikeGraph
from models import Plan, PlanPart
from planner.matrix import Matrix
from planner.plan import Plan as SolvedPlan
from planner.plan import Route, Summary
from planner.portfolio import SearchStoppedError
from planner.problem import Problem
from planner.solve import SolveParams, solve
from planner.zones import split_day

log = logging.getLogger(__name__)

#: Starts the job of one part: ``fan_out(plan_id, attempt, part_no)``.
FanOut = Callable[[int, int, int], None]


def compact(problem: Problem) -> tuple[Problem, list[int]]:
    """``problem`` on its own places only: sub-matrices and renumbered places.

    Returns
    -------
    problem, places
        The compact problem, and for each of its places the place in the original.
    """
    used = {s.place for s in problem.stops}
    used |= {v.start_place for v in problem.vehicles} | {v.end_place for v in problem.vehicles}
    used |= {f.position_place for f in problem.frozen if f.position_place is not None}
    places = sorted(used)
    index = {p: i for i, p in enumerate(places)}
    pick = np.ix_(places, places)
    return (
        replace(
            problem,
            duration_s=Matrix(problem.duration_s.array[pick]),
            distance_m=Matrix(problem.distance_m.array[pick]),
            stops=tuple(replace(s, place=index[s.place]) for s in problem.stops),
            vehicles=tuple(
                replace(v, start_place=index[v.start_place], end_place=index[v.end_place])
                for v in problem.vehicles
            ),
            frozen=tuple(
                replace(
                    f,
                    position_place=index[f.position_place]
                    if f.position_place is not None
                    else None,
                )
                for f in problem.frozen
            ),
        ),
        places,
    )


def _uncompact(route: Route, places: list[int]) -> Route:
    visits = tuple(replace(v, place=places[v.place]) for v in route.visits)
    return replace(route, visits=visits)


def merge(parts: list[tuple[SolvedPlan, list[int]]]) -> SolvedPlan:
    """One plan of the parts' plans (their places put back in the day's numbering)."""
    routes = tuple(_uncompact(r, places) for plan, places in parts for r in plan.routes)
    unassigned = tuple(u for plan, _ in parts for u in plan.unassigned)
    sums = [plan.summary for plan, _ in parts]
    summary = Summary(
        vehicles_used=sum(s.vehicles_used for s in sums),
        stops_served=sum(s.stops_served for s in sums),
        stops_unassigned=sum(s.stops_unassigned for s in sums),
        distance_m=sum(s.distance_m for s in sums),
        duration_s=sum(s.duration_s for s in sums),
        cost=sum(s.cost for s in sums),
        engine="+".join(sorted({s.engine for s in sums})),
        solve_s=max(s.solve_s for s in sums),
        notes=(
            f"planned in {len(parts)} parts, one job each",
            *dict.fromkeys(n for s in sums for n in s.notes),  # each note once
        ),
    )
    return SolvedPlan(routes, unassigned, summary)


def store_parts(
    *,
    session: Session,
    plan_id: int,
    attempt: int,
    inp: PlanningInput,
    prepared: PreparedDay,
    k: int,
) -> int:
    """Split the prepared day into ``k`` parts and store them under this attempt (the caller
    commits). Returns the number of parts stored."""
    parts = split_day(prepared.problem, k)
    session.add(
        PlanPart(
            plan_id=plan_id,
            attempt=attempt,
            part_no=0,
            parts=len(parts),
            status="context",
            payload=pickle.dumps((inp, prepared)),
        )
    )
    for no, (sub, _vehicles) in enumerate(parts, 1):
        session.add(
            PlanPart(
                plan_id=plan_id,
                attempt=attempt,
                part_no=no,
                parts=len(parts),
                payload=pickle.dumps(compact(sub)),
            )
        )
    return len(parts)


def run_part(
    *,
    sessions: sessionmaker[Session],
    plan_id: int,
    attempt: int,
    part_no: int,
    graph: Callable[[], BikeGraph],
    processes: int = 0,
) -> str:
    """Plan one part; the job that completes the last part assembles and writes the day.

    Idempotent: a part already solved is not solved again; a plan no longer running under
    ``attempt`` (cancelled, failed, taken over) is left alone, and a part's search stops within
    a second or two once that happens. A part that fails fails the plan.

    Parameters
    ----------
    sessions : sessionmaker
    plan_id, attempt, part_no : int
        The part: of the plan's attempt that stored it (:func:`store_parts`).
    graph : callable
        Returns the bike network (for the last part: the streets of every round).
    processes : int
        Processes the part's search uses; 0: one per core (see
        :func:`depot.plan_attempt.search_processes`).

    Returns
    -------
    str
        ``"part"`` (solved, others still open), ``"done"`` (assembled and written),
        ``"skipped"``, ``"lost"`` or ``"failed"``.
    """
    try:
        return _run_part(sessions, plan_id, attempt, part_no, graph, processes)
    except (PlanLostError, SearchStoppedError):
        log.info("plan %s was cancelled or taken over; part %s stopped", plan_id, part_no)
        return "lost"
    except Exception as exc:
        log.exception("plan %s: part %s failed", plan_id, part_no)
        fail_plan(sessions, plan_id, attempt, exc)
        return "failed"


def _run_part(
    sessions: sessionmaker[Session],
    plan_id: int,
    attempt: int,
    part_no: int,
    graph: Callable[[], BikeGraph],
    processes: int,
) -> str:
    this_part = (
        PlanPart.plan_id == plan_id,
        PlanPart.attempt == attempt,
        PlanPart.part_no == part_no,
    )
    with sessions() as session:
        plan = session.scalar(select(Plan).where(*mine(plan_id, attempt)))
        row = session.scalar(select(PlanPart).where(*this_part))
        if plan is None or row is None:
            return "skipped"
        time_limit_s = plan.time_limit_s
        solved = row.status == "done"
        payload = row.payload
    if not solved:
        workers, note = search_processes(processes)
        problem, _places = pickle.loads(payload)
        params = SolveParams(time_limit_s=time_limit_s, workers=workers)
        log.info("plan %s: part %s searching with %d process(es)", plan_id, part_no, workers)
        with Watch(lambda _share: still_mine(sessions, plan_id, attempt), time_limit_s) as watch:
            answer = solve(problem, params, should_stop=watch.should_stop)
        if watch.lost:
            raise PlanLostError(plan_id)
        with sessions() as session:
            session.execute(
                update(PlanPart)
                .where(
                    *this_part,
                    PlanPart.status != "done",
                    exists(select(Plan.id).where(*mine(plan_id, attempt))),
                )
                .values(
                    status="done",
                    result=pickle.dumps(with_note(answer, note)),
                    worker=f"{socket.gethostname()}:{os.getpid()}",
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
    with sessions() as session:
        rows = session.scalars(
            select(PlanPart)
            .where(PlanPart.plan_id == plan_id, PlanPart.attempt == attempt)
            .order_by(PlanPart.part_no)
        ).all()
        context, parts = rows[0], rows[1:]
        done = sum(1 for p in parts if p.status == "done")
        updated = session.execute(
            update(Plan)
            .where(*mine(plan_id, attempt))
            .values(progress_share=round(done / len(parts), 3), stage=f"parts {done}/{len(parts)}")
        )
        session.commit()
        if getattr(updated, "rowcount", 0) != 1:
            return "lost"
        if done < len(parts):
            return "part"
        inp, prepared = pickle.loads(context.payload)
        solved_parts = [(pickle.loads(p.result or b""), pickle.loads(p.payload)[1]) for p in parts]
    whole = merge(solved_parts)
    day_plan = finish_day(graph(), inp.request, prepared, whole)
    return "done" if write_plan(sessions, plan_id, attempt, inp, day_plan) else "lost"
