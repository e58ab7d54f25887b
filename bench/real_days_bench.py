"""Real days on the Copenhagen network: Bakfiets beside PyVRP alone, same problem, same limit.

``python -m bench.real_days_bench --osm ../shared/data/osm/copenhagen.osm.bz2 [--only 500/8,2000]``
(``make bench`` runs every row). For each day it prints, for Bakfiets (both cores, wall time
including the matrix): planned, unassigned by code, working hours (riding + service + waiting:
departure to return less the breaks, like PyVRP's own durations), km, wall seconds and peak
memory; and beside it PyVRP alone (one process, the same limit, the model of the issue's
comparison: reload depots, pairs as shipments, several windows as groups, each shift
shortened by its break): planned, hours, km, and how many of its rounds still ride once the
breaks are placed exactly (PyVRP has no breaks); and PyVRP's plan made to ride (each round that
fails with its breaks cut back until it rides): planned and hours. Nothing asserted.
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings
from collections import Counter
from pathlib import Path

from depot.real_day import real_day
from planner.finish import Finisher
from planner.portfolio import RawResult
from planner.pyvrp_day import build_day_model, read_routes
from planner.solve import SolveParams, solve

DAYS = (
    ("300/8", 300, 8, 45.0, False),
    ("500/8", 500, 8, 45.0, False),
    ("1000/15", 1000, 15, 60.0, False),
    ("2000/25", 2000, 25, 60.0, False),
    ("5000/60", 5000, 60, 180.0, False),
    ("500/8 tight", 500, 8, 45.0, True),
)


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def pyvrp_alone(problem, limit_s: float, seed: int) -> dict[str, float]:
    """PyVRP on the same day model in one process; its rounds re-timed with exact breaks."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.monotonic()
    model = build_day_model(problem, exact_breaks=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pyvrp.solve(
            model.data,
            stop=MaxRuntime(max(0.1, limit_s - (time.monotonic() - t0))),
            seed=seed,
            collect_stats=False,
        )
    best = res.best
    routes = read_routes(model, best)
    planned = sum(1 for r in routes for sid, _ in r.sequence if sid is not None)
    hours = sum(r.duration() for r in best.routes()) / 3600
    km = sum(r.distance() for r in best.routes()) / 1000
    fin = Finisher(problem, time.monotonic() + 60)
    ride = sum(
        1
        for r in routes
        if not hasattr(fin.time(r.vehicle_index, [s for s, _ in r.sequence]), "code")
    )
    # Made to ride: each round that fails once its breaks are placed is cut back until it
    # rides (our repair; the deadline has passed, so nothing is inserted in its place).
    cut = Finisher(problem, time.monotonic()).finish(
        RawResult("pyvrp-alone", routes), approximate_breaks=True
    )
    riding = [seq for seq, _timed in cut.routes.values()]
    return {
        "planned_riding": sum(1 for seq in riding for sid in seq if sid is not None),
        "hours_riding": sum(
            t.duration_s - sum(d for _s, d in t.breaks) for _seq, t in cut.routes.values()
        )
        / 3600,
        "planned": planned,
        "feasible": best.is_feasible(),
        "hours": hours,
        "km": km,
        "rounds": len(routes),
        "ride_with_breaks": ride,
    }


def _chosen(label: str, only: str) -> bool:
    """Whether ``--only`` asks for the day ``label`` (exact labels, else label prefixes)."""
    asked = [a.strip() for a in only.split(",") if a.strip()]
    labels = [d[0] for d in DAYS]
    return any(a == label or (a not in labels and label.startswith(a)) for a in asked)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--osm", type=Path, required=True)
    ap.add_argument(
        "--only",
        default=None,
        help="run only these days: comma-separated labels such as 500/8,2000/25 (or a prefix)",
    )
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(
        f"{'day':<12} {'limit':>5} | {'planned':>7} {'unassigned by code':<28} {'hours':>6} "
        f"{'km':>6} {'wall s':>6} {'peak MB':>7} | PyVRP alone: {'planned':>7} {'hours':>6} "
        f"{'km':>6} rounds riding with exact breaks | made to ride: planned hours"
    )
    for label, n, bikes, limit, tight in DAYS:
        if args.only and not _chosen(label, args.only):
            continue
        t0 = time.monotonic()
        _graph, _req, day = real_day(
            args.osm, n_stops=n, n_bikes=bikes, seed=args.seed, tight=tight
        )
        matrix_s = time.monotonic() - t0
        # The limit covers the matrix too: the planner gets what is left of it.
        plan = solve(day.problem, SolveParams(time_limit_s=limit - day.matrix_s, seed=args.seed))
        wall = time.monotonic() - t0 - (matrix_s - day.matrix_s)
        codes = Counter(u.code for u in plan.unassigned) + Counter(u.code for u in day.unplanned)
        hours = sum(r.working_s for r in plan.routes) / 3600
        km = plan.summary.distance_m / 1000
        peak = _peak_mb()
        alone = pyvrp_alone(day.problem, limit, args.seed)
        by_code = ", ".join(f"{c} {k}" for c, k in sorted(codes.items())) or "-"
        print(
            f"{label:<12} {limit:5.0f} | {plan.summary.stops_served:7d} {by_code:<28} "
            f"{hours:6.1f} {km:6.1f} {wall:6.1f} {peak:7.0f} | {alone['planned']:19d} "
            f"{alone['hours']:6.1f} {alone['km']:6.1f} "
            f"{alone['ride_with_breaks']}/{alone['rounds']}"
            f"{'' if alone['feasible'] else ' (infeasible)'}"
            f" | {alone['planned_riding']:6d} {alone['hours_riding']:6.1f}",
            flush=True,
        )
        if plan.summary.extra_bike_stops is not None:
            print(
                f"{'':<12}        one more bike would take {plan.summary.extra_bike_stops} "
                f"of the {len(plan.unassigned)} left out",
                flush=True,
            )
        for note in plan.summary.notes:
            print(f"{'':<12}        note: {note}", flush=True)


if __name__ == "__main__":
    main()
