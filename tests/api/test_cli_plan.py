"""``bakfiets plan`` end to end: a small day planned, printed and written to files."""

from __future__ import annotations

import json
from pathlib import Path


def test_plan_prints_rounds_and_writes_map_and_json(
    run_cli, osm_path: Path, tmp_path: Path
) -> None:
    """Rounds with ETAs and km are printed; rounds.html, plan.json and rounds.geojson written."""
    out = tmp_path / "day"
    result = run_cli(
        "plan", "--osm", osm_path, "--stops", 25, "--bikes", 2, "--seed", 4,
        "--time-limit", 3, "--workers", 1, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "bike-01:" in result.stdout and " km" in result.stdout
    assert "riding-time matrix" in result.stderr  # progress is shown while it works
    plan = json.loads((out / "plan.json").read_text())
    served = sum(1 for r in plan["routes"] for v in r["visits"] if v["stop_id"])
    assert served + len(plan["unassigned"]) == 25
    assert all(v["eta"].count(":") == 1 for r in plan["routes"] for v in r["visits"])
    assert "© OpenStreetMap contributors" in (out / "rounds.html").read_text()
    assert json.loads((out / "rounds.geojson").read_text())["type"] == "FeatureCollection"


def test_plan_bad_inputs_name_the_field(run_cli, osm_path: Path, tmp_path: Path) -> None:
    """Impossible counts and a missing file exit 2 with the option named."""
    cases = [
        (("plan", "--osm", osm_path, "--stops", 0), "--stops"),
        (("plan", "--osm", osm_path, "--bikes", 0), "--bikes"),
        (("plan", "--osm", osm_path, "--time-limit", -1), "--time-limit"),
        (("plan", "--osm", tmp_path / "missing.osm.pbf"), "--osm"),
        (("plan", "--osm", osm_path, "--stops", 10**6, "--time-limit", 1), "--stops"),
    ]
    for args, field in cases:
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"error: {field}:" in result.stderr, (args, result.stderr)
