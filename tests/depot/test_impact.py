"""The impact report on the hand-checkable month of tests/depot/impact_day.py (figures worked
out in its docstring), on SQLite and PostgreSQL."""

from __future__ import annotations

import calendar
import csv
import io
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy.orm import Session

from depot.impact import day_report, month_report
from depot.impact_export import report_csv, report_svg, report_view
from tests.dbfixtures import DEPOT_TZ
from tests.depot.impact_day import ImpactDay

SVG = "{http://www.w3.org/2000/svg}"


def test_a_days_figures_are_those_of_its_current_plan(
    session: Session, impact_day: ImpactDay
) -> None:
    """Day d counts plan v2 only (v1 replaced, v3 failed): 2 rounds, 12.345 + 7.655 = 20.0 km,
    1 pickup and 3 delivery stops (the reload is no stop), 6 parcels on delivery stops, 2
    collected, 2.0 parcels per delivery stop, 20.0 × 183.8 g = 3.68 kg CO₂."""
    report = report_view(day_report(session=session, day=impact_day.d, tz=DEPOT_TZ))
    [day] = report["days"]
    totals = report["totals"]
    assert {k: v for k, v in day.items() if k not in ("date", "plan_ids", "by_round")} == totals
    assert totals["rounds"] == 2 and totals["bike_km"] == 20.0
    assert (totals["stops"], totals["pickup_stops"], totals["delivery_stops"]) == (4, 1, 3)
    assert (totals["parcels"], totals["parcels_collected"]) == (6, 2)
    assert totals["consolidation_ratio"] == 2.0
    assert totals["van_km"] == 20.0 and totals["co2_avoided_kg"] == 3.68
    assert [(r["vehicle"], r["bike_km"], r["parcels"]) for r in day["by_round"]] == [
        ("B01", 12.35, 5),
        ("B02", 7.66, 1),
    ]
    assert report["basis"]["van_co2_g_per_km"] == 183.8
    assert "European Environment Agency" in report["basis"]["van_co2_source"]


def test_on_time_is_inside_a_window_on_the_depot_clock(
    session: Session, impact_day: ImpactDay
) -> None:
    """a1 at 11:59:59 and a4 at 12:00:00 (window 10–12, inclusive) are on time; b1 at 12:00:01
    and c1 the next day are not: 2 of 4, 50 %."""
    totals = report_view(day_report(session=session, day=impact_day.d, tz=DEPOT_TZ))["totals"]
    assert (totals["delivered"], totals["on_time"], totals["on_time_share"]) == (4, 2, 0.5)
    assert totals["on_time_text"] == "50% (2 of 4)"


def test_a_day_without_deliveries_says_so_and_counts_each_kind_once(
    session: Session, impact_day: ImpactDay
) -> None:
    """Day d2: pickups v2 (3 km) and deliveries v3 (5 km) are counted, the older combined v1
    (40 km) is not; no deliveries recorded (no share, never 0 %); no parcels per stop: 0.0."""
    totals = report_view(day_report(session=session, day=impact_day.d2, tz=DEPOT_TZ))["totals"]
    assert totals["bike_km"] == 8.0 and totals["rounds"] == 2
    assert (totals["pickup_stops"], totals["delivery_stops"]) == (1, 1)
    assert totals["on_time_share"] is None and totals["on_time_text"] == "no deliveries recorded"
    assert totals["consolidation_ratio"] == 0.0


def test_a_month_sums_its_days(session: Session, impact_day: ImpactDay) -> None:
    """Every day of the month is listed; the totals are d + d2: 4 rounds, 28.0 km, 6 parcels
    on 4 delivery stops (1.5), 2 of 4 on time, 5.15 kg CO₂; a day without plans is all zero
    and has no consolidation ratio."""
    d = impact_day.d
    report = report_view(month_report(session=session, year=d.year, month=d.month, tz=DEPOT_TZ))
    assert len(report["days"]) == calendar.monthrange(d.year, d.month)[1]
    totals = report["totals"]
    assert (totals["rounds"], totals["bike_km"], totals["parcels"]) == (4, 28.0, 6)
    assert totals["consolidation_ratio"] == 1.5
    assert (totals["delivered"], totals["on_time"]) == (4, 2)
    assert totals["co2_avoided_kg"] == 5.15
    quiet = next(
        day
        for day in report["days"]
        if day["date"] not in (d.isoformat(), impact_day.d2.isoformat())
    )
    assert quiet["bike_km"] == 0.0 and quiet["rounds"] == 0
    assert quiet["consolidation_ratio"] is None


def test_csv_and_chart_carry_the_same_figures(session: Session, impact_day: ImpactDay) -> None:
    """The month's CSV: a row per day and a total row (28.0 km, 0.5 on time); d2's on-time
    share is empty with "no deliveries recorded". The SVG chart is well-formed, has one bar
    per day and the totals in its subtitle."""
    d = impact_day.d
    report = month_report(session=session, year=d.year, month=d.month, tz=DEPOT_TZ)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    by_date = {row["date"]: row for row in rows}
    assert len(rows) == len(report.days) + 1
    assert by_date["total"]["bike_km"] == "28.0" and by_date["total"]["on_time_share"] == "0.5"
    assert by_date[d.isoformat()]["parcels"] == "6"
    quiet = by_date[impact_day.d2.isoformat()]
    assert quiet["on_time_share"] == "" and quiet["on_time_text"] == "no deliveries recorded"
    svg = ET.fromstring(report_svg(report))
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == len(report.days)
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "28.0 km, 6 parcels, 50% on time, 5.1 kg CO2 avoided" in texts


@pytest.mark.parametrize("month", [0, 13])
def test_a_month_outside_the_year_is_refused(session: Session, month: int) -> None:
    """Month 0 and 13 are refused, naming the month."""
    with pytest.raises(ValueError, match=f"month {month}"):
        month_report(session=session, year=2026, month=month, tz=DEPOT_TZ)
