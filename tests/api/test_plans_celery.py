"""Planning through a real Celery worker process on Redis and PostgreSQL, with a worker child
killed (SIGKILL) in the middle of a plan.

The API sends the task to Redis; ``celery -A depot.worker worker`` runs as a subprocess with
one prefork child. The child is killed while the planner searches; the message comes back
(``acks_late`` + ``task_reject_on_worker_lost``), a new child plans again, and the plan
completes once — and never shows rounds before it is done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.locate import Locator
from depot.settings import Settings
from depot.worker import QUEUE, TASK_NAME, make_celery
from models import Plan, PlanPart, PlanRound, RoundStop
from models.plan import round_stop_parcels
from tests.api.plan_day import Client, set_up_day, wait_done
from tests.api.plan_waits import wait_gone, wait_searching
from tests.dbfixtures import ROOT, depot_today
from tests.waiting import hang_guard

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

#: A Redis database of its own (one per xdist worker), emptied before use.
REDIS_DB = 11 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4


def worker_command() -> list[str]:
    """``celery -A depot.worker worker``: one prefork child, our queue, no chatter."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "depot.worker",
        "worker",
        "--loglevel=INFO",
        "--concurrency=1",
        "--pool=prefork",
        f"--queues={QUEUE}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=plans-test-{os.getpid()}@%h",
    ]


@pytest.fixture
def broker_url(db_url: str) -> str:
    """An empty Redis database for this test (PostgreSQL runs only: skipped on SQLite)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the Celery worker test runs on PostgreSQL")
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def plan_app(
    db_url: str,
    broker_url: str,
    session_factory: sessionmaker[Session],
    locator: Locator,
    osm_path: Path,
) -> FastAPI:
    """The API sending planning tasks to Redis."""
    settings = Settings(database_url=db_url, broker_url=broker_url, osm_file=osm_path)
    return create_app(settings, locator=locator, session_factory=session_factory)


@pytest.fixture
def worker(
    request: pytest.FixtureRequest, db_url: str, broker_url: str, osm_path: Path, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker process on the test's database and Redis (its log in tmp_path); more
    environment can be given by indirect parametrisation."""
    env = {
        **os.environ,
        "BAKFIETS_DATABASE_URL": db_url,
        "BAKFIETS_BROKER_URL": broker_url,
        "BAKFIETS_OSM_FILE": str(osm_path),
        "BAKFIETS_DATA_DIR": str(ROOT / "var"),
        **getattr(request, "param", {}),
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        worker_command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def _status_and_rounds(session: Session, plan_id: int) -> tuple[str, int]:
    """The plan's status and how many rounds it has, read in one statement (one snapshot)."""
    session.rollback()
    rounds = select(func.count()).where(PlanRound.plan_id == plan_id).scalar_subquery()
    status, count = session.execute(select(Plan.status, rounds).where(Plan.id == plan_id)).one()
    return str(status), int(count)


def test_worker_killed_mid_plan_still_completes_once(
    plan_client: Client,
    shops: dict[str, int],
    session: Session,
    worker: subprocess.Popen[bytes],
    broker_url: str,
    tmp_path: Path,
) -> None:
    """The child planning the day is SIGKILLed while the planner searches: the plan is run
    again (attempt 2) and finishes once; until then no round of it is visible; a duplicate
    task for the finished plan changes nothing."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    asked = depot.post(
        "/api/v1/plans", json={"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 8}
    )
    assert asked.status_code == 202, asked.text
    url = asked.json()["status_url"]
    plan_id = asked.json()["id"]

    deadline = time.monotonic() + 120
    view = depot.get(url).json()
    while not (view["status"] == "running" and view["progress"]["stage"] == "solving"):
        assert view["status"] in ("queued", "running"), view
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        hang_guard(deadline, f"never reached the search: {view}")
        time.sleep(0.2)
        view = depot.get(url).json()
    assert view["attempts"] == 1
    os.kill(_child_pid(session, plan_id), signal.SIGKILL)

    deadline = time.monotonic() + 180
    while True:
        view = depot.get(url).json()
        if view["status"] == "done":
            break
        assert view["status"] in ("queued", "running"), view
        assert "rounds" not in view or view["rounds"] is None
        status, written = _status_and_rounds(session, plan_id)
        assert status == "done" or written == 0  # never rounds of an unfinished plan
        hang_guard(deadline, lambda: (tmp_path / "worker.log").read_text()[-3000:])
        time.sleep(0.3)
    assert view["attempts"] == 2, view
    assert view["rounds"], view

    # Each parcel on at most one stop: the first attempt wrote nothing.
    session.expire_all()
    links = session.execute(
        select(round_stop_parcels.c.parcel_id)
        .join(RoundStop, RoundStop.id == round_stop_parcels.c.round_stop_id)
        .join(PlanRound, PlanRound.id == RoundStop.round_id)
        .where(PlanRound.plan_id == plan_id)
    ).all()
    assert links and len(links) == len(set(links))

    # A duplicate message for the finished plan is consumed and changes nothing.
    finished_at = view["finished_at"]
    broker = redis.Redis.from_url(broker_url)
    make_celery(Settings(broker_url=broker_url)).send_task(TASK_NAME, args=[plan_id], queue=QUEUE)
    deadline = time.monotonic() + 60
    while broker.llen(QUEUE) or broker.hlen("unacked"):
        hang_guard(deadline, "the duplicate task was never consumed")
        time.sleep(0.2)
    time.sleep(1.0)
    again = depot.get(url).json()
    assert (again["attempts"], again["finished_at"]) == (2, finished_at)
    assert len(again["rounds"]) == len(view["rounds"])


def _child_pid(session: Session, plan_id: int) -> int:
    """The pid of the worker child running the plan (``host:pid`` on the plan row)."""
    session.expire_all()
    plan = session.get(Plan, plan_id)
    assert plan is not None and plan.worker is not None
    return int(plan.worker.rsplit(":", 1)[1])


def test_a_cancelled_plan_stops_its_search_and_frees_the_worker(
    plan_client: Client,
    shops: dict[str, int],
    session: Session,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    """The worker child plans a day given a minute, searching in one process per core (two
    here: prefork children may start the planner's processes); the plan is cancelled: the
    search processes are gone well within that minute, the plan stays cancelled without a
    round, and the same one-child worker plans the next plan of the date at once."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 60}
    asked = depot.post("/api/v1/plans", json=body)
    assert asked.status_code == 202, asked.text
    url, plan_id = asked.json()["status_url"], asked.json()["id"]
    searching = wait_searching(
        lambda: depot.get(url).json(),
        "solving",
        lambda: _child_pid(session, plan_id),
        time.monotonic() + 180,
        at_least=min(2, len(os.sched_getaffinity(0))),
    )

    assert depot.delete(url).json()["status"] == "cancelled"
    deadline = time.monotonic() + 40  # well below the minute the search was given
    log = tmp_path / "worker.log"
    wait_gone(searching, deadline, lambda: "the search went on:\n" + log.read_text()[-3000:])
    next_plan = depot.post("/api/v1/plans", json={**body, "time_limit_s": 1})
    assert next_plan.status_code == 202, next_plan.text
    done = wait_done(depot, next_plan.json()["status_url"], deadline - time.monotonic())
    assert done["status"] == "done", done["error"]
    assert _status_and_rounds(session, plan_id) == ("cancelled", 0)
    assert f"plan {plan_id} was cancelled or taken over; attempt 1 wrote nothing" in log.read_text()


@pytest.mark.parametrize("worker", [{"BAKFIETS_PLAN_PART_STOPS": "8"}], indirect=True)
def test_a_large_day_is_shared_out_as_part_tasks(
    plan_client: Client,
    shops: dict[str, int],
    session: Session,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    """With parts sized for 8 stops, the worker splits the 22-stop day into 3 part tasks on the
    queue; each is planned by a worker process and the last one writes the plan."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    asked = depot.post(
        "/api/v1/plans", json={"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 1}
    )
    url = asked.json()["status_url"]
    deadline = time.monotonic() + 180
    view = depot.get(url).json()
    while view["status"] in ("queued", "running"):
        hang_guard(deadline, lambda: (tmp_path / "worker.log").read_text()[-3000:])
        time.sleep(0.3)
        view = depot.get(url).json()
    assert view["status"] == "done", view["error"]
    assert "planned in 3 parts, one job each" in view["summary"]["notes"]
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Task bakfiets.plan_part[") >= 3 * 2  # each part received and succeeded
    session.expire_all()
    parts = session.scalars(
        select(PlanPart).where(PlanPart.plan_id == asked.json()["id"], PlanPart.part_no > 0)
    ).all()
    assert len(parts) == 3 and all(p.status == "done" and p.worker for p in parts)
