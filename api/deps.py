"""FastAPI dependencies as ``Annotated`` aliases: the session, the caller, settings, roles.

Routes declare what they need (``session: SessionDep``, ``caller: CurrentUser``) and which
roles may call them (``Depends(require(Role.ADMIN, Role.DEPOT))``); the objects behind them are
built once by :func:`api.main.create_app` and kept on ``app.state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from depot.locate import Locator
from depot.settings import Settings
from depot.users import Caller, authenticate
from models import Role

_bearer = HTTPBearer(auto_error=False, description="A token from `bakfiets users create`.")


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request; closed (and anything uncommitted rolled back) after it."""
    with request.app.state.sessionmaker() as session:
        yield session


def get_locator(request: Request) -> Locator:
    """The geocoder and service area built at start-up."""
    locator: Locator = request.app.state.locator
    return locator


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
LocatorDep = Annotated[Locator, Depends(get_locator)]


def get_today(settings: SettingsDep) -> date:
    """Today's date at the depot (its time zone), against which delivery dates are checked."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


TodayDep = Annotated[date, Depends(get_today)]


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller behind the bearer token; 401 when there is none or it is not valid."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            401,
            {"field": "Authorization", "reason": "send 'Authorization: Bearer <token>'"},
            headers=challenge,
        )
    caller = authenticate(session=session, token=credentials.credentials)
    if caller is None:
        raise HTTPException(
            401,
            {"field": "Authorization", "reason": "the token is unknown or revoked"},
            headers=challenge,
        )
    return caller


CurrentUser = Annotated[Caller, Depends(get_caller)]


def require(*roles: Role) -> Callable[[Caller], Caller]:
    """A dependency refusing (403) callers whose role is not one of ``roles``."""
    allowed = ", ".join(role.value for role in roles)

    def check(caller: CurrentUser) -> Caller:
        if caller.role not in roles:
            raise HTTPException(
                403,
                {
                    "field": "Authorization",
                    "reason": f"a {caller.role.value} token may not do this (needs {allowed})",
                },
            )
        return caller

    return check
