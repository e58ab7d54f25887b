"""Planning runs: ask for a plan of a date, run it (a job), cancel it.

A run's life, all on the ``plans`` row:

* :func:`request_plan` writes it ``queued`` with the next version of its date; the database lets
  only one plan per date be queued or running (a second request is told which one is);
* :func:`run_plan` (the body of the background job, :mod:`depot.worker`) claims it — ``running``,
  ``attempts`` + 1 — reads the day, builds the matrix, solves, traces the streets, and writes
  rounds, stops and the unassigned in the one transaction that marks it ``done``. Every write is
  conditional on the plan still being ``running`` under this attempt, so a cancelled plan, or a
  plan another worker took over after this one was presumed lost, is never written;
* a job delivered again (a worker killed mid-plan) claims the plan again and starts afresh;
  a job for a finished plan does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.plan_input import PlanningInput, get_depot, planning_input
from depot.plan_parts import FanOut, store_parts
from depot.plan_store import write_result
from depot.planning import plan_prepared, prepare_day
from depot.users import Caller
from maps.graph import BikeGraph
from models import Plan, PlanKind, PlanStatus, utcnow
from planner.solve import SolveParams
from planner.zones import PART_STOPS, parts_needed

log = logging.getLogger(__name__)

#: Longest search a plan may ask for, seconds (the job's own time limit is set above it).
MAX_TIME_LIMIT_S = 600
ACTIVE = (PlanStatus.QUEUED, PlanStatus.RUNNING)
FINISHED = (PlanStatus.DONE, PlanStatus.FAILED, PlanStatus.CANCELLED)
#: Runs of one plan before it is given up (each lost worker means one more).
MAX_ATTEMPTS = 3
#: Seconds between progress writes while the planner searches.
TICK_S = 1.0


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

    The planner's search is not interrupted; its answer is thrown away when it ends.

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
    session.commit()
    session.refresh(plan)
    if getattr(done, "rowcount", 0) != 1:
        raise ConflictError("plan_id", f"plan {plan_id} is already {plan.status.value}")
    return plan


# --- the job ---------------------------------------------------------------------------------


class PlanLostError(Exception):
    """The plan was cancelled, or taken over by another attempt, while this one worked."""


def _claim(sessions: sessionmaker[Session], plan_id: int) -> int | None:
    """Mark the plan running under a new attempt; ``None`` if it is finished (nothing to do)."""
    with sessions() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            log.warning("plan %s does not exist; job dropped", plan_id)
            return None
        if plan.status in FINISHED:
            log.info("plan %s is already %s; redelivered job ignored", plan_id, plan.status)
            return None
        attempt = plan.attempts + 1
        if attempt > MAX_ATTEMPTS:  # a plan that kills its worker every time is given up
            session.execute(
                update(Plan)
                .where(Plan.id == plan_id, Plan.attempts == plan.attempts, Plan.status.in_(ACTIVE))
                .values(
                    status=PlanStatus.FAILED,
                    stage="failed",
                    error=f"the worker running it was lost {plan.attempts} times; not tried again",
                    finished_at=utcnow(),
                )
            )
            session.commit()
            return None
        claimed = session.execute(
            update(Plan)
            .where(Plan.id == plan_id, Plan.attempts == plan.attempts, Plan.status.in_(ACTIVE))
            .values(
                status=PlanStatus.RUNNING,
                attempts=attempt,
                stage="reading",
                progress_share=0.0,
                stops_planned=None,
                error=None,
                worker=f"{socket.gethostname()}:{os.getpid()}",
                started_at=plan.started_at or utcnow(),
            )
        )
        session.commit()
        return attempt if getattr(claimed, "rowcount", 0) == 1 else None


def _mine(plan_id: int, attempt: int) -> Any:
    return (Plan.id == plan_id, Plan.status == PlanStatus.RUNNING, Plan.attempts == attempt)


def _progress(sessions: sessionmaker[Session], plan_id: int, attempt: int, **values: Any) -> None:
    """Write progress; raises :class:`PlanLostError` if the plan is no longer this attempt's."""
    with sessions() as session:
        result = session.execute(update(Plan).where(*_mine(plan_id, attempt)).values(**values))
        session.commit()
    if getattr(result, "rowcount", 0) != 1:
        raise PlanLostError(plan_id)


class _Ticker:
    """While the planner searches, write the share of the time limit spent, once a second."""

    def __init__(self, write: Callable[[float], None], limit_s: float) -> None:
        self.write, self.limit_s = write, limit_s
        self.stop = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self.stop.wait(TICK_S):
            share = min(0.99, (time.monotonic() - started) / self.limit_s)
            try:
                self.write(round(share, 3))
            except PlanLostError:
                self.lost = True
                return
            except Exception:  # a progress write failing must not stop the plan
                log.exception("progress write failed")

    def __enter__(self) -> _Ticker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def run_plan(
    *,
    sessions: sessionmaker[Session],
    plan_id: int,
    graph: Callable[[], BikeGraph],
    snap_limit_m: float,
    solve_workers: int = 1,
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
    solve_workers : int
        Planner processes (1 inside a Celery worker process, which may not fork).
    part_stops : int
        Stops a part is sized for; a day above 1.25 times that is split.
    fan_out : callable, optional
        Starts one part's job; without it a large day is planned in this job.

    Returns
    -------
    str
        ``"done"``, ``"split"`` (parts handed out), ``"failed"``, ``"skipped"`` (already
        finished) or ``"lost"`` (cancelled or taken over meanwhile; nothing written).
    """
    attempt = _claim(sessions, plan_id)
    if attempt is None:
        return "skipped"

    def progress(**values: Any) -> None:
        _progress(sessions, plan_id, attempt, **values)

    try:
        with sessions() as session:
            plan = session.get(Plan, plan_id)
            assert plan is not None
            params = SolveParams(time_limit_s=plan.time_limit_s, workers=solve_workers)
            inp = planning_input(
                session=session, plan_date=plan.plan_date, kind=plan.kind, now_s=plan.now_s
            )
        progress(stage="matrix")
        network = graph()
        prepared = prepare_day(network, inp.request, snap_limit_m=snap_limit_m)
        k = parts_needed(len(prepared.problem.stops), part_stops)
        if k > 1 and fan_out is not None:
            with sessions() as session:
                mine = session.execute(update(Plan).where(*_mine(plan_id, attempt)).values(
                    stage=f"parts 0/{k}", progress_share=0.0
                ))  # fmt: skip
                if getattr(mine, "rowcount", 0) != 1:
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
        with _Ticker(lambda share: progress(progress_share=share), params.time_limit_s) as ticker:
            day_plan = plan_prepared(network, inp.request, prepared, params=params)
        if ticker.lost:
            raise PlanLostError(plan_id)
        planned = sum(1 for r in day_plan.rounds for v in r.visits if v.stop_id is not None)
        progress(stage="writing", progress_share=1.0, stops_planned=planned)
        written = write_plan(sessions, plan_id, attempt, inp, day_plan)
        return "done" if written else "lost"
    except PlanLostError:
        log.info("plan %s was cancelled or taken over; attempt %s wrote nothing", plan_id, attempt)
        return "lost"
    except Exception as exc:
        log.exception("plan %s failed", plan_id)
        with sessions() as session:
            session.execute(
                update(Plan)
                .where(*_mine(plan_id, attempt))
                .values(
                    status=PlanStatus.FAILED,
                    stage="failed",
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    finished_at=utcnow(),
                )
            )
            session.commit()
        return "failed"


def write_plan(
    sessions: sessionmaker[Session],
    plan_id: int,
    attempt: int,
    inp: PlanningInput,
    day_plan: Any,
) -> bool:
    """Write the result and mark the plan done, in one transaction (or write nothing)."""
    with sessions() as session:
        marked = session.execute(
            update(Plan)
            .where(*_mine(plan_id, attempt))
            .values(status=PlanStatus.DONE, stage="done", finished_at=utcnow())
        )
        if getattr(marked, "rowcount", 0) != 1:
            session.rollback()
            return False
        plan = session.get(Plan, plan_id)
        assert plan is not None
        write_result(session=session, plan=plan, inp=inp, day_plan=day_plan)
        session.commit()
        return True
