"""``bakfiets plan --out``: a manifest per round and the demo slips, agreeing with plan.json."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.depot.paper.readback import decode, open_pdf, page_text, raster
from tests.depot.paper.test_manifest import calls_read

pytestmark = pytest.mark.slow


def test_plan_writes_manifests_and_slips_that_match_the_plan(
    run_cli: Callable[..., Any], osm_path: Path, tmp_path: Path
) -> None:
    """manifests/<bike>.pdf for each round (calls and ETAs as in plan.json; a stale manifest of
    an earlier run removed) and slips-a6.pdf whose every label scans to a demo code and names
    the round and stop plan.json gives its stop."""
    out = tmp_path / "day"
    (out / "manifests").mkdir(parents=True)
    (out / "manifests" / "bike-09.pdf").write_bytes(b"%PDF- an earlier day")
    result = run_cli(
        "plan", "--osm", osm_path, "--stops", 14, "--bikes", 2, "--seed", 5,
        "--time-limit", 2, "--workers", 1, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert sorted(p.name for p in (out / "manifests").iterdir()) == sorted(
        f"{r['bike_id']}.pdf" for r in plan["routes"]
    )
    placed = {}
    for route in plan["routes"]:
        calls = [v for v in route["visits"] if v["stop_id"]]
        pdf = (out / "manifests" / f"{route['bike_id']}.pdf").read_bytes()
        assert calls_read(pdf) == [
            (n, v["eta"], v["kind"], v["stop_id"]) for n, v in enumerate(calls, start=1)
        ]
        placed.update({v["stop_id"]: (route["bike_id"], n) for n, v in enumerate(calls, 1)})
    pages = open_pdf((out / "slips-a6.pdf").read_bytes())
    seen = set()
    for page in pages:
        (code,) = [d.text for d in decode(raster(page)) if d.format == "Code128"]
        stop_id = re.fullmatch(r"DEMO-([A-Z]\d{3})-\d", code)
        assert stop_id is not None, code
        seen.add(stop_id[1])
        text = page_text(page)
        assert "DEMO" in text
        if stop_id[1] in placed:
            bike, number = placed[stop_id[1]]
            assert f"Round {bike}" in text and re.search(rf"\bStop {number}\b", text)
        else:
            assert "not planned yet" in text
    deliveries = {
        v["stop_id"] for r in plan["routes"] for v in r["visits"] if v["kind"] == "delivery"
    } | {u["stop_id"] for u in plan["unassigned"] if u["stop_id"][0] in "DC"}
    assert seen == deliveries
