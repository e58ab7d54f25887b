"""``/api/v1/health``: can this API process reach its database and its job broker? No token:
load balancers and ``docker compose`` health checks call it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SessionDep, SettingsDep
from depot.health import health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    responses={503: {"description": "The database or the broker cannot be reached."}},
)
def get_health(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """200 ``{"status": "ok", "database": {...}, "broker": {...}}`` when both answer; 503 with
    ``"status": "unavailable"`` and what failed otherwise."""
    ok, view = health(session=session, broker_url=settings.broker_url)
    return JSONResponse(view, status_code=200 if ok else 503)
