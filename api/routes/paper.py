"""Paper from the API: a round's driver manifest (PDF), a day's pickup slips (PDF or ZPL) and
the map of a plan's rounds (HTML).

``GET /plans/{plan_id}/manifests/{round_id}.pdf`` for depot staff, admins and the round's own
courier (another courier's round is 404); ``GET /slips?date=&shop=&size=`` for depot staff,
admins and merchants (a merchant's own shop only: any other is 404);
``GET /plans/{plan_id}/map.html`` for depot staff and admins.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep, require
from api.schemas.common import errors
from depot.paper.service import PaperDocument
from depot.paper.stored import day_slips_document, round_manifest_document
from depot.stored_map import plan_map_html
from depot.users import Caller
from depot.worker import graph_loader
from models import Role

router = APIRouter(tags=["paper"])
Rider = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.COURIER))]
Planner = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]
Printer = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.MERCHANT))]
PDF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF."}
}
LABELS_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "application/x-zpl": {}}, "description": "Labels."}
}


def _download(document: PaperDocument) -> Response:
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )


@router.get(
    "/plans/{plan_id}/manifests/{round_id}.pdf",
    response_class=Response,
    responses={**PDF_ANSWER, **errors(401, 403, 404, 422)},
)
def get_manifest(
    plan_id: int, round_id: int, session: SessionDep, settings: SettingsDep, caller: Rider
) -> Response:
    """The round's driver manifest as an A4 PDF: its map on our street graph, the calls in the
    plan's order with ETA, customer, address and parcels, and totals."""
    graph = graph_loader(settings) if settings.osm_file is not None else None
    document = round_manifest_document(
        session=session, plan_id=plan_id, round_id=round_id, caller=caller, graph=graph
    )
    return _download(document)


@router.get(
    "/slips",
    response_class=Response,
    responses={**LABELS_ANSWER, **errors(401, 403, 404, 422)},
)
def get_slips(
    session: SessionDep,
    settings: SettingsDep,
    caller: Printer,
    day: Annotated[date, Query(alias="date", description="Delivery date, YYYY-MM-DD.")],
    shop: Annotated[str | None, Query(max_length=32, description="Only this shop's.")] = None,
    size: Annotated[
        Literal["a6", "4x6", "zpl"], Query(description="A6 or 4x6 in PDF labels, or ZPL.")
    ] = "a6",
) -> Response:
    """One label per parcel of the date (of one shop): Code 128 of its code, QR of its tracking
    link, round and stop of its delivery in the current plan (or "not planned yet")."""
    document = day_slips_document(
        session=session,
        day=day,
        public_url=settings.public_url,
        fmt=size,
        caller=caller,
        shop_ref=shop,
    )
    return _download(document)


@router.get(
    "/plans/{plan_id}/map.html",
    response_class=HTMLResponse,
    responses=errors(401, 403, 404, 409, 503),
)
def get_plan_map(
    plan_id: int, session: SessionDep, settings: SettingsDep, _caller: Planner
) -> HTMLResponse:
    """The plan's rounds on our street graph as one HTML page (zoom, pan, rounds toggled;
    viewable offline); 409 until the plan is done."""
    if settings.osm_file is None:
        raise HTTPException(
            503, {"field": "", "reason": "BAKFIETS_OSM_FILE is not set: no street network"}
        )
    page = plan_map_html(session=session, plan_id=plan_id, graph=graph_loader(settings)())
    return HTMLResponse(page)
