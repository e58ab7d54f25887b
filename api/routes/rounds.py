"""``/api/v1/rounds``: a date's rounds; a courier is bound to their own (others are 404)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends

from api.deps import SessionDep, SettingsDep, require
from api.schemas.common import errors
from api.schemas.plans import PositionIn, RoundOut
from depot.fleet import bike_view
from depot.plan_store import round_view
from depot.rounds import current_rounds, get_round, report_position, start_round
from depot.users import Caller
from models import Role

router = APIRouter(prefix="/rounds", tags=["rounds"])
Rider = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.COURIER))]


@router.get("", response_model=list[RoundOut], responses=errors(401, 403, 422))
def get_rounds(
    date: date, session: SessionDep, settings: SettingsDep, caller: Rider
) -> list[dict[str, Any]]:
    """The rounds of the date's current plans; a courier gets only theirs."""
    tz = ZoneInfo(settings.timezone)
    rounds = current_rounds(session=session, plan_date=date, caller=caller)
    return [round_view(r, r.plan.plan_date, tz) for r in rounds]


@router.get("/{round_id}", response_model=RoundOut, responses=errors(401, 403, 404))
def read_round(
    round_id: int, session: SessionDep, settings: SettingsDep, caller: Rider
) -> dict[str, Any]:
    """One round with its stops in order (ETA, load, orders and parcels)."""
    round_ = get_round(session=session, round_id=round_id, caller=caller)
    return round_view(round_, round_.plan.plan_date, ZoneInfo(settings.timezone))


@router.post("/{round_id}/start", response_model=RoundOut, responses=errors(401, 403, 404, 409))
def post_start(
    round_id: int, session: SessionDep, settings: SettingsDep, caller: Rider
) -> dict[str, Any]:
    """The courier sets off: a re-plan of the date keeps this round's stops frozen."""
    round_ = start_round(session=session, round_id=round_id, caller=caller)
    return round_view(round_, round_.plan.plan_date, ZoneInfo(settings.timezone))


@router.post("/{round_id}/position", responses=errors(401, 403, 404, 422))
def post_position(
    round_id: int, body: PositionIn, session: SessionDep, caller: Rider
) -> dict[str, Any]:
    """Where the round's bike is now; a re-plan sets off from there."""
    return bike_view(
        report_position(session=session, round_id=round_id, position=body, caller=caller)
    )
