"""``bakfiets impact``: the impact of a day or a month, printed, and written as JSON, CSV or an
SVG chart."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from api.cli import app
from api.cli.db_session import command_session
from api.cli.errors import fail
from depot.impact import (
    VAN_CO2_G_PER_KM,
    VAN_KM_PER_BIKE_KM,
    ImpactReport,
    day_report,
    month_of,
    month_report,
)
from depot.impact_export import figures_view, report_csv, report_svg, report_view
from depot.paper.service import write_atomically
from depot.settings import Settings


def _target(option: str, path: Path | None, suffix: str) -> None:
    if path is None:
        return
    if path.suffix.lower() != suffix:
        fail(option, f"{path} must end in {suffix}")
    if path.is_dir():
        fail(option, f"{path} is a directory; give a file name")
    if not path.parent.is_dir():
        fail(option, f"{path.parent} does not exist")


@app.command("impact")
def impact(
    day: Annotated[str | None, typer.Option("--date", help="A day, YYYY-MM-DD.")] = None,
    month: Annotated[str | None, typer.Option("--month", help="A month, YYYY-MM.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the days as CSV.")] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write a bar chart of bike km (.svg).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON (as the API).")
    ] = None,
) -> None:
    """Bike km, stops, parcels, consolidation ratio, on-time share and CO2 avoided against a
    diesel van, for --date or for each day of --month (from the stored plans and deliveries).
    """
    if (day is None) == (month is None):
        fail("--date", "give either --date YYYY-MM-DD or --month YYYY-MM")
    _target("--csv", csv_file, ".csv")
    _target("--chart", chart, ".svg")
    _target("--json", json_file, ".json")
    settings = Settings()
    tz = ZoneInfo(settings.timezone)
    with command_session(settings.database_url) as session:
        if day is not None:
            try:
                when = date.fromisoformat(day)
            except ValueError:
                fail("--date", f"{day!r} is not a date like 2026-11-24")
            report = day_report(session=session, day=when, tz=tz)
        else:
            try:
                year, number = month_of(month or "")
            except ValueError as exc:
                fail("--month", str(exc))
            report = month_report(session=session, year=year, month=number, tz=tz)
    totals = figures_view(report.totals)
    ratio = totals["consolidation_ratio"]
    typer.echo(
        f"{report.label}: {totals['bike_km']} km by cargo bike in {totals['rounds']} rounds, "
        f"{totals['stops']} stops ({totals['pickup_stops']} pickups, "
        f"{totals['delivery_stops']} deliveries), {totals['parcels']} parcels"
    )
    typer.echo(
        "consolidation: "
        + (f"{ratio} parcels per delivery stop" if ratio is not None else "no delivery stops")
        + f"; on time: {totals['on_time_text']}"
    )
    typer.echo(
        f"CO2 avoided: {totals['co2_avoided_kg']} kg vs a diesel van riding "
        f"{totals['van_km']} km ({VAN_CO2_G_PER_KM:g} g/km, van km = bike km x "
        f"{VAN_KM_PER_BIKE_KM:g})"
    )
    outputs: list[tuple[Path | None, Callable[[ImpactReport], str]]] = [
        (csv_file, report_csv),
        (chart, report_svg),
        (json_file, lambda r: json.dumps(report_view(r), ensure_ascii=False, indent=1) + "\n"),
    ]
    for path, render in outputs:
        if path is not None:
            write_atomically(path, render(report).encode("utf-8"))
            typer.echo(f"wrote {path}")
