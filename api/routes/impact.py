"""``GET /impact``: bike km, stops, parcels, consolidation, on-time share and CO₂ avoided, for a
day (``date=``) or a month (``month=YYYY-MM``), as JSON, CSV or an SVG chart.

Depot staff and admins only: no role of a read-only centre manager exists yet (the roles are
admin, depot, merchant, courier and integration), and adding one needs a migration.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response

from api.deps import SessionDep, SettingsDep, require
from api.schemas.common import errors
from depot.errors import InvalidInputError
from depot.impact import day_report, month_of, month_report
from depot.impact_export import report_csv, report_svg, report_view
from depot.users import Caller
from models import Role

router = APIRouter(tags=["impact"])
Staff = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {}, "text/csv": {}, "image/svg+xml": {}},
        "description": "The report (JSON), its days as CSV rows, or a bar chart of bike km.",
    }
}


@router.get("/impact", response_model=None, responses={**ANSWERS, **errors(401, 403, 422)})
def get_impact(
    session: SessionDep,
    settings: SettingsDep,
    caller: Staff,
    day: Annotated[date | None, Query(alias="date", description="A day, YYYY-MM-DD.")] = None,
    month: Annotated[
        str | None, Query(max_length=7, description="A month, YYYY-MM.", examples=["2026-11"])
    ] = None,
    fmt: Annotated[
        Literal["json", "csv", "svg"], Query(alias="format", description="json, csv or svg.")
    ] = "json",
) -> Response | dict[str, Any]:
    """The impact of a day or of each day of a month and the month (exactly one of ``date`` and
    ``month``); the CO₂ factor, its source and the van-distance assumption are in ``basis``."""
    tz = ZoneInfo(settings.timezone)
    if (day is None) == (month is None):
        raise InvalidInputError("date", "give either date=YYYY-MM-DD or month=YYYY-MM")
    if day is not None:
        report = day_report(session=session, day=day, tz=tz)
    else:
        try:
            year, number = month_of(month or "")
        except ValueError as exc:
            raise InvalidInputError("month", str(exc)) from None
        report = month_report(session=session, year=year, month=number, tz=tz)
    name = f"impact-{report.label}"
    if fmt == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "svg":
        return Response(report_svg(report), media_type="image/svg+xml")
    return report_view(report)
