"""``/api/v1/slots``: delivery windows the fleet can still serve for an address, and holds
(the webshop's ``integration`` token, depot and admin)."""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from api.deps import LocatorDep, SessionDep, SettingsDep, require
from api.schemas.common import errors
from api.schemas.slots import GoodsIn, HoldIn, HoldOut, SlotsOut
from depot.contracts import format_clock
from depot.settings import Settings
from depot.slot_day import Goods
from depot.slot_holds import hold_slot, release_hold
from depot.slots import SlotDesk, Where, available_slots, locate, slot_grid
from depot.users import Caller
from depot.worker import graph_loader
from models import Role

router = APIRouter(prefix="/slots", tags=["slots"])
Shopper = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.INTEGRATION))]
_desk_lock = threading.Lock()


async def get_desk(request: Request) -> SlotDesk:
    """The process's slot desk (built on first use); 503 without a street network."""
    settings: Settings = request.app.state.settings
    if settings.osm_file is None:
        raise HTTPException(
            503,
            {"field": "", "reason": "BAKFIETS_OSM_FILE is not set: slots need the street network"},
        )
    with _desk_lock:
        desk = getattr(request.app.state, "slot_desk", None)
        if desk is None:
            desk = SlotDesk(
                graph=graph_loader(settings),
                windows=slot_grid(settings.slot_windows),
                snap_limit_m=settings.snap_limit_m,
                hold_s=settings.slot_hold_s,
            )
            request.app.state.slot_desk = desk
    return desk


DeskDep = Annotated[SlotDesk, Depends(get_desk)]


def _goods(body: GoodsIn, settings: Settings) -> Goods:
    weight_g = body.weight_g
    if weight_g is None:
        weight_g = body.parcels * settings.webshop_item_weight_g
    volume_ml = body.volume_ml
    if volume_ml is None:
        volume_ml = body.parcels * settings.webshop_parcel_volume_ml
    return Goods(weight_g, volume_ml, body.parcels)


def _location(where: Where) -> dict[str, Any]:
    return {"lat": where.lat, "lon": where.lon, "matched_address": where.matched_address}


@router.get("", response_model=SlotsOut, responses=errors(401, 403, 422, 503))
def get_slots(
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    desk: DeskDep,
    _caller: Shopper,
    date: date,
    address: Annotated[str | None, Query(min_length=3, max_length=300)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    parcels: Annotated[int, Query(ge=1, le=100)] = 1,
    weight_g: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    volume_ml: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> dict[str, Any]:
    """The checkout's windows for an address (``address``, or ``lat`` and ``lon``) on
    ``date``: each offered only if a bike's round provably takes the stop in it, else with a
    code and the reason. ``basis`` says which plan and later bookings the answer rests on."""
    where = locate(locator=locator, address=address, lat=lat, lon=lon)
    goods = _goods(GoodsIn(parcels=parcels, weight_g=weight_g, volume_ml=volume_ml), settings)
    answer = available_slots(
        session=session,
        desk=desk,
        plan_date=date,
        where=where,
        goods=goods,
        now=datetime.now(ZoneInfo(settings.timezone)),
    )
    slots = [
        {
            "start": format_clock(w.start_s),
            "end": format_clock(w.end_s),
            "available": w.available,
            "code": w.code,
            "reason": w.reason,
        }
        for w in answer.windows
    ]
    return {
        "date": answer.plan_date,
        "location": _location(where),
        "slots": slots,
        "basis": answer.basis,
    }


@router.post(
    "/holds", status_code=201, response_model=HoldOut, responses=errors(401, 403, 409, 422, 503)
)
def post_hold(
    body: HoldIn,
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    desk: DeskDep,
    caller: Shopper,
) -> dict[str, Any]:
    """Hold a window for ``BAKFIETS_SLOT_HOLD_S`` seconds: its stop takes the room from other
    shoppers until it expires or an order uses it. 409 when no bike can serve it any more."""
    where = locate(locator=locator, address=body.address, lat=body.lat, lon=body.lon)
    hold, _answer = hold_slot(
        session=session,
        desk=desk,
        plan_date=body.date,
        where=where,
        goods=_goods(body, settings),
        window=(body.window.start_s, body.window.end_s),
        now=datetime.now(ZoneInfo(settings.timezone)),
        user_id=caller.user_id,
    )
    return {
        "id": hold.id,
        "date": hold.plan_date,
        "start": format_clock(hold.start_s),
        "end": format_clock(hold.end_s),
        "expires_at": hold.expires_at,
        "location": _location(where),
    }


@router.delete("/holds/{hold_id}", status_code=204, responses=errors(401, 403, 404, 409))
def delete_hold(hold_id: str, session: SessionDep, _caller: Shopper) -> Response:
    """Let a hold go before it expires (the room is free again)."""
    release_hold(session=session, hold_id=hold_id)
    return Response(status_code=204)
