"""The Bakfiets web API: ``create_app(settings)`` builds it; ``/api/v1``, OpenAPI at
``/openapi.json``.

An entry point: it receives the settings (or builds them in :func:`app_from_env`, for
``uvicorn --factory api.main:app_from_env``) and passes plain objects down — the engine's
sessions and the locator (geocoder + service area) — via ``app.state``.
"""

from __future__ import annotations

import gc
import logging

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.body import document_json_bodies
from api.errors import BodySizeLimit, install_error_handlers
from api.routes import (
    attention,
    fleet,
    health,
    impact,
    order_import,
    orders,
    paper,
    pickups,
    plans,
    rounds,
    scans,
    shops,
    slots,
    tracking,
    webhooks,
)
from depot.locate import Locator, build_locator
from depot.settings import Settings
from depot.users import CallerCache
from depot.worker import PlanRunner, make_runner
from maps.profiles import get_profile
from models.session import make_engine, make_sessionmaker

API_PREFIX = "/api/v1"
#: Longest wait for a lock in the API's PostgreSQL sessions, seconds.
LOCK_TIMEOUT_S = 4
#: Allocations between the garbage collector's young-generation passes while serving (700 by
#: default); see :func:`tune_gc_for_serving`.
GC_YOUNG_THRESHOLD = 10_000
log = logging.getLogger(__name__)


def locator_from_settings(settings: Settings) -> Locator:
    """The offline geocoder and service area of ``settings.osm_file``.

    Without an OSM file, intake still works but cannot place addresses: every order is kept as
    ``needs_attention`` saying so, and a warning is logged at start.
    """
    if settings.osm_file is None:
        log.warning(
            "BAKFIETS_OSM_FILE is not set: addresses cannot be geocoded or checked against the "
            "service area; every order will need attention"
        )
        return Locator(None, None)
    profile = get_profile(settings.bike_profile, pedestrian_zones=settings.pedestrian_zones)
    if settings.speed_kph:
        profile = profile.with_speeds(**settings.speed_kph)
    return build_locator(
        settings.osm_file,
        profile=profile,
        cache_dir=settings.cache_dir,
        snap_limit_m=settings.snap_limit_m,
    )


def engine_from_settings(settings: Settings) -> Engine:
    """The API's engine on ``settings.database_url``.

    PostgreSQL gets a fixed pool of ``settings.database_pool_size`` connections: a connection
    opened and closed per request (the pool's overflow) cost the server more than the request.
    A statement waits at most :data:`LOCK_TIMEOUT_S` for a lock (a repeated order waits that
    long for its first request's answer, then gets 409).
    """
    url = settings.database_url
    if url.startswith("postgresql"):
        return make_engine(
            url,
            pool_size=settings.database_pool_size,
            max_overflow=0,
            connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT_S * 1000}"},
        )
    return make_engine(url)


def create_app(
    settings: Settings,
    *,
    locator: Locator | None = None,
    session_factory: sessionmaker[Session] | None = None,
    plan_runner: PlanRunner | None = None,
) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings : Settings
        Built by the entry point.
    locator : Locator, optional
        Geocoder and service area; built from ``settings.osm_file`` when not given.
    session_factory : sessionmaker, optional
        Sessions on the database; an engine on ``settings.database_url`` when not given. The
        database must already be migrated (``bakfiets db upgrade``; ``bakfiets serve`` does it).
    plan_runner : PlanRunner, optional
        Starts planning jobs; by default Celery when ``settings.broker_url`` is set, else a
        thread of this process (:func:`depot.worker.make_runner`).

    Returns
    -------
    FastAPI
    """
    app = FastAPI(
        title="Bakfiets",
        version="1",
        summary="City depot and cargo-bike deliveries: shops, orders, pickups, tracking.",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory or make_sessionmaker(engine_from_settings(settings))
    app.state.locator = locator if locator is not None else locator_from_settings(settings)
    app.state.plan_runner = plan_runner or make_runner(settings, app.state.sessionmaker)
    app.state.caller_cache = (
        CallerCache(settings.token_cache_s) if settings.token_cache_s > 0 else None
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for module in (shops, order_import, orders, pickups, tracking, attention, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in (plans, rounds, fleet, slots):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in (paper, health, scans, impact):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(tracking.page_router)
    document_json_bodies(app, [orders.OrderIn])
    return app


def tune_gc_for_serving() -> None:
    """Tune the garbage collector for serving, once the app is built (an entry point calls it
    in the process that serves).

    What start-up built (the geocoder's index, the service area, the routes: ~250,000 objects
    that live as long as the process) is frozen out of the collector's full passes, which
    walked all of it again and again without ever freeing any; and a young-generation pass
    runs every :data:`GC_YOUNG_THRESHOLD` allocations instead of 700, since each pass walked
    the objects of every request in flight. In the intake load run the collector's share of
    the API's CPU fell from about 7 % to under 1 %.
    """
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def app_from_env() -> FastAPI:
    """The API configured from ``BAKFIETS_*`` (for ``uvicorn --factory api.main:app_from_env``)."""
    app = create_app(Settings())
    tune_gc_for_serving()
    return app
