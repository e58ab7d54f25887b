"""Stored parts of a split day that no job will need (a worker lost, an attempt taken over, a
plan abandoned) are emptied when the next plan starts; those still needed are kept."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from depot import plan_attempt
from models import Depot, Plan, PlanKind, PlanPart, PlanStatus, utcnow

DAY = date.today() + timedelta(days=5)


def _plan(session: Session, days_later: int, **values: object) -> int:
    plan = Plan(
        plan_date=DAY + timedelta(days=days_later),
        kind=PlanKind.DELIVERIES,
        version=1,
        time_limit_s=1,
        **values,
    )
    session.add(plan)
    session.flush()
    return plan.id


def _parts(session: Session, plan_id: int, attempt: int) -> None:
    for part_no in range(3):
        session.add(
            PlanPart(
                plan_id=plan_id,
                attempt=attempt,
                part_no=part_no,
                parts=2,
                status="done" if part_no else "context",
                payload=b"input",
                result=b"answer" if part_no else None,
            )
        )


def test_the_next_plan_sweeps_parts_no_job_needs(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Parts of a done plan whose ending missed them, of an attempt taken over (attempt 1 of a
    plan now at attempt 2) and of a plan started two days ago are emptied when the next plan
    is claimed; the parts of the running attempt 2 and of a plan started an hour ago stay."""
    session.add(Depot(name="Depot", lat=55.6738, lon=12.5646))
    now = utcnow()
    running = {"status": PlanStatus.RUNNING}
    done = _plan(session, 0, status=PlanStatus.DONE, attempts=1, started_at=now)
    taken_over = _plan(session, 1, **running, attempts=2, started_at=now)
    abandoned = _plan(session, 2, **running, attempts=1, started_at=now - timedelta(days=2))
    fresh = _plan(session, 3, **running, attempts=1, started_at=now - timedelta(hours=1))
    _parts(session, done, 1)
    _parts(session, taken_over, 1)
    _parts(session, taken_over, 2)
    _parts(session, abandoned, 1)
    _parts(session, fresh, 1)
    next_plan = _plan(session, 4, status=PlanStatus.QUEUED)
    session.commit()

    assert plan_attempt.claim(session_factory, next_plan) == 1

    session.expire_all()
    kept = {
        (p.plan_id, p.attempt)
        for p in session.scalars(select(PlanPart)).all()
        if p.payload or p.result is not None
    }
    assert kept == {(taken_over, 2), (fresh, 1)}
    rows = session.scalars(select(PlanPart)).all()
    assert len(rows) == 5 * 3  # emptied, not deleted: which worker planned which part stays
