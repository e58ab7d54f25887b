"""``bakfiets graph build``, ``matrix`` and ``route``: the road graph from the command line."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from api.cli import app
from api.cli.errors import fail
from depot.settings import Settings
from maps.address_index import AddressSourceError
from maps.download import DEFAULT_OVERPASS_URL, BoundingBox, download_osm, place_bbox
from maps.geo import Point
from maps.geocode import OfflineGeocoder
from maps.graph import BikeGraph, load_graph
from maps.matrix import travel_matrix
from maps.osm_read import GraphSourceError
from maps.profiles import get_profile
from maps.reference import reference_digraph, reference_durations
from maps.route import route_between, routes_geojson
from maps.sample import sample_addresses
from maps.snap import SnapError, snap_points

graph_app = typer.Typer(help="Build and inspect the cargo-bike road graph.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")

OsmOption = Annotated[
    Path, typer.Option("--osm", help="OSM file: .osm, .osm.bz2, .osm.gz, .osm.pbf")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", help="Bike profile: pedal or e_assist.")
]


def open_graph(
    osm: Path, profile_name: str | None, *, use_cache: bool = True
) -> tuple[BikeGraph, float]:
    """Load the graph for a CLI command, turning bad input into a CLI error.

    Returns
    -------
    graph : BikeGraph
    seconds : float
        Wall time of the load (a cache hit is fast).
    """
    settings = Settings()
    try:
        profile = get_profile(
            profile_name or settings.bike_profile, pedestrian_zones=settings.pedestrian_zones
        )
    except ValueError as exc:
        fail("--profile", str(exc))
    if settings.speed_kph:
        try:
            profile = profile.with_speeds(**settings.speed_kph)
        except ValueError as exc:
            fail("BAKFIETS_SPEED_KPH", str(exc))
    started = time.perf_counter()
    try:
        graph = load_graph(osm, profile, cache_dir=settings.cache_dir if use_cache else None)
    except GraphSourceError as exc:
        fail("--osm", f"{exc.source}: {exc.reason}")
    return graph, time.perf_counter() - started


def sample_address_points(
    graph: BikeGraph, osm: Path, n_points: int, seed: int
) -> list[tuple[str, Point]]:
    """``n_points`` distinct servable addresses of the extract, chosen reproducibly by ``seed``."""
    try:
        records = OfflineGeocoder.from_osm(osm, cache_dir=Settings().cache_dir).addresses
    except AddressSourceError as exc:
        fail("--osm", f"{exc.source}: {exc.reason}")
    try:
        chosen = sample_addresses(
            graph, records, n_points, seed=seed, limit_m=Settings().snap_limit_m
        )
    except ValueError as exc:
        fail("--points", str(exc))
    return [(r.label, Point(r.lat, r.lon)) for r in chosen]


def download_source(place: str | None, bbox: str | None, overpass_url: str) -> Path:
    """Resolve ``--place`` / ``--bbox`` to a downloaded OSM file (online)."""
    try:
        area = BoundingBox.parse(bbox) if bbox else place_bbox(place or "")
    except ValueError as exc:
        fail("--bbox", str(exc))
    except GraphSourceError as exc:
        fail("--place", exc.reason)
    try:
        return download_osm(area, dest_dir=Settings().cache_dir, overpass_url=overpass_url)
    except GraphSourceError as exc:
        fail("--place" if place else "--bbox", exc.reason)


@graph_app.command("build")
def graph_build(
    osm: Annotated[
        Path | None, typer.Option("--osm", help="OSM file: .osm, .osm.bz2, .osm.gz, .osm.pbf")
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", help="Download by place name (online).")
    ] = None,
    bbox: Annotated[
        str | None, typer.Option("--bbox", help="Download south,west,north,east (online).")
    ] = None,
    overpass_url: Annotated[
        str, typer.Option("--overpass-url", help="Overpass API used by --place / --bbox.")
    ] = DEFAULT_OVERPASS_URL,
    profile: ProfileOption = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild even if cached.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build (or load from cache) the bike graph of an OSM file or area and print its size."""
    if sum(x is not None for x in (osm, place, bbox)) != 1:
        fail("--osm", "give exactly one of --osm FILE, --place NAME or --bbox S,W,N,E")
    if osm is None:
        osm = download_source(place, bbox, overpass_url)
    graph, seconds = open_graph(osm, profile, use_cache=not no_cache)
    stats = graph.stats
    result = {
        "source": str(osm),
        "profile": graph.profile.name,
        "nodes": stats.nodes,
        "edges": stats.edges,
        "contraflow_edges": stats.contraflow_edges,
        "highway_ways": stats.highway_ways,
        "bike_ways": stats.bike_ways,
        "dropped_disconnected_nodes": stats.dropped_nodes,
        "build_s": round(stats.build_s, 3),
        "seconds": round(seconds, 3),
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"{osm}: {stats.nodes} nodes, {stats.edges} edges ({stats.contraflow_edges} contraflow) "
        f"from {stats.bike_ways} bikeable of {stats.highway_ways} highway ways; "
        f"{stats.dropped_nodes} nodes outside the largest connected part dropped"
    )
    typer.echo(
        f"profile {graph.profile.name}; loaded in {seconds:.3f} s "
        f"(first build took {stats.build_s:.2f} s)"
    )


def _fmt_duration(seconds: float) -> str:
    return f"{int(seconds // 60)}:{round(seconds % 60):02d}"


@app.command("matrix")
def matrix(
    osm: OsmOption,
    points: Annotated[int, typer.Option("--points", help="How many random addresses.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the sample.")] = 1,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes (default: cores).")
    ] = None,
    check: Annotated[int, typer.Option("--check", help="Rows checked against networkx.")] = 5,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Travel-time and distance matrix between N random addresses of the extract."""
    if points < 1:
        fail("--points", f"must be at least 1, got {points}")
    if workers is not None and workers < 1:
        fail("--workers", f"must be at least 1, got {workers}")
    graph, load_s = open_graph(osm, profile)
    sample = sample_address_points(graph, osm, points, seed)
    try:
        snaps = snap_points(graph, [p for _, p in sample], limit_m=Settings().snap_limit_m)
    except SnapError as exc:
        fail("--seed", f"address {sample[exc.index][0]!r}: {exc}")
    started = time.perf_counter()
    result = travel_matrix(graph, snaps=snaps, workers=workers)
    matrix_s = time.perf_counter() - started
    rows = list(range(min(check, points)))
    reference = reference_durations(graph, reference_digraph(graph), snaps, rows)
    max_diff_s = float(np.abs(reference - result.duration_s[rows]).max()) if rows else 0.0
    off = ~np.eye(points, dtype=bool)
    asym = np.abs(result.duration_s - result.duration_s.T)[off] if points > 1 else np.zeros(1)
    report: dict[str, Any] = {
        "points": points,
        "seed": seed,
        "graph_load_s": round(load_s, 3),
        "matrix_s": round(matrix_s, 3),
        "max_snap_m": round(max(s.distance_m for s in snaps), 1),
        "networkx_rows_checked": len(rows),
        "networkx_max_diff_s": round(max_diff_s, 4),
        "asymmetric_pairs": int((asym > 1.0).sum() // 2),
        "mean_duration_s": round(float(result.duration_s[off].mean()), 1) if points > 1 else 0,
        "mean_distance_m": round(float(result.distance_m[off].mean()), 1) if points > 1 else 0,
    }
    if as_json:
        report["addresses"] = [label for label, _ in sample]
        report["duration_s"] = np.round(result.duration_s, 1).tolist()
        report["distance_m"] = np.round(result.distance_m, 1).tolist()
        typer.echo(json.dumps(report))
        return
    shown = min(points, 8)
    typer.echo(f"riding time (min:s) between {shown} of {points} addresses, row = from:")
    for i in range(shown):
        cells = " ".join(f"{_fmt_duration(result.duration_s[i, j]):>6}" for j in range(shown))
        typer.echo(f"  {sample[i][0][:28]:<28} {cells}")
    typer.echo(
        f"{points}x{points} matrix in {matrix_s:.3f} s (graph loaded in {load_s:.3f} s); "
        f"mean {report['mean_duration_s']:.0f} s / {report['mean_distance_m']:.0f} m; "
        f"{report['asymmetric_pairs']} pairs differ by > 1 s each way (one-ways)"
    )
    verdict = "OK" if max_diff_s < 0.1 else "MISMATCH"
    typer.echo(f"networkx check on {len(rows)} rows: max difference {max_diff_s:.4f} s — {verdict}")
    if verdict != "OK":
        raise typer.Exit(code=1)


@app.command("route")
def route(
    osm: OsmOption,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the two addresses.")] = 1,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Write the route here.")] = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """The fastest cargo-bike route between two random addresses of the extract."""
    graph, _ = open_graph(osm, profile)
    (from_label, a), (to_label, b) = sample_address_points(graph, osm, 2, seed)
    try:
        snap_a, snap_b = snap_points(graph, [a, b], limit_m=Settings().snap_limit_m)
    except SnapError as exc:
        fail("--seed", str(exc))
    leg = route_between(graph, snap_a, snap_b)
    streets: list[str] = []
    for step in leg.steps:
        name = graph.link_name[int(graph.edge_link[step.edge])] or "(unnamed way)"
        if not streets or streets[-1] != name:
            streets.append(name)
    feature_collection = routes_geojson([leg])
    if geojson is not None:
        geojson.parent.mkdir(parents=True, exist_ok=True)
        geojson.write_text(json.dumps(feature_collection))
    summary = {
        "from": from_label,
        "to": to_label,
        "duration_s": round(leg.duration_s, 1),
        "distance_m": round(leg.distance_m, 1),
        "edges": len(leg.steps),
        "streets": streets,
    }
    if as_json:
        typer.echo(json.dumps(summary | {"geojson": feature_collection}))
        return
    typer.echo(
        f"{from_label} → {to_label}: {leg.distance_m / 1000:.2f} km, "
        f"{_fmt_duration(leg.duration_s)} min on a {graph.profile.name} cargo bike"
    )
    typer.echo("  via " + " → ".join(streets))
    if geojson is not None:
        typer.echo(f"  route written to {geojson} (GeoJSON, lon/lat; © OpenStreetMap contributors)")
