"""Asking for plans: one plan per date at a time, cancelling, versions, roles and bad input.

The job runner here only records what it is given, so a plan stays queued as long as a test
needs it to (no timing involved).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.locate import Locator
from depot.settings import Settings
from tests.api.plan_day import DEPOT, Client
from tests.dbfixtures import depot_today


class RecordingRunner:
    """Remembers the plan ids it was asked to run; runs nothing (or fails, if told to)."""

    def __init__(self) -> None:
        self.submitted: list[int] = []
        self.broken = False

    def submit(self, plan_id: int) -> None:
        if self.broken:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
        self.submitted.append(plan_id)

    def shutdown(self) -> None:
        pass


@pytest.fixture
def runner() -> RecordingRunner:
    """The recording runner of :func:`plan_app`."""
    return RecordingRunner()


@pytest.fixture
def plan_app(
    db_url: str,
    session_factory: sessionmaker[Session],
    locator: Locator,
    osm_path: Path,
    runner: RecordingRunner,
) -> Iterator[FastAPI]:
    """The API with the recording runner."""
    settings = Settings(database_url=db_url, osm_file=osm_path)
    yield create_app(settings, locator=locator, session_factory=session_factory, plan_runner=runner)


def _day(days: int = 2) -> str:
    return (depot_today() + timedelta(days=days)).isoformat()


def test_second_request_for_a_date_is_told_which_plan_runs(
    plan_client: Client, runner: RecordingRunner
) -> None:
    """While plan A of a date is queued, a second request is 409 naming plan A; another date is
    planned meanwhile; once A is cancelled the date gets version 2."""
    depot = plan_client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    first = depot.post("/api/v1/plans", json={"date": _day(), "time_limit_s": 5})
    assert first.status_code == 202
    plan_a = first.json()["id"]
    assert runner.submitted == [plan_a]

    second = plan_client("admin").post("/api/v1/plans", json={"date": _day(), "kind": "pickups"})
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["fields"][0]["field"] == "date"
    assert f"plan {plan_a} (version 1, combined) is queued" in error["message"]
    assert runner.submitted == [plan_a]

    other_day = depot.post("/api/v1/plans", json={"date": _day(3)})
    assert other_day.status_code == 202 and other_day.json()["version"] == 1

    cancelled = depot.delete(f"/api/v1/plans/{plan_a}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = depot.delete(f"/api/v1/plans/{plan_a}")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == f"plan_id: plan {plan_a} is already cancelled"
    retry = depot.post("/api/v1/plans", json={"date": _day()})
    assert retry.status_code == 202 and retry.json()["version"] == 2
    listed = depot.get("/api/v1/plans", params={"date": _day()}).json()
    assert [(p["version"], p["status"]) for p in listed] == [(2, "queued"), (1, "cancelled")]


def test_a_queue_that_cannot_be_reached_fails_the_plan_and_frees_the_date(
    plan_client: Client, runner: RecordingRunner
) -> None:
    """With the broker down the request is 503 saying so, the plan is marked failed with that
    reason, and the date is not left blocked."""
    depot = plan_client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    runner.broken = True
    refused = depot.post("/api/v1/plans", json={"date": _day()})
    assert refused.status_code == 503
    assert "the planning queue cannot be reached" in refused.json()["error"]["message"]
    (plan,) = depot.get("/api/v1/plans", params={"date": _day()}).json()
    assert plan["status"] == "failed" and "Connection refused" in plan["error"]
    runner.broken = False
    assert depot.post("/api/v1/plans", json={"date": _day()}).status_code == 202


def test_plans_are_for_depot_staff_only(plan_client: Client) -> None:
    """Couriers and the webshop integration may not ask for, read or cancel plans (403); an
    unknown plan is 404."""
    depot = plan_client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    plan = depot.post("/api/v1/plans", json={"date": _day()}).json()["id"]
    for role in ("courier", "integration"):
        other = plan_client(role)
        assert other.post("/api/v1/plans", json={"date": _day(4)}).status_code == 403
        assert other.get(f"/api/v1/plans/{plan}").status_code == 403
        assert other.delete(f"/api/v1/plans/{plan}").status_code == 403
    assert depot.get("/api/v1/plans/999999").status_code == 404


def test_merchants_never_see_plans(plan_client: Client, shops: dict[str, int]) -> None:
    """A merchant of a registered shop is refused plans and rounds (403)."""
    depot = plan_client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    plan = depot.post("/api/v1/plans", json={"date": _day()}).json()["id"]
    merchant = plan_client("merchant", shop="S001")
    assert merchant.get(f"/api/v1/plans/{plan}").status_code == 403
    assert merchant.get("/api/v1/plans").status_code == 403
    assert merchant.get("/api/v1/rounds", params={"date": _day()}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2020-01-01"}, "date"),
        ({"date": "tomorrow"}, "date"),
        ({"kind": "everything"}, "kind"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": 3600}, "time_limit_s"),
        ({"now": "25:00"}, "now"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_plan_requests_name_the_field(
    plan_client: Client, runner: RecordingRunner, body: dict[str, object], field: str
) -> None:
    """Each bad request is 422 naming the field, and nothing is queued."""
    depot = plan_client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    answer = depot.post("/api/v1/plans", json={"date": _day(), **body})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["fields"][0]["field"] == field
    assert runner.submitted == []


def test_a_plan_needs_a_depot(plan_client: Client, runner: RecordingRunner) -> None:
    """Without a depot set up, a plan request is 422 naming ``depot``."""
    answer = plan_client("depot").post("/api/v1/plans", json={"date": _day()})
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "depot"
    assert runner.submitted == []
