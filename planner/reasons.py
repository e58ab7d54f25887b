"""True reasons for the stops a finished plan leaves out.

Checks before solving (:mod:`planner.validate`) catch the stops no bike could serve even alone.
For the rest the reason comes from trying to insert the stop into the finished rounds
(:mod:`planner.finish`), and says only what was found:

* ``fleet_full`` only when it is proved: the whole fleet's shifts or capacity over all trips
  cannot hold the day, or every place in every round (unused bikes included) was tried and each
  breaks a bike's shift, working time, break, range or load; the closest case is named;
* ``no_fit``: every place tried fails, some because of a window (this stop's or a later one's);
  the closest failure is named ("bike-07 would arrive at 12:40, after the window ends at
  12:00"), and whether one more bike took it when that was tried;
* ``search_time``: not every place could be tried before the time limit, so nothing is proved;
  a longer limit (or one more bike, when the trial says so) would likely plan it.
"""

from __future__ import annotations

from collections import Counter

from planner.finish import Attempts
from planner.plan import Unassigned
from planner.problem import LOAD_DIMENSIONS, Problem
from planner.schedule import Failure

ROOM_CODES = {"shift", "duration", "break", "capacity", "distance"}


def fleet_bound(problem: Problem) -> str | None:
    """A sentence if the fleet provably cannot hold the whole day, else ``None``."""
    p = problem
    service_s = sum(s.service_s for s in p.stops)
    shift_s = sum(
        v.shift.end_s - v.shift.start_s - sum(b.duration_s for b in v.breaks) for v in p.vehicles
    )
    if service_s > shift_s:
        return (
            f"the stops need {service_s / 3600:.1f} h at the door alone, more than the "
            f"{shift_s / 3600:.1f} h of all shifts together"
        )
    for dim in LOAD_DIMENSIONS:
        need = sum(getattr(s.load, dim) for s in p.stops)
        caps = [getattr(v.capacity, dim) for v in p.vehicles]
        if any(c is None for c in caps) or not caps:
            continue
        room = sum(c * v.max_trips for c, v in zip(caps, p.vehicles, strict=True) if c is not None)
        if need > room:
            unit = {"weight_g": "kg", "volume_ml": "l", "parcels": "parcels"}[dim]
            scale = 1 if dim == "parcels" else 1000
            return (
                f"the day's goods ({need / scale:g} {unit}) exceed what the fleet carries "
                f"over all its trips ({room / scale:g} {unit})"
            )
    return None


def closest(failures: list[tuple[int, Failure]]) -> Failure | None:
    """The most common kind of failure, and of those the one missing by the least."""
    if not failures:
        return None
    kinds = Counter(f.code for _, f in failures)
    code = kinds.most_common(1)[0][0]
    return min((f for _, f in failures if f.code == code), key=lambda f: f.excess)


def explain_left_out(
    problem: Problem,
    stop_id: str,
    attempts: Attempts | None,
    *,
    bound: str | None,
    extra_bike_took: bool | None,
) -> Unassigned:
    """The reason for one stop a finished plan leaves out (see the module docstring)."""
    extra = ""
    if extra_bike_took:
        extra = "; one more bike would take it"
    elif extra_bike_took is False:
        extra = "; one more bike (tried) would not take it either"
    if bound is not None:
        return Unassigned(stop_id, "fleet_full", f"the fleet's shifts are full: {bound}{extra}")
    att = attempts or Attempts(complete=False)
    near = closest(att.failures)
    if not att.complete or near is None:
        where = f"{att.tried} places tried" if att.tried else "no place tried"
        told = f"; closest: {near.reason}" if near is not None else ""
        return Unassigned(
            stop_id,
            "search_time",
            f"the search ran out of time before every place in the rounds was tried "
            f"({where}{told}); a longer time limit would likely plan it{extra}",
        )
    codes = {f.code for _, f in att.failures}
    if codes <= ROOM_CODES:
        return Unassigned(
            stop_id,
            "fleet_full",
            f"the fleet's shifts are full: all {att.tried} places in the rounds were tried and "
            f"each breaks a bike's shift or load; closest: {near.reason}{extra}",
        )
    return Unassigned(
        stop_id,
        "no_fit",
        f"no round can take it: {near.reason} (closest of {att.tried} places tried){extra}",
    )
