"""``GET /api/v1/impact`` on the hand-checkable month of tests/depot/impact_day.py, on SQLite
and PostgreSQL: JSON, CSV and SVG; who may read it; bad periods named."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.depot.impact_day import ImpactDay

Client = Callable[..., TestClient]


def test_a_day_and_a_month_as_json(client: Client, impact_day: ImpactDay) -> None:
    """Day d: 20.0 km, 6 parcels on 3 delivery stops, 2 of 4 on time, 3.68 kg CO₂; its month:
    28.0 km, 5.15 kg, every day listed; the basis names the factor and its source."""
    depot = client("depot")
    day = depot.get("/api/v1/impact", params={"date": impact_day.d.isoformat()})
    assert day.status_code == 200, day.text
    totals = day.json()["totals"]
    assert (totals["bike_km"], totals["parcels"], totals["delivery_stops"]) == (20.0, 6, 3)
    assert (totals["on_time"], totals["delivered"], totals["co2_avoided_kg"]) == (2, 4, 3.68)
    assert day.json()["basis"]["van_co2_g_per_km"] == 183.8
    month = impact_day.d.strftime("%Y-%m")
    whole = client("admin").get("/api/v1/impact", params={"month": month}).json()
    assert whole["period"] == month
    assert (whole["totals"]["bike_km"], whole["totals"]["co2_avoided_kg"]) == (28.0, 5.15)


def test_csv_and_svg(client: Client, impact_day: ImpactDay) -> None:
    """format=csv is a CSV download whose total row says 28.0 km; format=svg an SVG image."""
    depot = client("depot")
    month = impact_day.d.strftime("%Y-%m")
    sheet = depot.get("/api/v1/impact", params={"month": month, "format": "csv"})
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert f'filename="impact-{month}.csv"' in sheet.headers["content-disposition"]
    rows = {r["date"]: r for r in csv.DictReader(io.StringIO(sheet.text))}
    assert rows["total"]["bike_km"] == "28.0"
    chart = depot.get("/api/v1/impact", params={"month": month, "format": "svg"})
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.startswith("<svg") and "28.0 km" in chart.text


def test_only_depot_staff_and_admins_read_the_impact(client: Client, impact_day: ImpactDay) -> None:
    """Couriers, merchants and integrations are refused (403); no token is 401."""
    params = {"date": impact_day.d.isoformat()}
    for role, shop in (("courier", None), ("merchant", "S001"), ("integration", None)):
        assert client(role, shop=shop).get("/api/v1/impact", params=params).status_code == 403
    assert client(None).get("/api/v1/impact", params=params).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "date"),
        ({"date": "2026-11-24", "month": "2026-11"}, "date"),
        ({"date": "24.11.2026"}, "date"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-11", "format": "pdf"}, "format"),
    ],
)
def test_a_bad_period_is_named(client: Client, params: dict[str, str], field: str) -> None:
    """Neither or both of date and month, a date or month that is not one, an unknown format:
    422 naming the field."""
    answer = client("depot").get("/api/v1/impact", params=params)
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
