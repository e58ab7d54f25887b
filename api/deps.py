"""FastAPI dependencies as ``Annotated`` aliases: the session, the caller, settings, roles.

Routes declare what they need (``session: SessionDep``, ``caller: CurrentUser``) and which
roles may call them (``Depends(require(Role.ADMIN, Role.DEPOT))``); the objects behind them are
built once by :func:`api.main.create_app` and kept on ``app.state``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from depot.locate import Locator
from depot.settings import Settings
from depot.users import Caller, CallerCache, authenticate, hash_token
from models import Role

_bearer = HTTPBearer(auto_error=False, description="A token from `bakfiets users create`.")


# The cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the
# thread pool, and the hand-over to a thread cost more than the work itself (intake load run).


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; closed (and anything uncommitted rolled back) after it.

    Opening a session does not touch the database (a connection is taken at its first
    statement, in the route's thread). Closing one with a transaction still open rolls it back,
    which is done in the thread pool; a session whose work was committed closes at once.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_locator(request: Request) -> Locator:
    """The geocoder and service area built at start-up."""
    locator: Locator = request.app.state.locator
    return locator


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
LocatorDep = Annotated[Locator, Depends(get_locator)]


def depot_today(settings: Settings) -> date:
    """Today's date at the depot (its time zone), against which delivery dates are checked."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


async def get_today(settings: SettingsDep) -> date:
    """Today's date at the depot (its time zone), against which delivery dates are checked."""
    return depot_today(settings)


TodayDep = Annotated[date, Depends(get_today)]

T = TypeVar("T")


async def in_session(request: Request, work: Callable[[Session], T]) -> T:
    """``work(session)`` in the thread pool with a session of its own, closed there (anything
    left uncommitted rolled back).

    For the busiest routes (intake), instead of ``SessionDep``: one hand-over to a thread for
    the session's whole life, and none of the dependency machinery around a generator, which
    cost the intake load run more than the session itself.
    """
    factory = request.app.state.sessionmaker

    def run() -> T:
        with factory() as session:
            return work(session)

    return await run_in_threadpool(run)


def _look_up_caller(request: Request, token: str) -> Caller | None:
    with request.app.state.sessionmaker() as session:
        return authenticate(session=session, token=token, cache=request.app.state.caller_cache)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None`` (as
    ``HTTPBearer(auto_error=False)`` reads it)."""
    authorization = request.headers.get("Authorization")
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if not (authorization and scheme and token) or scheme.lower() != "bearer":
        return None
    return token


async def caller_of(request: Request, token: str | None) -> Caller:
    """The caller behind the bearer ``token``; 401 when there is none or it is not valid.

    A token looked up in the last few seconds (``BAKFIETS_TOKEN_CACHE_S``) is answered from
    memory; otherwise it is read from the database, in the thread pool.
    """
    challenge = {"WWW-Authenticate": "Bearer"}
    if token is None:
        raise HTTPException(
            401,
            {"field": "Authorization", "reason": "send 'Authorization: Bearer <token>'"},
            headers=challenge,
        )
    cache: CallerCache | None = request.app.state.caller_cache
    caller = cache.get(hash_token(token)) if cache is not None else None
    if caller is None:
        caller = await run_in_threadpool(_look_up_caller, request, token)
    if caller is None:
        raise HTTPException(
            401,
            {"field": "Authorization", "reason": "the token is unknown or revoked"},
            headers=challenge,
        )
    return caller


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller behind the bearer token (:func:`caller_of`)."""
    return await caller_of(request, credentials.credentials if credentials else None)


CurrentUser = Annotated[Caller, Depends(get_caller)]


def check_role(caller: Caller, roles: tuple[Role, ...]) -> Caller:
    """``caller``, or 403 when its role is not one of ``roles``."""
    if caller.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise HTTPException(
            403,
            {
                "field": "Authorization",
                "reason": f"a {caller.role.value} token may not do this (needs {allowed})",
            },
        )
    return caller


def require(*roles: Role) -> Callable[[Caller], Coroutine[Any, Any, Caller]]:
    """A dependency refusing (403) callers whose role is not one of ``roles``."""

    async def check(caller: CurrentUser) -> Caller:
        return check_role(caller, roles)

    return check


async def authorize(request: Request, *roles: Role) -> Caller:
    """What ``Depends(require(*roles))`` gives, for a route that reads its request itself."""
    return check_role(await caller_of(request, bearer_token(request)), roles)
