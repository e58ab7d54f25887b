"""One attempt at a plan: claiming it, holding it, and ending it (done or failed).

Each run of the planning job is an *attempt* (``plans.attempts`` counts them). Everything an
attempt writes is conditional on the plan still being ``running`` under that attempt
(:func:`mine`), so a plan cancelled meanwhile, or taken over by another attempt after this one
was presumed lost, is never written. A :class:`Watch` asks that question once a second while
the planner searches, so a lost plan's search is stopped rather than run to its time limit.

The inputs and answers of a split day's parts (pickles on ``plan_parts`` rows,
:mod:`depot.plan_parts`) are needed only while their attempt runs: they are emptied in the
transaction that ends the plan (done, failed, cancelled), and :func:`claim` sweeps those that an
ending missed (a worker lost, an attempt taken over, a plan abandoned for a day).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from depot.plan_input import PlanningInput
from depot.plan_store import write_result
from depot.planning import DayPlan
from models import Plan, PlanPart, PlanStatus, utcnow
from planner.plan import Plan as SolvedPlan

log = logging.getLogger(__name__)

ACTIVE = (PlanStatus.QUEUED, PlanStatus.RUNNING)
FINISHED = (PlanStatus.DONE, PlanStatus.FAILED, PlanStatus.CANCELLED)
#: Runs of one plan before it is given up (each lost worker means one more).
MAX_ATTEMPTS = 3
#: Seconds between two looks at the plan (and progress writes) while the planner searches.
TICK_S = 1.0
#: A plan started this long ago is no longer planned by anyone: its parts' pickles are swept.
STALE_AFTER = timedelta(days=1)


class PlanLostError(Exception):
    """The plan was cancelled, or taken over by another attempt, while this one worked."""


def mine(plan_id: int, attempt: int) -> Any:
    """The condition of every write of ``attempt``: the plan is still running under it."""
    return (Plan.id == plan_id, Plan.status == PlanStatus.RUNNING, Plan.attempts == attempt)


def claim(sessions: sessionmaker[Session], plan_id: int) -> int | None:
    """Mark the plan running under a new attempt; ``None`` if it is finished (nothing to do).

    Sweeps the parts' pickles no attempt needs any more (:func:`sweep_part_pickles`) first.
    """
    with sessions() as session:
        swept = sweep_part_pickles(session=session)
        session.commit()
        if swept:
            log.info("emptied the stored parts of %s finished or abandoned attempts", swept)
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
            clear_part_pickles(session=session, plan_id=plan_id)
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


def write_progress(
    sessions: sessionmaker[Session], plan_id: int, attempt: int, **values: Any
) -> None:
    """Write progress; raises :class:`PlanLostError` if the plan is no longer this attempt's."""
    with sessions() as session:
        result = session.execute(update(Plan).where(*mine(plan_id, attempt)).values(**values))
        session.commit()
    if getattr(result, "rowcount", 0) != 1:
        raise PlanLostError(plan_id)


def still_mine(sessions: sessionmaker[Session], plan_id: int, attempt: int) -> None:
    """Raise :class:`PlanLostError` if the plan is no longer running under ``attempt``."""
    with sessions() as session:
        if session.scalar(select(Plan.id).where(*mine(plan_id, attempt))) is None:
            raise PlanLostError(plan_id)


class Watch:
    """While the planner searches, call ``look(share of the time limit spent)`` once a second
    (a progress write, or just a look); once it raises :class:`PlanLostError`, :attr:`lost` is
    true — the planner's ``should_stop``."""

    def __init__(self, look: Callable[[float], None], limit_s: float) -> None:
        self.look, self.limit_s = look, limit_s
        self.stop = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self.stop.wait(TICK_S):
            share = min(0.99, (time.monotonic() - started) / self.limit_s)
            try:
                self.look(round(share, 3))
            except PlanLostError:
                self.lost = True
                return
            except Exception:  # a progress write failing must not stop the plan
                log.exception("progress write failed")

    def should_stop(self) -> bool:
        """Whether the plan was lost (the planner then stops its search)."""
        return self.lost

    def __enter__(self) -> Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def search_processes(wanted: int) -> tuple[int, str | None]:
    """How many processes a plan searches with here, and a note if fewer than ``wanted``.

    ``wanted`` 0 means one per core this process may use. A daemonic process (a worker pool's
    child that was not allowed children, see :mod:`depot.worker`) cannot start the planner's
    processes: it plans with one, and says so (a log line; the note goes on the plan).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n = wanted or cores or 1
    if n > 1 and multiprocessing.current_process().daemon:
        note = (
            f"planned with 1 process, not {n}: this worker process may not start processes "
            "(a daemonic pool child)"
        )
        log.warning(note)
        return 1, note
    return n, None


def with_note(plan: SolvedPlan, note: str | None) -> SolvedPlan:
    """``plan`` with ``note`` added to its summary's notes (unchanged without one)."""
    if note is None:
        return plan
    return replace(plan, summary=replace(plan.summary, notes=(*plan.summary.notes, note)))


def write_plan(
    sessions: sessionmaker[Session],
    plan_id: int,
    attempt: int,
    inp: PlanningInput,
    day_plan: DayPlan,
) -> bool:
    """Write the result and mark the plan done, in one transaction (or write nothing); the
    parts' pickles are emptied in it."""
    with sessions() as session:
        marked = session.execute(
            update(Plan)
            .where(*mine(plan_id, attempt))
            .values(status=PlanStatus.DONE, stage="done", finished_at=utcnow())
        )
        if getattr(marked, "rowcount", 0) != 1:
            session.rollback()
            return False
        plan = session.get(Plan, plan_id)
        assert plan is not None
        write_result(session=session, plan=plan, inp=inp, day_plan=day_plan)
        clear_part_pickles(session=session, plan_id=plan_id)
        session.commit()
        return True


def fail_plan(sessions: sessionmaker[Session], plan_id: int, attempt: int, exc: Exception) -> None:
    """Mark the plan failed with ``exc`` as its error (if still this attempt's), parts' pickles
    emptied, in one transaction."""
    with sessions() as session:
        failed = session.execute(
            update(Plan)
            .where(*mine(plan_id, attempt))
            .values(
                status=PlanStatus.FAILED,
                stage="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=utcnow(),
            )
        )
        if getattr(failed, "rowcount", 0) == 1:
            clear_part_pickles(session=session, plan_id=plan_id)
        session.commit()


_HOLDS_PICKLES = or_(PlanPart.payload != b"", PlanPart.result.is_not(None))


def clear_part_pickles(*, session: Session, plan_id: int) -> int:
    """Empty the stored inputs and answers of every part of ``plan_id`` (the rows stay: which
    worker planned which part). The caller commits. Returns the rows emptied."""
    done = session.execute(
        update(PlanPart)
        .where(PlanPart.plan_id == plan_id, _HOLDS_PICKLES)
        .values(payload=b"", result=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def sweep_part_pickles(*, session: Session) -> int:
    """Empty the parts' pickles no attempt needs any more: of finished plans, of attempts since
    taken over, and of plans started more than :data:`STALE_AFTER` ago (their workers were
    lost). The caller commits. Returns the rows emptied."""
    abandoned = select(Plan.id).where(
        or_(Plan.status.in_(FINISHED), Plan.started_at < utcnow() - STALE_AFTER)
    )
    taken_over = exists().where(Plan.id == PlanPart.plan_id, Plan.attempts > PlanPart.attempt)
    done = session.execute(
        update(PlanPart)
        .where(or_(PlanPart.plan_id.in_(abandoned), taken_over), _HOLDS_PICKLES)
        .values(payload=b"", result=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)
