"""Slips of a day planned through the API: each names its parcel's round and stop in the plan."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from depot.paper.collect import collect_slips, plan_placements
from depot.paper.slips import render_slips_pdf
from tests.api.plan_day import Client, set_up_day, wait_done
from tests.dbfixtures import depot_today
from tests.depot.paper.readback import open_pdf, page_text

pytestmark = pytest.mark.slow


def test_slips_name_the_round_and_stop_the_plan_delivers_them_in(
    plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """After a combined plan of a real day, every parcel's slip names its delivery round (the
    plan's vehicle) and the stop's number among the round's calls; unplanned ones say so."""
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    asked = depot.post(
        "/api/v1/plans", json={"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 2}
    )
    assert asked.status_code == 202, asked.text
    plan = wait_done(depot, asked.json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    expected: dict[int, tuple[str, int]] = {}
    for round_ in plan["rounds"]:
        calls = [s for s in round_["stops"] if s["kind"] != "reload"]
        for number, stop in enumerate(calls, start=1):
            if stop["kind"] == "delivery":
                for code in stop["label_codes"]:
                    expected[code] = (round_["vehicle"], number)
    assert expected
    session.expire_all()
    slips = collect_slips(
        session=session,
        day=day.day,
        public_url="https://bakfiets.example.dk",
        placements=plan_placements(session=session, day=day.day),
    )
    assert len(slips) >= len(expected)
    pages = open_pdf(render_slips_pdf(slips))
    for slip, page in zip(slips, pages, strict=True):
        text = page_text(page)
        if slip.label_code in expected:
            vehicle, number = expected[slip.label_code]
            assert (slip.round_ref, slip.stop_number) == (vehicle, number)
            assert f"Round {vehicle}" in text and re.search(rf"\bStop {number}\b", text)
        else:
            assert slip.round_ref is None and "not planned yet" in text
