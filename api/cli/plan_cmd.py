"""``bakfiets plan``: plan a day of cargo-bike rounds on a city's real bike network."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from api.cli import app
from api.cli.errors import fail
from api.cli.graph_cmd import OsmOption, ProfileOption, open_graph
from depot.day import clock
from depot.demo_day import central_depot, make_demo_day
from depot.paper.demo import demo_slips, demo_stop_parcels
from depot.paper.from_plan import day_manifests, placements
from depot.paper.service import write_day_paper
from depot.plan_export import day_plan_geojson, day_plan_json
from depot.planning import DayPlan, plan_day
from depot.rounds_map import render_rounds_html
from depot.settings import Settings
from maps.address_index import AddressSourceError
from maps.geocode import OfflineGeocoder
from maps.osm_read import GraphSourceError
from maps.sample import servable_addresses, servable_shops
from maps.shops import read_shops
from planner.solve import SolveParams


class _Progress:
    """Progress lines on stderr, with a ticking clock while the planner searches."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._stop = threading.Event()

    def __call__(self, line: str) -> None:
        typer.echo(f"[{time.perf_counter() - self.started:6.1f} s] {line}", err=True)

    def tick_while(self, label: str, limit_s: float) -> threading.Event:
        """Print ``label`` every few seconds until the returned event is set."""
        done = threading.Event()

        def run() -> None:
            begun = time.perf_counter()
            while not done.wait(5.0):
                self(f"{label}: {time.perf_counter() - begun:.0f} of about {limit_s:.0f} s")

        threading.Thread(target=run, daemon=True).start()
        return done


def _print_day(day: DayPlan) -> None:
    summary = day.summary()
    typer.echo(
        f"{summary['bikes_used']} rounds, {summary['stops_planned']} stops planned, "
        f"{summary['stops_unassigned']} unassigned; {summary['bike_km']} km by cargo bike, "
        f"{summary['co2_avoided_kg']} kg CO2 avoided vs a diesel van"
    )
    for round_ in day.rounds:
        stops = [v for v in round_.visits if v.stop_id is not None]
        typer.echo(
            f"\n{round_.bike_id}: {len(stops)} stops, {round_.distance_m / 1000:.1f} km, "
            f"{clock(round_.start_s)}–{clock(round_.end_s)}, {round_.trips} trip(s), "
            f"peak load {round_.peak_load_g / 1000:.1f} kg"
        )
        for start_s, duration_s in round_.breaks:
            typer.echo(f"   break {clock(start_s)} for {duration_s // 60} min")
        for visit in round_.visits:
            if visit.stop_id is None:
                typer.echo(f"   {clock(visit.arrival_s)}  reload at the depot")
                continue
            typer.echo(
                f"   {clock(visit.arrival_s)}  {visit.stop_id:<5} {visit.kind:<8} "
                f"{visit.label[:44]:<44} load {visit.load_after_g / 1000:5.1f} kg"
            )
    if day.unassigned:
        typer.echo(f"\nunassigned ({len(day.unassigned)}):")
        for item in day.unassigned:
            typer.echo(f"   {item.stop_id:<5} {item.label[:40]:<40} {item.reason}")


@app.command("plan")
def plan(
    osm: OsmOption,
    stops: Annotated[int, typer.Option("--stops", help="Parcel stops to plan.")] = 300,
    bikes: Annotated[int, typer.Option("--bikes", help="Cargo bikes on duty.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the day's stops.")] = 1,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Planner search time in seconds.")
    ] = 45.0,
    workers: Annotated[int, typer.Option("--workers", help="Planner processes.")] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write rounds.html, plan.json, rounds.geojson, manifests/<bike>.pdf and "
            "slips-a6.pdf (demo parcel codes).",
        ),
    ] = None,
    profile: ProfileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan a day: N real addresses with windows and parcels, a depot, K cargo bikes."""
    if stops < 1:
        fail("--stops", f"must be at least 1, got {stops}")
    if bikes < 1:
        fail("--bikes", f"must be at least 1, got {bikes}")
    if time_limit <= 0:
        fail("--time-limit", f"must be positive, got {time_limit}")
    if workers < 1:
        fail("--workers", f"must be at least 1, got {workers}")
    settings = Settings()
    progress = _Progress()
    graph, load_s = open_graph(osm, profile)
    progress(f"bike graph: {graph.n_nodes} nodes, {graph.n_edges} edges ({load_s:.2f} s)")
    try:
        addresses = OfflineGeocoder.from_osm(osm, cache_dir=settings.cache_dir).addresses
        shops = read_shops(osm)
    except (AddressSourceError, GraphSourceError) as exc:
        fail("--osm", f"{exc.source}: {exc.reason}")
    servable = servable_addresses(graph, addresses, limit_m=settings.snap_limit_m)
    shops = servable_shops(graph, shops, limit_m=settings.snap_limit_m)
    progress(f"{len(servable)} servable addresses, {len(shops)} shops")
    try:
        request = make_demo_day(
            servable, shops, central_depot(graph, servable), n_stops=stops, n_bikes=bikes, seed=seed
        )
    except ValueError as exc:
        fail("--stops", str(exc))
    params = SolveParams(time_limit_s=time_limit, seed=seed, workers=workers)
    ticker: threading.Event | None = None

    def say(line: str) -> None:
        nonlocal ticker
        progress(line)
        if line.startswith("planning "):
            ticker = progress.tick_while("searching", time_limit)

    try:
        day = plan_day(
            graph, request, params=params, snap_limit_m=settings.snap_limit_m, progress=say
        )
    finally:
        if ticker is not None:
            ticker.set()
    document = day_plan_json(day)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "rounds.html").write_text(render_rounds_html(graph, day), encoding="utf-8")
        (out / "plan.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
        (out / "rounds.geojson").write_text(json.dumps(day_plan_geojson(day)))
        progress(f"wrote {out / 'rounds.html'}, plan.json and rounds.geojson")
        parcels = demo_stop_parcels(request)
        manifests = day_manifests(graph, day, parcels=parcels, service_date=None, demo=True)
        slips = demo_slips(request, placements(day), public_url=settings.public_url)
        written = write_day_paper(out, manifests, slips, slip_format="a6")
        progress(
            f"wrote {len(manifests)} manifests under {out / 'manifests'} and "
            f"{len(slips)} demo slips in {out / 'slips-a6.pdf'} ({len(written)} files)"
        )
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        _print_day(day)
    sys.stdout.flush()
