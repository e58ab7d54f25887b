"""``bakfiets scan`` and ``bakfiets impact`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from depot.locate import Locator
from models import Parcel
from tests.depot.impact_day import ImpactDay
from tests.depot.paper.test_collect import delivery_day, order, parcels_of
from tests.depot.stored_rounds import round_row, stop, stored_plan

Run = Callable[..., Any]


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI pointed at the test database."""
    monkeypatch.setenv("BAKFIETS_DATABASE_URL", db_url)


@pytest.fixture
def one_round(
    session: Session, shops: dict[str, int], locator: Locator, cli_db: None
) -> tuple[int, list[Parcel]]:
    """WS-9's four parcels (booked) delivered at one stop of round B01 of a done plan."""
    order(session, locator, "WS-9")
    parcels = parcels_of(session, "WS-9")
    round_ = round_row(1, "B01", 5_000, [stop(1, "delivery", parcels)])
    stored_plan(session, delivery_day(), [round_])
    return round_.id, parcels


def test_scan_in_and_load_out_from_the_command_line(
    run_cli: Run, one_round: tuple[int, list[Parcel]]
) -> None:
    """Scanning two codes puts them at the depot on round B01, stop 1; again, each is a warning
    and nothing changes; the load-out of one of four exits 1 listing three missing; with all
    four scanned in and on the bike, they go out for delivery (exit 0)."""
    round_id, parcels = one_round
    codes = [p.label_code for p in parcels]
    first = run_cli("scan", codes[0], codes[1])
    assert first.exit_code == 0, first.output
    assert f"{codes[0]}: at depot (round {round_id}, bike B01, stop 1)" in first.stdout
    assert "2 of 2 scanned in" in first.stdout
    again = run_cli("scan", codes[0])
    assert again.exit_code == 0 and "already at the depot" in again.stderr
    assert "0 of 1 scanned in" in again.stdout
    short = run_cli("scan", "--round", round_id, codes[0])
    assert short.exit_code == 1, short.output
    assert short.stdout.count("MISSING:") == 3 and "nothing sent out" in short.stdout
    assert run_cli("scan", codes[2], codes[3]).exit_code == 0
    full = run_cli("scan", "--round", round_id, *codes)
    assert full.exit_code == 0, full.output
    assert "4 parcels now out for delivery" in full.stdout


def test_bad_scans_exit_2_naming_them(run_cli: Run, one_round: tuple[int, list[Parcel]]) -> None:
    """An unknown code, an unknown round, --allow-missing without --round: exit 2, one line
    naming CODE, --round or --allow-missing."""
    round_id, parcels = one_round
    unknown = run_cli("scan", "BK-ZZZZ-ZZZZ-ZZZZ")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: CODE: no parcel has label code BK-ZZZZ-ZZZZ-ZZZZ")
    no_round = run_cli("scan", "--round", round_id + 99, parcels[0].label_code)
    assert no_round.exit_code == 2 and no_round.stderr.startswith("error: --round: no round")
    alone = run_cli("scan", "--allow-missing", parcels[0].label_code)
    assert alone.exit_code == 2 and alone.stderr.startswith("error: --allow-missing:")


def test_impact_of_a_month_printed_and_written(
    run_cli: Run, impact_day: ImpactDay, cli_db: None, tmp_path: Path
) -> None:
    """The month of tests/depot/impact_day.py: 28.0 km in 4 rounds, 1.5 parcels per delivery
    stop, 50 % on time, 5.15 kg CO₂; CSV, SVG and JSON written with the same totals."""
    month = impact_day.d.strftime("%Y-%m")
    out = {"csv": tmp_path / "m.csv", "chart": tmp_path / "m.svg", "json": tmp_path / "m.json"}
    result = run_cli(
        "impact", "--month", month, "--csv", out["csv"], "--chart", out["chart"],
        "--json", out["json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{month}: 28.0 km by cargo bike in 4 rounds" in result.stdout
    assert "1.5 parcels per delivery stop; on time: 50% (2 of 4)" in result.stdout
    assert "CO2 avoided: 5.15 kg vs a diesel van riding 28.0 km (183.8 g/km" in result.stdout
    rows = {r["date"]: r for r in csv.DictReader(out["csv"].open(encoding="utf-8"))}
    assert rows["total"]["co2_avoided_kg"] == "5.15"
    assert json.loads(out["json"].read_text())["totals"]["bike_km"] == 28.0
    assert ET.parse(out["chart"]).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    quiet = run_cli("impact", "--date", impact_day.d2.isoformat())
    assert quiet.exit_code == 0 and "on time: no deliveries recorded" in quiet.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((), "--date"),
        (("--month", "2026-13"), "--month"),
        (("--date", "2026-11-31"), "--date"),
        (("--month", "2026-11", "--chart", "m.png"), "--chart"),
        (("--month", "2026-11", "--csv", "nowhere/m.csv"), "--csv"),
    ],
)
def test_bad_impact_options_exit_2_naming_them(
    run_cli: Run, cli_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...], field: str,
) -> None:  # fmt: skip
    """No period, a month or date that is not one, a chart that is not .svg, a CSV in a missing
    directory: exit 2 with one line naming the option."""
    monkeypatch.chdir(tmp_path)
    result = run_cli("impact", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {field}:")
