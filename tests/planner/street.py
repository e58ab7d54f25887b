"""Small hand-checkable planning problems on a straight street.

Places sit on a line at whole-kilometre marks; riding one kilometre takes 4 minutes (240 s, a
15 km/h cargo bike) and is 1000 m. Place 0 is the depot. Clock times are seconds since midnight.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.problem import Problem, Stop, TimeWindow, Vehicle

KM_S = 240
H = 3600


def line_matrices(km: Sequence[int]) -> tuple[list[list[int]], list[list[int]]]:
    """(duration_s, distance_m) between places at the given kilometre marks."""
    dur = [[abs(a - b) * KM_S for b in km] for a in km]
    dist = [[abs(a - b) * 1000 for b in km] for a in km]
    return dur, dist


def line_problem(
    km: Sequence[int], stops: Sequence[Stop], vehicles: Sequence[Vehicle], **kw: object
) -> Problem:
    """A problem on the line ``km`` (place i at ``km[i]`` kilometres)."""
    dur, dist = line_matrices(km)
    return Problem.from_matrices(
        duration_s=dur,
        distance_m=dist,
        stops=stops,
        vehicles=vehicles,
        **kw,  # type: ignore[arg-type]
    )


def bike(vid: str = "b1", **kw) -> Vehicle:
    """A bike on an 08:00–16:00 shift at the depot."""
    kw.setdefault("shift", TimeWindow(8 * H, 16 * H))
    return Vehicle(id=vid, **kw)
