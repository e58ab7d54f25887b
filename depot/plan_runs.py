"""Planning runs: ask for a plan of a date, run it (a job), cancel it.

A run's life, all on the ``plans`` row:

* :func:`request_plan` writes it ``queued`` with the next version of its date; the database lets
  only one plan per date be queued or running (a second request is told which one is);
* :func:`run_plan` (the body of the background job, :mod:`depot.worker`) claims it — ``running``,
  ``attempts`` + 1 — reads the day, builds the matrix, solves, traces the streets, and writes
  rounds, stops and the unassigned in the one transaction that marks it ``done``. Every write is
  conditional on the plan still being ``running`` under this attempt (:mod:`depot.plan_attempt`),
  so a cancelled plan, or a plan another worker took over after this one was presumed lost, is
  never written, and its search is stopped within a second or two;
* a job delivered again (a worker killed mid-plan) claims the plan again and starts afresh;
  a job for a finished plan does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.plan_attempt import (
    ACTIVE,
    PlanLostError,
    Watch,
    claim,
    clear_part_pickles,
    fail_plan,
    mine,
    search_processes,
    with_note,
    write_plan,
    write_progress,
)
from depot.plan_input import get_depot, planning_input
from depot.plan_parts import FanOut, store_parts
from depot.planning import plan_prepared, prepare_day
from depot.users import Caller
from maps.graph import BikeGraph
from models import Plan, PlanKind, PlanStatus, utcnow
from planner.portfolio import SearchStoppedError
from planner.solve import SolveParams
from planner.zones import PART_STOPS, parts_needed

log = logging.getLogger(__name__)

#: Longest search a plan may ask for, seconds (the job's own time limit is set above it).
MAX_TIME_LIMIT_S = 600


def _active_plan(session: Session, plan_date: date) -> Plan | None:
    return session.scalar(
        select(Plan).where(Plan.plan_date == plan_date, Plan.status.in_(ACTIVE)).limit(1)
    )


def busy_reason(plan: Plan) -> str:
    """What a second request for a date is told: which plan is queued or running."""
    return (
        f"plan {plan.id} (version {plan.version}, {plan.kind.value}) is {plan.status.value} for "
        f"{plan.plan_date.isoformat()}; wait for it (GET /api/v1/plans/{plan.id}) or cancel it"
    )


def request_plan(
    *,
    session: Session,
    plan_date: date,
    kind: PlanKind,
    time_limit_s: int,
    caller: Caller,
    today: date,
    now_s: int | None = None,
) -> Plan:
    """Queue a plan of ``plan_date`` (the next version of that date) and commit.

    Parameters
    ----------
    session : Session
    plan_date : date
    kind : PlanKind
    time_limit_s : int
        Search time, 1 to :data:`MAX_TIME_LIMIT_S` seconds.
    caller : Caller
    today : date
        The depot's local date; earlier dates are refused.
    now_s : int, optional
        The clock (seconds after midnight) to plan from: nothing new starts before it.

    Returns
    -------
    Plan
        Queued; hand its id to the job runner.

    Raises
    ------
    InvalidInputError
        ``date`` in the past, ``time_limit_s`` out of range, or ``depot`` not set up.
    ConflictError
        ``date``: another plan of that date is queued or running (the reason names it).
    """
    if plan_date < today:
        raise InvalidInputError(
            "date", f"{plan_date.isoformat()} is in the past (today is {today})"
        )
    if not 1 <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise InvalidInputError("time_limit_s", f"must be 1 to {MAX_TIME_LIMIT_S} seconds")
    get_depot(session)
    for _attempt in range(3):
        active = _active_plan(session, plan_date)
        if active is not None:
            raise ConflictError("date", busy_reason(active))
        version = (
            session.scalar(select(func.max(Plan.version)).where(Plan.plan_date == plan_date)) or 0
        ) + 1
        plan = Plan(
            plan_date=plan_date,
            kind=kind,
            version=version,
            status=PlanStatus.QUEUED,
            stage="queued",
            time_limit_s=time_limit_s,
            now_s=now_s,
            requested_by_user_id=caller.user_id,
        )
        session.add(plan)
        try:
            session.commit()
            return plan
        except IntegrityError:
            # Another request got in first (the one-active-plan index or the version number):
            # look again, and name the plan that runs.
            session.rollback()
    active = _active_plan(session, plan_date)
    raise ConflictError("date", busy_reason(active) if active else "plans of this date collide")


def get_plan(*, session: Session, plan_id: int) -> Plan:
    """The plan ``plan_id``.

    Raises
    ------
    NotFoundError
        ``plan_id``: no such plan.
    """
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFoundError("plan_id", f"no plan {plan_id}")
    return plan


def list_plans(*, session: Session, plan_date: str | None = None) -> list[Plan]:
    """Plans, newest first; of one date when ``plan_date`` (``YYYY-MM-DD``) is given.

    Raises
    ------
    InvalidInputError
        ``date``: not a date.
    """
    query = select(Plan).order_by(Plan.plan_date.desc(), Plan.version.desc()).limit(200)
    if plan_date is not None:
        try:
            day = date.fromisoformat(plan_date)
        except ValueError:
            raise InvalidInputError(
                "date", f"{plan_date!r} is not a date like 2026-11-24"
            ) from None
        query = query.where(Plan.plan_date == day)
    return list(session.scalars(query))


def start_failed(*, session: Session, plan_id: int, error: str) -> None:
    """Mark a queued plan failed because its job could not be queued, and commit."""
    session.rollback()
    session.execute(
        update(Plan)
        .where(Plan.id == plan_id, Plan.status == PlanStatus.QUEUED)
        .values(status=PlanStatus.FAILED, stage="failed", error=error[:2000], finished_at=utcnow())
    )
    session.commit()


def cancel_plan(*, session: Session, plan_id: int) -> Plan:
    """Cancel a queued or running plan and commit; a running job stops writing to it.

    A running search notices within a second or two and stops (:class:`depot.plan_attempt.Watch`);
    the stored parts of a split day are emptied in the same transaction.

    Raises
    ------
    NotFoundError
        No such plan.
    ConflictError
        ``plan_id``: the plan has already finished (done, failed or cancelled).
    """
    plan = get_plan(session=session, plan_id=plan_id)
    done = session.execute(
        update(Plan)
        .where(Plan.id == plan_id, Plan.status.in_(ACTIVE))
        .values(status=PlanStatus.CANCELLED, stage="cancelled", finished_at=utcnow())
    )
    if getattr(done, "rowcount", 0) == 1:
        clear_part_pickles(session=session, plan_id=plan_id)
    session.commit()
    session.refresh(plan)
    if getattr(done, "rowcount", 0) != 1:
        raise ConflictError("plan_id", f"plan {plan_id} is already {plan.status.value}")
    return plan


# --- the job ---------------------------------------------------------------------------------


def run_plan(
    *,
    sessions: sessionmaker[Session],
    plan_id: int,
    graph: Callable[[], BikeGraph],
    snap_limit_m: float,
    processes: int = 0,
    part_stops: int = PART_STOPS,
    fan_out: FanOut | None = None,
) -> str:
    """Run plan ``plan_id`` to the end: the body of the planning job (idempotent).

    A day too large for one search (:func:`planner.zones.parts_needed` with ``part_stops``) is
    split into parts, stored, and handed to ``fan_out`` one job a part
    (:mod:`depot.plan_parts`); this job then ends and the last part's job writes the plan.

    Parameters
    ----------
    sessions : sessionmaker
        Sessions on the database (progress and the result are written in their own
        transactions).
    plan_id : int
    graph : callable
        Returns the bike network (loaded once per process by the caller).
    snap_limit_m : float
        Farthest an address may lie from a bikeable way, metres.
    processes : int
        Processes the planner searches with; 0: one per core (fewer where this process may
        not start them: the plan's notes say so, see :func:`depot.plan_attempt.search_processes`).
    part_stops : int
        Stops a part is sized for; a day above 1.25 times that is split.
    fan_out : callable, optional
        Starts one part's job; without it a large day is planned in this job.

    Returns
    -------
    str
        ``"done"``, ``"split"`` (parts handed out), ``"failed"``, ``"skipped"`` (already
        finished) or ``"lost"`` (cancelled or taken over meanwhile: the search stopped,
        nothing written).
    """
    attempt = claim(sessions, plan_id)
    if attempt is None:
        return "skipped"

    def progress(**values: Any) -> None:
        write_progress(sessions, plan_id, attempt, **values)

    try:
        workers, note = search_processes(processes)
        with sessions() as session:
            plan = session.get(Plan, plan_id)
            assert plan is not None
            params = SolveParams(time_limit_s=plan.time_limit_s, workers=workers)
            inp = planning_input(
                session=session, plan_date=plan.plan_date, kind=plan.kind, now_s=plan.now_s
            )
        progress(stage="matrix")
        network = graph()
        prepared = prepare_day(network, inp.request, snap_limit_m=snap_limit_m)
        k = parts_needed(len(prepared.problem.stops), part_stops)
        if k > 1 and fan_out is not None:
            with sessions() as session:
                held = session.execute(update(Plan).where(*mine(plan_id, attempt)).values(
                    stage=f"parts 0/{k}", progress_share=0.0
                ))  # fmt: skip
                if getattr(held, "rowcount", 0) != 1:
                    raise PlanLostError(plan_id)
                n = store_parts(
                    session=session,
                    plan_id=plan_id,
                    attempt=attempt,
                    inp=inp,
                    prepared=prepared,
                    k=k,
                )
                session.commit()
            for part_no in range(1, n + 1):
                fan_out(plan_id, attempt, part_no)
            return "split"
        progress(stage="solving")
        log.info("plan %s: searching with %d process(es)", plan_id, workers)
        with Watch(lambda share: progress(progress_share=share), params.time_limit_s) as watch:
            day_plan = plan_prepared(
                network, inp.request, prepared, params=params, should_stop=watch.should_stop
            )
        if watch.lost:
            raise PlanLostError(plan_id)
        day_plan = replace(day_plan, plan=with_note(day_plan.plan, note))
        planned = sum(1 for r in day_plan.rounds for v in r.visits if v.stop_id is not None)
        progress(stage="writing", progress_share=1.0, stops_planned=planned)
        written = write_plan(sessions, plan_id, attempt, inp, day_plan)
        return "done" if written else "lost"
    except (PlanLostError, SearchStoppedError):
        log.info("plan %s was cancelled or taken over; attempt %s wrote nothing", plan_id, attempt)
        return "lost"
    except Exception as exc:
        log.exception("plan %s failed", plan_id)
        fail_plan(sessions, plan_id, attempt, exc)
        return "failed"
