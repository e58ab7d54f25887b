"""Planner quality against best-known solutions, with PyVRP alone beside it.

Run ``python -m bench.planner_bench --benchmarks DIR`` (``make bench`` does). Default sets and
limits: Solomon 56 at 10 s, 12 Gehring-Homberger 200 (``*_2_1`` and ``*_2_6`` of each class) at
30 s, Li & Lim 56 at 10 s. For each instance it prints our bikes and distance (Euclidean, double
precision, recomputed from the routes) against the BKS, and PyVRP alone (one process, same
limit, same seed). The planner itself runs with two workers (OR-Tools + PyVRP where PyVRP models
the problem), so "ours" is never worse than the better of the two engines.

Figures per class: share of instances with BKS vehicles (or fewer), the mean distance gap over
those instances, and the same for PyVRP alone. Timing figures depend on the machine; nothing here
is a test.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from planner.formats import euclidean_distance, read_instance
from planner.formats.bks import Bks, gap_percent, read_bks
from planner.formats.common import exact_time_check
from planner.portfolio import to_plan
from planner.pyvrp_engine import pyvrp_supports, solve_pyvrp
from planner.solve import SolveParams, solve
from planner.validate import explain_drop

SETS = {"solomon": ("solomon", 10.0), "homberger": ("homberger200", 30.0), "lilim": ("lilim", 10.0)}


@dataclass
class Row:
    """One instance's figures (``None`` where an engine found nothing)."""

    set: str
    cls: str
    instance: str
    bks: Bks | None
    vehicles: int | None
    distance: float | None
    feasible: bool
    seconds: float
    engine: str
    pv_vehicles: int | None
    pv_distance: float | None


def instance_class(name: str) -> str:
    """``R101`` → ``R1``, ``rc2_2_6`` → ``RC2``, ``lrc104`` → ``LRC1``."""
    name = name.upper()
    m = re.match(r"([A-Z]+)(\d)", name)
    return f"{m.group(1)}{m.group(2)}" if m else name


def pick_files(root: Path, which: str, per_class: int | None) -> list[Path]:
    """The instance files of one set, in a stable order (Homberger: ``_1`` and ``_6``)."""
    files = sorted((root / SETS[which][0]).glob("*.txt"), key=lambda p: p.stem.lower())
    if which == "homberger":
        files = [f for f in files if re.search(r"_2_(1|6)$", f.stem)]
    if per_class:
        seen: dict[str, int] = {}
        kept = []
        for f in files:
            c = instance_class(f.stem)
            if seen.get(c, 0) < per_class:
                kept.append(f)
                seen[c] = seen.get(c, 0) + 1
        files = kept
    return files


def run_one(
    which: str,
    path: Path,
    bks: dict[str, Bks],
    limit_s: float,
    seed: int,
    pyvrp: bool,
    ortools_only: bool = False,
) -> Row:
    """Solve one instance with the planner, then with PyVRP alone."""
    problem = read_instance(path)
    t0 = time.perf_counter()
    params = SolveParams(time_limit_s=limit_s, seed=seed, workers=2, use_pyvrp=not ortools_only)
    plan = solve(problem, params)
    seconds = time.perf_counter() - t0
    ok = not plan.check(problem) and not exact_time_check(problem, plan) and not plan.unassigned
    row = Row(
        which,
        instance_class(path.stem),
        path.stem,
        bks.get(path.stem.lower()),
        plan.summary.vehicles_used if ok else None,
        euclidean_distance(problem, plan) if ok else None,
        ok,
        seconds,
        plan.summary.engine,
        None,
        None,
    )
    if pyvrp and pyvrp_supports(problem):
        raw = solve_pyvrp(problem, limit_s, seed)
        if raw.routes is not None:
            pv = to_plan(problem, raw, explain_drop, limit_s)
            if not pv.check(problem) and not exact_time_check(problem, pv) and not pv.unassigned:
                row.pv_vehicles = len(pv.routes)
                row.pv_distance = euclidean_distance(problem, pv)
    return row


def _fmt(v: int | None, d: float | None, b: Bks | None) -> str:
    if v is None or d is None:
        return f"{'no plan':>22}"
    gap = f"{gap_percent(d, b.distance):+6.2f}%" if b else "   n/a"
    return f"{v:3d} {d:10.2f} {gap}"


def summarise(rows: list[Row], label: str) -> str:
    """One line: vehicles-match share and mean gap where matched, ours and PyVRP's."""

    def stats(vs: list[int | None], ds: list[float | None]) -> str:
        pairs = [(v, d, r.bks) for v, d, r in zip(vs, ds, rows, strict=True) if r.bks]
        solved = [(v, d, b) for v, d, b in pairs if v is not None and d is not None]
        if not pairs:
            return "n/a"
        match = [gap_percent(d, b.distance) for v, d, b in solved if b and v <= b.vehicles]
        allgap = [gap_percent(d, b.distance) for v, d, b in solved if b]
        mean = f"{statistics.mean(match):+.2f}%" if match else "n/a"
        mean_all = f"{statistics.mean(allgap):+.2f}%" if allgap else "n/a"
        return (
            f"solved {len(solved)}/{len(pairs)}, "
            f"vehicles=BKS {100 * len(match) / len(pairs):5.1f}%,"
            f" gap where matched {mean}, gap all {mean_all}"
        )

    ours = stats([r.vehicles for r in rows], [r.distance for r in rows])
    theirs = stats([r.pv_vehicles for r in rows], [r.pv_distance for r in rows])
    return f"{label:<12} n={len(rows):2d} | ours: {ours} | pyvrp: {theirs}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints per-instance rows and per-class summaries."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", type=Path, required=True, help="folder holding bks.csv")
    ap.add_argument("--only", choices=sorted(SETS), action="append", help="set(s) to run")
    ap.add_argument("--time-limit", type=float, help="seconds per instance (default per set)")
    ap.add_argument("--per-class", type=int, help="only the first N instances of each class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pyvrp", action="store_true", help="skip the PyVRP-alone column")
    ap.add_argument(
        "--ortools-only", action="store_true", help="planner without PyVRP (two OR-Tools workers)"
    )
    ap.add_argument("--csv", type=Path, help="also write the rows to this CSV file")
    args = ap.parse_args(argv)
    bks = read_bks(args.benchmarks / "bks.csv")
    rows: list[Row] = []
    for which in args.only or ["solomon", "homberger", "lilim"]:
        limit = args.time_limit or SETS[which][1]
        files = pick_files(args.benchmarks, which, args.per_class)
        print(f"\n== {which}: {len(files)} instances at {limit:g} s ==", flush=True)
        print(f"{'instance':<10} {'BKS':>15} | {'ours':>22} | {'pyvrp alone':>22} | engine")
        set_rows = []
        for f in files:
            r = run_one(which, f, bks, limit, args.seed, not args.no_pyvrp, args.ortools_only)
            set_rows.append(r)
            b = f"{r.bks.vehicles:3d} {r.bks.distance:10.2f}" if r.bks else "n/a"
            print(
                f"{r.instance:<10} {b:>15} | {_fmt(r.vehicles, r.distance, r.bks)} | "
                f"{_fmt(r.pv_vehicles, r.pv_distance, r.bks)} | {r.engine} {r.seconds:.1f}s",
                flush=True,
            )
        for cls in sorted({r.cls for r in set_rows}):
            print(summarise([r for r in set_rows if r.cls == cls], cls))
        print(summarise(set_rows, f"ALL {which}"), flush=True)
        rows += set_rows
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "set",
                    "class",
                    "instance",
                    "bks_vehicles",
                    "bks_distance",
                    "vehicles",
                    "distance",
                    "feasible",
                    "seconds",
                    "engine",
                    "pyvrp_vehicles",
                    "pyvrp_distance",
                ]
            )
            for r in rows:
                w.writerow(
                    [
                        r.set,
                        r.cls,
                        r.instance,
                        r.bks.vehicles if r.bks else "",
                        r.bks.distance if r.bks else "",
                        r.vehicles,
                        r.distance,
                        r.feasible,
                        round(r.seconds, 2),
                        r.engine,
                        r.pv_vehicles,
                        r.pv_distance,
                    ]
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
