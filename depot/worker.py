"""Background jobs: planning runs as Celery tasks on Redis, or in-process without a broker.

An entry point (``celery -A depot.worker worker``): the Celery app is built on first use from
:class:`~depot.settings.Settings` (``BAKFIETS_BROKER_URL``, ``BAKFIETS_DATABASE_URL``...).
The API builds a :class:`PlanRunner` from its own settings with :func:`make_runner`: with a
broker it sends the task by name; without one (the embedded default) a thread of the API
process runs the same :func:`depot.plan_runs.run_plan`, so ``make demo`` needs no Redis.

Delivery guarantees (measured with Celery 5.7 / kombu 5.7 / Redis 7, see conventions.md):

* ``acks_late`` + ``task_reject_on_worker_lost``: a worker child killed mid-plan gives the
  message back to the queue and another child plans it again (``attempts`` counts the runs);
  without the second setting the task would end as ``WorkerLostError`` and never run again;
* prefetch 1: a worker holds one plan message at a time, so a lost worker strands only one;
* one pool child per machine (``--concurrency=1``), planning on every core: the planner forks
  its search processes (``BAKFIETS_PLAN_PROCESSES``, 0 = one per core) from the child.
  Prefork children are daemonic, and multiprocessing refuses children to a daemonic process
  (``AssertionError``) because they would outlive it; each child is declared non-daemonic when it
  starts (:func:`allow_search_processes`) since the planner's processes cannot outlive it
  (ended when the search ends or is stopped, killed with their parent). Should a child still be
  daemonic, the plan searches with one process and its notes say so;
* ``visibility_timeout`` (Redis) above the job's hard time limit, so a long plan is never handed
  to a second worker while the first still works on it; a whole worker killed is noticed after
  ``visibility_timeout`` by the next live worker;
* the task is idempotent by plan id: a job for a finished plan does nothing, a running one
  restarts cleanly, and only the latest attempt may write (see :mod:`depot.plan_runs`).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from celery import Celery, shared_task
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from depot.plan_parts import run_part
from depot.plan_runs import MAX_TIME_LIMIT_S, run_plan
from depot.settings import Settings
from maps.graph import BikeGraph, load_graph
from maps.profiles import PedestrianMode, get_profile
from models.session import make_engine, make_sessionmaker

log = logging.getLogger(__name__)

TASK_NAME = "bakfiets.plan_day"
PART_TASK_NAME = "bakfiets.plan_part"
QUEUE = "bakfiets-plans"
#: Hard limit of one planning job: the longest search plus reading, matrix and streets.
JOB_TIME_LIMIT_S = 3 * MAX_TIME_LIMIT_S
#: Redis hands an unacknowledged message to another worker after this long (> the job limit).
VISIBILITY_TIMEOUT_S = JOB_TIME_LIMIT_S + 600


class PlanRunner(Protocol):
    """Something that starts the planning job of a queued plan."""

    def submit(self, plan_id: int) -> None:
        """Start (or queue) the job of plan ``plan_id``; raises if it cannot be queued."""


def graph_loader(settings: Settings) -> Callable[[], BikeGraph]:
    """A function returning the bike network of ``settings.osm_file`` (loaded once a process).

    The network is needed only when a plan runs, so a worker that only skips finished plans
    never loads it.
    """
    speeds = json.dumps(settings.speed_kph, sort_keys=True)
    key = (settings.osm_file, settings.bike_profile, settings.pedestrian_zones, speeds)
    cache_dir = settings.cache_dir

    def load() -> BikeGraph:
        return _load_graph(*key, cache_dir)

    return load


@lru_cache(maxsize=2)
def _load_graph(
    osm_file: Path | None, profile_name: str, zones: PedestrianMode, speeds: str, cache_dir: Path
) -> BikeGraph:
    if osm_file is None:
        raise RuntimeError(
            "BAKFIETS_OSM_FILE is not set: plans need the street network of an OSM extract"
        )
    profile = get_profile(profile_name, pedestrian_zones=zones)
    if json.loads(speeds):
        profile = profile.with_speeds(**json.loads(speeds))
    return load_graph(osm_file, profile, cache_dir=cache_dir)


class InProcessRunner:
    """Runs plans one at a time on a thread of this process (no broker needed)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.graph = graph_loader(settings)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bakfiets-plan")

    def submit(self, plan_id: int) -> None:
        """Queue plan ``plan_id`` on the planning thread."""
        future = self.pool.submit(
            run_plan,
            sessions=self.sessions,
            plan_id=plan_id,
            graph=self.graph,
            snap_limit_m=self.settings.snap_limit_m,
            processes=self.settings.plan_processes,
            part_stops=self.settings.plan_part_stops,
            fan_out=self.submit_part,
        )
        future.add_done_callback(_log_crash)

    def submit_part(self, plan_id: int, attempt: int, part_no: int) -> None:
        """Queue one part of a large plan on the planning thread."""
        future = self.pool.submit(
            run_part,
            sessions=self.sessions,
            plan_id=plan_id,
            attempt=attempt,
            part_no=part_no,
            graph=self.graph,
            processes=self.settings.plan_processes,
        )
        future.add_done_callback(_log_crash)

    def shutdown(self) -> None:
        """Wait for the running plan and stop the thread."""
        self.pool.shutdown(wait=True)


def _log_crash(future: Future[str]) -> None:
    if future.exception() is not None:
        log.error("planning thread crashed", exc_info=future.exception())


class CeleryRunner:
    """Sends the planning task to the broker of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.app = make_celery(settings)

    def submit(self, plan_id: int) -> None:
        """Send the task of plan ``plan_id`` (raises if the broker cannot be reached)."""
        self.app.send_task(TASK_NAME, args=[plan_id], queue=QUEUE)


def make_runner(settings: Settings, sessions: sessionmaker[Session]) -> PlanRunner:
    """Celery when ``settings.broker_url`` is set, else a thread of this process."""
    if settings.broker_url:
        return CeleryRunner(settings)
    return InProcessRunner(settings, sessions)


def make_celery(settings: Settings) -> Celery:
    """The Celery app for ``settings``: Redis broker, late acks, one message per worker."""
    app = Celery("bakfiets", broker=settings.broker_url or "memory://", set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_time_limit=JOB_TIME_LIMIT_S,
        task_soft_time_limit=JOB_TIME_LIMIT_S - 60,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        broker_connection_retry_on_startup=True,
        worker_soft_shutdown_timeout=30.0,
        worker_hijack_root_logger=False,
    )
    app.bakfiets_settings = settings
    return app


@lru_cache(maxsize=1)
def _sessions(database_url: str) -> sessionmaker[Session]:
    """Sessions of this worker process (made after the fork, never shared across it)."""
    return make_sessionmaker(make_engine(database_url))


@shared_task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
def plan_day_task(self: Any, plan_id: int) -> str:
    """Run plan ``plan_id`` (idempotent: a finished plan is left as it is)."""
    settings: Settings = getattr(self.app, "bakfiets_settings", None) or Settings()
    delivery = getattr(self.request, "delivery_info", None) or {}
    if delivery.get("redelivered"):
        log.warning("plan %s: message delivered again (a worker was lost)", plan_id)

    def fan_out(plan: int, attempt: int, part_no: int) -> None:
        self.app.send_task(PART_TASK_NAME, args=[plan, attempt, part_no], queue=QUEUE)

    return run_plan(
        sessions=_sessions(settings.database_url),
        plan_id=plan_id,
        graph=graph_loader(settings),
        snap_limit_m=settings.snap_limit_m,
        processes=settings.plan_processes,
        part_stops=settings.plan_part_stops,
        fan_out=fan_out,
    )


@shared_task(name=PART_TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
def plan_part_task(self: Any, plan_id: int, attempt: int, part_no: int) -> str:
    """Plan one part of a large day (idempotent); the last part assembles and writes the plan."""
    settings: Settings = getattr(self.app, "bakfiets_settings", None) or Settings()
    return run_part(
        sessions=_sessions(settings.database_url),
        plan_id=plan_id,
        attempt=attempt,
        part_no=part_no,
        graph=graph_loader(settings),
        processes=settings.plan_processes,
    )


@worker_process_init.connect
def allow_search_processes(**_signal: Any) -> None:
    """In each prefork child as it starts: it may start the planner's search processes.

    Billiard marks pool children daemonic, which only tells multiprocessing to refuse them
    children (lest those outlive them). The planner's processes do not: they are ended when the
    search ends or is stopped, and killed with their parent (:mod:`planner.portfolio`).
    """
    multiprocessing.current_process().daemon = False


@lru_cache(maxsize=1)
def worker_app() -> Celery:
    """The Celery app of ``celery -A depot.worker worker`` (settings from the environment)."""
    return make_celery(Settings())


def __getattr__(name: str) -> Any:
    # `celery -A depot.worker` looks for `app` (then `celery`): built only when asked, so
    # importing this module (the API does) reads no environment.
    if name in ("app", "celery"):
        return worker_app()
    raise AttributeError(name)
