"""``bakfiets solve FILE``: plan a Solomon, Gehring-Homberger or Li & Lim benchmark instance."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from api.cli import app
from api.cli.errors import fail
from planner.formats import euclidean_distance, read_instance
from planner.formats.bks import find_bks, gap_percent
from planner.formats.common import FormatError, exact_time_check
from planner.solve import SolveParams, solve


@app.command("solve")
def solve_command(
    file: Annotated[Path, typer.Argument(help="Instance file (Solomon/Homberger or Li & Lim).")],
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
) -> None:
    """Solve a benchmark instance; print bikes, exact distance, BKS gap and a feasibility check.

    The distance is recomputed from the routes in double precision (Euclidean, unrounded), the
    convention of ``bks.csv``; the check replays every route against the instance, once on the
    solver's integer matrices and once in exact arithmetic.
    """
    if not file.is_file():
        fail("FILE", f"{file} does not exist or is not a file")
    try:
        problem = read_instance(file)
    except (FormatError, OSError, UnicodeError) as exc:
        fail("FILE", f"{file}: cannot read it as a benchmark instance ({exc})")
    started = time.perf_counter()
    params = SolveParams(
        time_limit_s=time_limit, seed=seed, workers=workers, solution_limit=solution_limit
    )
    plan = solve(problem, params)
    seconds = time.perf_counter() - started
    distance = euclidean_distance(problem, plan)
    violations = plan.check(problem) + exact_time_check(problem, plan)
    bks = find_bks(file)
    out = {
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
        typer.echo(json.dumps(out))
        return
    typer.echo(
        f"instance   {file.stem} ({len(problem.stops)} stops, {len(problem.vehicles)} bikes)"
    )
    typer.echo(f"vehicles   {out['vehicles']}")
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
