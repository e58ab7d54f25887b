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
