"""The planning job's guarantees, run directly: idempotent by plan id, only the latest attempt
writes, a cancelled plan is never written, a lost-every-time plan is given up, failures say why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from depot import plan_attempt
from depot.plan_runs import cancel_plan, run_plan
from depot.settings import Settings
from depot.worker import graph_loader
from maps.graph import BikeGraph
from models import Depot, Plan, PlanKind, PlanRound, PlanStatus, utcnow
from tests.dbfixtures import ROOT

DAY = date.today() + timedelta(days=5)


def _plan(session: Session, **values: object) -> int:
    session.add(Depot(name="Depot", lat=55.6738, lon=12.5646))
    fields: dict[str, object] = {"status": PlanStatus.QUEUED, **values}
    plan = Plan(plan_date=DAY, kind=PlanKind.DELIVERIES, version=1, time_limit_s=1, **fields)
    session.add(plan)
    session.commit()
    return plan.id


@pytest.fixture(scope="module")
def real_graph(osm_path: Path) -> Callable[[], BikeGraph]:
    """The Copenhagen network, loaded as the worker loads it."""
    return graph_loader(Settings(osm_file=osm_path, data_dir=ROOT / "var"))


def _never() -> BikeGraph:
    raise AssertionError("the network was loaded for a plan that needs no run")


def _row(factory: sessionmaker[Session], plan_id: int) -> Plan:
    with factory() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        return plan


def test_a_job_for_a_finished_plan_does_nothing(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """A redelivered job for a done plan is skipped: no new attempt, no new finish time."""
    finished = utcnow()
    plan_id = _plan(session, status=PlanStatus.DONE, attempts=1, finished_at=finished)
    assert run_plan(sessions=session_factory, plan_id=plan_id, graph=_never, snap_limit_m=250) == (
        "skipped"
    )
    row = _row(session_factory, plan_id)
    assert (row.status, row.attempts, row.finished_at) == (PlanStatus.DONE, 1, finished)


def test_a_plan_cancelled_while_it_runs_is_never_written(
    session: Session,
    session_factory: sessionmaker[Session],
    real_graph: Callable[[], BikeGraph],
) -> None:
    """The plan is cancelled while the job loads the network: the job stops, writes nothing,
    and the plan stays cancelled."""
    plan_id = _plan(session)

    def graph_then_cancel() -> BikeGraph:
        with session_factory() as other:
            cancel_plan(session=other, plan_id=plan_id)
        return real_graph()

    outcome = run_plan(
        sessions=session_factory, plan_id=plan_id, graph=graph_then_cancel, snap_limit_m=250
    )
    assert outcome == "lost"
    row = _row(session_factory, plan_id)
    assert row.status is PlanStatus.CANCELLED and row.summary is None
    with session_factory() as s:
        assert s.scalar(select(func.count()).where(PlanRound.plan_id == plan_id)) == 0


def test_only_the_latest_attempt_writes(
    session: Session,
    session_factory: sessionmaker[Session],
    real_graph: Callable[[], BikeGraph],
) -> None:
    """While attempt 1 works, a redelivered job claims the plan (attempt 2): attempt 1 stops
    without writing; the plan stays running under attempt 2."""
    plan_id = _plan(session)

    def graph_then_taken_over() -> BikeGraph:
        assert plan_attempt.claim(session_factory, plan_id) == 2
        return real_graph()

    outcome = run_plan(
        sessions=session_factory, plan_id=plan_id, graph=graph_then_taken_over, snap_limit_m=250
    )
    assert outcome == "lost"
    row = _row(session_factory, plan_id)
    assert (row.status, row.attempts, row.summary) == (PlanStatus.RUNNING, 2, None)


def test_a_plan_that_loses_its_worker_every_time_is_given_up(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    """After three lost runs a fourth delivery marks the plan failed, saying why."""
    plan_id = _plan(session, status=PlanStatus.RUNNING, attempts=plan_attempt.MAX_ATTEMPTS)
    outcome = run_plan(sessions=session_factory, plan_id=plan_id, graph=_never, snap_limit_m=250)
    assert outcome == "skipped"
    row = _row(session_factory, plan_id)
    assert row.status is PlanStatus.FAILED
    assert row.error == "the worker running it was lost 3 times; not tried again"


def test_a_failed_plan_says_why(session: Session, session_factory: sessionmaker[Session]) -> None:
    """Without an OSM extract configured, the plan fails and its error says what is missing."""
    plan_id = _plan(session)
    no_map = graph_loader(Settings(osm_file=None))
    outcome = run_plan(sessions=session_factory, plan_id=plan_id, graph=no_map, snap_limit_m=250)
    assert outcome == "failed"
    row = _row(session_factory, plan_id)
    assert row.status is PlanStatus.FAILED and row.finished_at is not None
    assert row.error == (
        "RuntimeError: BAKFIETS_OSM_FILE is not set: plans need the street network of an OSM "
        "extract"
    )
