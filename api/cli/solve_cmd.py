"""``bakfiets solve FILE``: plan a VROOM-format problem (``.json``) or a benchmark instance.

A JSON file is read as VROOM input (:mod:`planner.formats.vroom`) and answered in VROOM's
output shape (:mod:`planner.formats.vroom_write`); any other file is a Solomon,
Gehring-Homberger or Li & Lim instance, compared with its best-known solution.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from api.cli import app
from api.cli.errors import fail
from maps.geo import Point
from maps.graph import BikeGraph
from maps.matrix import travel_matrix
from maps.snap import SnapError, snap_points
from planner.day_solve import PlanCheckError
from planner.formats import euclidean_distance, read_instance
from planner.formats.bks import find_bks, gap_percent
from planner.formats.common import FormatError, exact_time_check
from planner.formats.vroom import LatLon, read_vroom
from planner.formats.vroom_matrices import LocationError
from planner.formats.vroom_write import write_vroom
from planner.solve import SolveParams, solve


@app.command("solve")
def solve_command(
    file: Annotated[
        Path,
        typer.Argument(help="VROOM problem (.json), or a Solomon/Homberger or Li & Lim instance."),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Search time in seconds.", min=0.1)
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the randomised engine.")] = 0,
    workers: Annotated[
        int, typer.Option("--workers", help="Parallel search processes.", min=1)
    ] = 2,
    solution_limit: Annotated[
        int | None,
        typer.Option(
            "--solution-limit",
            help="Stop OR-Tools after N solutions: with --workers 1 the plan is reproducible.",
            min=1,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    osm: Annotated[
        Path | None,
        typer.Option("--osm", help="OSM file for a VROOM problem given as [lon, lat] locations."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the VROOM answer to this file.")
    ] = None,
) -> None:
    """Solve a VROOM problem (JSON in, VROOM JSON out) or a benchmark instance.

    VROOM: the answer has ``code``, ``summary``, ``routes`` (steps start, job, pickup, delivery,
    break, reload, end) and ``unassigned`` with a ``code`` and a ``reason``. It goes to stdout,
    or to ``--out``. Exit status 1 (and ``code`` 1) if the plan fails its own check.

    Benchmarks: prints bikes, exact distance, BKS gap and a feasibility check. The distance is
    recomputed from the routes in double precision (Euclidean, unrounded), the convention of
    ``bks.csv``; the check replays every route against the instance, once on the solver's
    integer matrices and once in exact arithmetic.
    """
    if not file.is_file():
        fail("FILE", f"{file} does not exist or is not a file")
    params = SolveParams(
        time_limit_s=time_limit, seed=seed, workers=workers, solution_limit=solution_limit
    )
    if _is_json(file):
        _solve_vroom(file, osm, out, params)
        return
    if osm is not None or out is not None:
        fail("--osm" if osm is not None else "--out", "only used with a VROOM problem (.json)")
    try:
        problem = read_instance(file)
    except (FormatError, OSError, UnicodeError) as exc:
        fail("FILE", f"{file}: cannot read it as a benchmark instance ({exc})")
    started = time.perf_counter()
    plan = solve(problem, params)
    seconds = time.perf_counter() - started
    distance = euclidean_distance(problem, plan)
    violations = plan.check(problem) + exact_time_check(problem, plan)
    bks = find_bks(file)
    result = {
        "instance": file.stem,
        "vehicles": plan.summary.vehicles_used,
        "distance": round(distance, 4),
        "unassigned": [
            {"stop": u.stop_id, "code": u.code, "reason": u.reason} for u in plan.unassigned
        ],
        "feasible": not violations and not plan.unassigned,
        "violations": violations,
        "engine": plan.summary.engine,
        "seconds": round(seconds, 2),
        "bks": None
        if bks is None
        else {
            "vehicles": bks.vehicles,
            "distance": bks.distance,
            "gap_percent": round(gap_percent(distance, bks.distance), 2),
        },
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"instance   {file.stem} ({len(problem.stops)} stops, {len(problem.vehicles)} bikes)"
    )
    typer.echo(f"vehicles   {result['vehicles']}")
    typer.echo(f"distance   {distance:.4f}")
    if bks is not None:
        typer.echo(
            f"bks        {bks.vehicles} vehicles, {bks.distance:.4f} "
            f"(gap {gap_percent(distance, bks.distance):+.2f} %, "
            f"vehicles {plan.summary.vehicles_used - bks.vehicles:+d})"
        )
    check = "feasible" if not violations else f"INFEASIBLE: {'; '.join(violations[:5])}"
    typer.echo(f"check      {check}")
    if plan.unassigned:
        typer.echo(f"unassigned {len(plan.unassigned)}")
        for u in plan.unassigned[:10]:
            typer.echo(f"  {u.stop_id}: {u.reason}")
    typer.echo(f"engine     {plan.summary.engine}")
    typer.echo(f"seconds    {seconds:.1f}")


def _is_json(file: Path) -> bool:
    """A ``.json`` name, or a file whose first non-blank character opens a JSON object."""
    if file.suffix.lower() == ".json":
        return True
    with open(file, "rb") as fh:
        head = fh.read(256).lstrip()
    return head.startswith(b"{")


def _solve_vroom(file: Path, osm: Path | None, out: Path | None, params: SolveParams) -> None:
    """Read a VROOM problem, plan it, check the plan and write the VROOM answer."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeError) as exc:
        fail("FILE", f"{file}: cannot read it ({exc})")
    except json.JSONDecodeError as exc:
        fail("FILE", f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    uses_locations = isinstance(doc, dict) and "matrices" not in doc and "matrix" not in doc
    matrix_from_points = None
    if uses_locations and osm is not None:
        from api.cli.graph_cmd import open_graph
        from depot.settings import Settings

        graph, _ = open_graph(osm, None)
        matrix_from_points = _bike_matrices(graph, Settings().snap_limit_m, osm.name)
    elif osm is not None:
        typer.echo("note: --osm is not used: the file gives its own matrices", err=True)
    try:
        vp = read_vroom(doc, matrix_from_points=matrix_from_points, name=file.stem)
    except FormatError as exc:
        if uses_locations and osm is None and str(exc).startswith("matrices:"):
            fail(
                "--osm",
                "the file gives [lon, lat] locations, not matrices: pass --osm FILE "
                "to compute riding times on the bike graph",
            )
        fail(file.name, str(exc))
    try:
        plan = solve(vp.problem, params)
    except PlanCheckError as exc:
        # No plan passed its own check: VROOM's "internal error" answer, never an empty plan.
        _emit({"code": 1, "error": f"no plan passed its own check: {exc}"}, out)
        typer.echo(f"error: no plan passed its own check: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    violations = plan.check(vp.problem)
    answer = write_vroom(vp, plan, solving_s=plan.summary.solve_s, violations=violations)
    _emit(answer, out)
    if violations:
        typer.echo(f"error: the plan fails its own check: {violations[0]}", err=True)
        raise typer.Exit(code=1)


def _emit(answer: dict[str, Any], out: Path | None) -> None:
    """Print the answer, or write it to ``out`` and print one line about it."""
    text = json.dumps(answer, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    _write_atomically(out, text)
    if "summary" in answer:
        s = answer["summary"]
        typer.echo(
            f"wrote {out}: {s['routes']} routes, {_served(answer)} tasks planned, "
            f"{s['unassigned']} unassigned"
        )
    else:
        typer.echo(f"wrote {out}: code {answer['code']}")


def _served(answer: dict[str, Any]) -> int:
    return sum(
        1
        for r in answer["routes"]
        for st in r["steps"]
        if st["type"] in {"job", "pickup", "delivery"}
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: never a half-written answer."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    except OSError as exc:
        fail("--out", f"{path}: cannot write there ({exc.strerror})")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        fail("--out", f"{path}: cannot write it ({exc.strerror})")


def _bike_matrices(graph: BikeGraph, limit_m: float, source: str) -> Any:
    """Riding time and distance between VROOM locations on the bike graph (snapped to ways)."""

    def compute(points: Sequence[LatLon]) -> tuple[np.ndarray, np.ndarray]:
        named = [Point(lat=p.lat, lon=p.lon) for p in points]
        try:
            snaps = snap_points(graph, named, limit_m=limit_m)
        except SnapError as exc:
            where = f"[{exc.lon}, {exc.lat}] ([lon, lat])"
            if exc.distance_m is None:
                text = f"{where} is more than {exc.limit_m:.0f} m from any bikeable way"
            else:
                text = (
                    f"{where} is {exc.distance_m:.0f} m from the nearest bikeable way "
                    f"(limit {exc.limit_m:.0f} m)"
                )
            raise LocationError(exc.index, f"{text} of {source}") from exc
        matrix = travel_matrix(graph, snaps=snaps)
        return matrix.duration_s, matrix.distance_m

    return compute
