"""``bakfiets serve``: the API with uvicorn, on the embedded default (a SQLite file under var/)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import app
from api.cli.errors import fail
from depot.settings import Settings
from maps.geocode import AddressSourceError
from maps.osm_read import GraphSourceError
from models.migrate import upgrade


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Worker processes (one per core: a worker serves on one core at a time).",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Migrate the database, then serve the API (/api/v1, OpenAPI at /openapi.json).

    Addresses are geocoded and checked against the service area of BAKFIETS_OSM_FILE; without
    it every order is kept as needing attention, and a warning says so. With ``--workers N``
    each worker builds the API from the same ``BAKFIETS_*`` settings (after this process has
    checked that it can).
    """
    import uvicorn

    from api.main import create_app, tune_gc_for_serving

    settings = Settings()
    if settings.osm_file is not None and not settings.osm_file.is_file():
        fail("BAKFIETS_OSM_FILE", f"{settings.osm_file}: no such file")
    upgrade(settings.database_url)
    try:
        api = create_app(settings)
    except (AddressSourceError, GraphSourceError) as exc:
        fail("BAKFIETS_OSM_FILE", str(exc))
    if workers == 1:
        tune_gc_for_serving()
        uvicorn.run(api, host=host, port=port, log_level="info")
        return
    del api  # each worker builds its own from the environment
    uvicorn.run(
        "api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
