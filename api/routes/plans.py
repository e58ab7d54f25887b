"""``/api/v1/plans``: ask for a plan of a date (202), follow it, cancel it (depot and admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from api.deps import SessionDep, SettingsDep, TodayDep, require
from api.schemas.common import errors
from api.schemas.plans import PlanCreated, PlanIn, PlanOut
from depot.contracts import parse_clock
from depot.plan_runs import cancel_plan, get_plan, list_plans, request_plan, start_failed
from depot.plan_store import plan_view
from depot.users import Caller
from models import Role

router = APIRouter(prefix="/plans", tags=["plans"])
Planner = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]


@router.post(
    "", status_code=202, response_model=PlanCreated, responses=errors(401, 403, 409, 422, 503)
)
def create_plan(
    body: PlanIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    caller: Planner,
) -> dict[str, Any]:
    """Queue a plan of ``date``: 202 with its id and status URL. A date already being planned
    is 409, naming the plan that runs."""
    now_s = parse_clock(body.now) if body.now is not None else None
    if now_s is None and body.date == today:
        clock = datetime.now(ZoneInfo(settings.timezone))
        now_s = clock.hour * 3600 + clock.minute * 60 + clock.second
    plan = request_plan(
        session=session,
        plan_date=body.date,
        kind=body.kind,
        time_limit_s=body.time_limit_s,
        caller=caller,
        today=today,
        now_s=now_s,
    )
    try:
        request.app.state.plan_runner.submit(plan.id)
    except Exception as exc:  # the broker is down: say so, and do not leave the date blocked
        error = f"the planning queue cannot be reached ({type(exc).__name__}: {exc})"
        start_failed(session=session, plan_id=plan.id, error=error)
        raise HTTPException(
            503, {"field": "", "reason": f"plan {plan.id} failed: {error}"}
        ) from exc
    url = f"{request.url.path.rstrip('/')}/{plan.id}"
    response.headers["Location"] = url
    return {"id": plan.id, "version": plan.version, "status": plan.status.value, "status_url": url}


@router.get("", response_model=list[PlanOut], responses=errors(401, 403, 422))
def get_plans(
    session: SessionDep, settings: SettingsDep, _caller: Planner, date: str | None = None
) -> list[dict[str, Any]]:
    """Plans (of a date, ``YYYY-MM-DD``), newest first, without their rounds."""
    tz = ZoneInfo(settings.timezone)
    plans = list_plans(session=session, plan_date=date)
    return [plan_view(p, tz, session=session, rounds=False) for p in plans]


@router.get("/{plan_id}", response_model=PlanOut, responses=errors(401, 403, 404))
def read_plan(
    plan_id: int, session: SessionDep, settings: SettingsDep, _caller: Planner
) -> dict[str, Any]:
    """Status and progress; when done, summary, rounds with their ordered stops, unassigned."""
    plan = get_plan(session=session, plan_id=plan_id)
    return plan_view(plan, ZoneInfo(settings.timezone), session=session)


@router.delete("/{plan_id}", response_model=PlanOut, responses=errors(401, 403, 404, 409))
def delete_plan(
    plan_id: int, session: SessionDep, settings: SettingsDep, _caller: Planner
) -> dict[str, Any]:
    """Cancel a queued or running plan (a finished one is 409)."""
    plan = cancel_plan(session=session, plan_id=plan_id)
    return plan_view(plan, ZoneInfo(settings.timezone), session=session)
