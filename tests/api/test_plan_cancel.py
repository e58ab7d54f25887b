"""Cancelling a plan stops its search, jobs in-process: the plan ends cancelled with nothing
written, the search processes are gone, and the next plan runs at once; a split day's parts
stop too, and their stored inputs and answers are emptied however the plan ends.

Each plan asks for a minute of search; the waits are bounded by a hang guard well below that
minute (a search that ran on after the cancel would trip it), nothing asserts on durations.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depot import plan_attempt, plan_parts
from models import PlanPart, PlanRound
from tests.api.plan_day import Client, set_up_day, wait_done
from tests.api.plan_waits import wait_gone, wait_searching
from tests.dbfixtures import depot_today

pytestmark = pytest.mark.slow

#: Longest wait for a stopped search to end and the next (one-second) plan to be done.
AFTER_CANCEL_S = 40.0


def _rounds(session: Session, plan_id: int) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).where(PlanRound.plan_id == plan_id)) or 0)


def _stored_pickles(session: Session, plan_id: int) -> list[tuple[int, int, bool]]:
    """(part number, bytes of input, has an answer) of every part row of the plan."""
    session.expire_all()
    rows = session.scalars(select(PlanPart).where(PlanPart.plan_id == plan_id)).all()
    return sorted((p.part_no, len(p.payload), p.result is not None) for p in rows)


def _cancel_while_searching(
    plan_client: Client, shops: dict[str, int], session: Session, kind: str, stage: str
) -> tuple[Client, str, int]:
    """A minute-long plan, cancelled once its search processes run (its stored parts, if any,
    emptied by the cancel); then a one-second plan of the same date must be done within
    :data:`AFTER_CANCEL_S` and the search processes gone.
    Returns the depot client, the date and the cancelled plan's id."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": kind, "time_limit_s": 60}
    asked = depot.post("/api/v1/plans", json=body)
    assert asked.status_code == 202, asked.text
    url, plan_id = asked.json()["status_url"], asked.json()["id"]
    searching = wait_searching(
        lambda: depot.get(url).json(), stage, os.getpid, time.monotonic() + 120
    )

    cancelled = depot.delete(url)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert all(size == 0 and not answer for _, size, answer in _stored_pickles(session, plan_id))
    deadline = time.monotonic() + AFTER_CANCEL_S
    wait_gone(searching, deadline, "the search went on after the cancel")
    next_plan = depot.post("/api/v1/plans", json={**body, "time_limit_s": 1})
    assert next_plan.status_code == 202, next_plan.text
    done = wait_done(depot, next_plan.json()["status_url"], deadline - time.monotonic())
    assert done["status"] == "done", done["error"]
    view = depot.get(url).json()
    assert (view["status"], view.get("rounds")) == ("cancelled", None)
    assert _rounds(session, plan_id) == 0
    return depot, day.day.isoformat(), plan_id


def test_cancel_stops_the_search_and_the_next_plan_runs(
    plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """A plan given a minute is cancelled while its processes search: they are gone within
    the guard, the plan stays cancelled without a round, and the next plan of that date is
    planned at once by the same planning thread."""
    _cancel_while_searching(plan_client, shops, session, "deliveries", "solving")


def test_cancel_stops_a_split_days_part_and_empties_the_parts(
    plan_app: FastAPI, plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """A day split in 3 parts (parts sized for 8 stops), cancelled while the first part
    searches: the part's search stops, the other parts are not planned, and every stored part
    input and answer of the plan is emptied (the rows stay)."""
    runner = plan_app.state.plan_runner
    runner.settings = runner.settings.model_copy(update={"plan_part_stops": 8})
    _depot, _day, plan_id = _cancel_while_searching(
        plan_client, shops, session, "combined", "parts 0/3"
    )
    assert _stored_pickles(session, plan_id) == [(n, 0, False) for n in range(4)]


def test_parts_are_emptied_when_the_plan_is_done_or_fails(
    plan_app: FastAPI,
    plan_client: Client,
    shops: dict[str, int],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A split day planned to the end keeps no stored part input or answer; nor does one whose
    assembly fails (the plan is failed, saying why, not left running)."""
    runner = plan_app.state.plan_runner
    runner.settings = runner.settings.model_copy(update={"plan_part_stops": 8})
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 1}
    done = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert done["status"] == "done", done["error"]
    assert _stored_pickles(session, done["id"]) == [(n, 0, False) for n in range(4)]

    def broken(*_args: object) -> None:
        raise RuntimeError("the parts could not be put together")

    monkeypatch.setattr(plan_parts, "finish_day", broken)
    failed = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: the parts could not be put together"
    assert _stored_pickles(session, failed["id"]) == [(n, 0, False) for n in range(4)]


def test_a_plan_that_may_not_start_processes_says_so(
    plan_client: Client,
    shops: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Planned where processes may not be started (a daemonic pool child), a plan searches with
    one process and says so in its notes and in the log."""
    monkeypatch.setattr(
        plan_attempt.multiprocessing, "current_process", lambda: SimpleNamespace(daemon=True)
    )
    monkeypatch.setattr(plan_attempt.os, "sched_getaffinity", lambda _pid: {0, 1})
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    body = {"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 1}
    with caplog.at_level(logging.WARNING, logger="depot.plan_attempt"):
        plan = wait_done(depot, depot.post("/api/v1/plans", json=body).json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    note = (
        "planned with 1 process, not 2: this worker process may not start processes "
        "(a daemonic pool child)"
    )
    assert note in plan["summary"]["notes"]
    assert note in caplog.messages
