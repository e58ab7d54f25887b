"""Readers for the public VRPTW / PDPTW benchmarks, turning an instance file into a Problem.

Benchmark distances are Euclidean in double precision (the SINTEF TOP convention of ``bks.csv``).
The solver works in integers, so every reader multiplies coordinates-derived distances, times,
windows and service times by :data:`SCALE` (1000): distances are rounded to the nearest integer,
travel *times* are rounded up, so a plan that meets its windows in integers also meets them in
exact arithmetic. :func:`euclidean_distance` recomputes a plan's distance unrounded, in the
instance's own units, from the coordinates kept on the problem.
"""

from __future__ import annotations

from planner.formats.common import SCALE, euclidean_distance, read_instance
from planner.formats.lilim import read_lilim
from planner.formats.solomon import read_solomon

__all__ = ["SCALE", "euclidean_distance", "read_instance", "read_lilim", "read_solomon"]
