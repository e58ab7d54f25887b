"""Shared pieces of the benchmark readers: scaling, matrices, format detection, exact distance."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.plan import Plan
    from planner.problem import Problem

SCALE = 1000
"""Instance units (distance = time) are multiplied by this to get the solver's integers."""


class FormatError(ValueError):
    """The file is not a benchmark instance this package can read; the message says why."""


def euclidean_matrices(
    coords: Sequence[tuple[float, float]],
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """Scaled integer (duration, distance) matrices from coordinates; speed 1, see module doc."""
    dur: list[tuple[int, ...]] = []
    dist: list[tuple[int, ...]] = []
    for xa, ya in coords:
        drow, trow = [], []
        for xb, yb in coords:
            d = math.hypot(xa - xb, ya - yb) * SCALE
            drow.append(round(d))
            trow.append(math.ceil(d - 1e-7))
        dur.append(tuple(trow))
        dist.append(tuple(drow))
    return tuple(dur), tuple(dist)


def euclidean_distance(problem: Problem, plan: Plan) -> float:
    """Total distance of ``plan`` in instance units, Euclidean in double precision, unrounded.

    Raises
    ------
    ValueError
        If the problem carries no coordinates (it was not read from a benchmark file).
    """
    if not problem.coords:
        raise ValueError("problem has no coordinates")
    c = problem.coords
    total = 0.0
    by_id = {v.id: v for v in problem.vehicles}
    for route in plan.routes:
        v = by_id[route.vehicle_id]
        places = [v.start_place] + [x.place for x in route.visits] + [v.end_place]
        for a, b in itertools.pairwise(places):
            total += math.hypot(c[a][0] - c[b][0], c[a][1] - c[b][1])
    return total


def read_instance(path: str | Path) -> Problem:
    """Read a Solomon, Gehring-Homberger or Li & Lim file, detecting the layout.

    Raises
    ------
    FormatError
        If the file cannot be read or matches neither layout (the message names the file).
    OSError
        If the file cannot be opened.
    """
    from planner.formats.lilim import read_lilim
    from planner.formats.solomon import read_solomon

    text = Path(path).read_text(encoding="utf-8", errors="replace")
    first = text.strip().splitlines()[0].split() if text.strip() else []
    if "VEHICLE" in text.upper() and "CUSTOMER" in text.upper():
        return read_solomon(path)
    if len(first) == 3 and all(_is_number(x) for x in first):
        return read_lilim(path)
    raise FormatError(f"{path}: neither a Solomon/Homberger nor a Li & Lim instance")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def exact_time_check(problem: Problem, plan: Plan) -> list[str]:
    """Re-time every route in double precision (instance units, Euclidean, unrounded).

    Complements :meth:`planner.plan.Plan.check` (which replays the integer matrices): each visit
    starts as early as possible, and must start by its window's end; each bike must be back by
    its shift end. Returns the violations (empty: the plan is feasible in exact arithmetic).
    """
    if not problem.coords:
        raise ValueError("problem has no coordinates")
    c, k = problem.coords, float(problem.scale)
    by_id = {v.id: v for v in problem.vehicles}
    errors: list[str] = []
    for route in plan.routes:
        v = by_id[route.vehicle_id]
        t, place = v.shift.start_s / k, v.start_place
        for visit in route.visits:
            t += math.hypot(c[place][0] - c[visit.place][0], c[place][1] - c[visit.place][1])
            if visit.stop_id is None:
                t += v.reload_s / k
                place = visit.place
                continue
            stop = problem.stop(visit.stop_id)
            ok = [w for w in stop.windows if t <= w.end_s / k + 1e-9]
            if stop.windows and not ok:
                errors.append(f"{route.vehicle_id}: stop {stop.id} reached at {t:.4f}, too late")
            elif stop.windows:
                t = max(t, min(ok, key=lambda w: w.end_s).start_s / k)
            t += stop.service_s / k
            place = visit.place
        t += math.hypot(c[place][0] - c[v.end_place][0], c[place][1] - c[v.end_place][1])
        if t > v.shift.end_s / k + 1e-9:
            errors.append(f"{route.vehicle_id}: back at {t:.4f}, after the depot closes")
    return errors
