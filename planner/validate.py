"""Checks before solving: which stops no bike can serve, and why, in a depot worker's words.

A stop is impossible when it fails on an otherwise empty bike, for every bike: a skill nobody has,
more goods than the largest bike carries, a window that cannot be reached, a round trip beyond
the range, or no time to get there and back within the shift. Both halves of a pair go together.
:func:`explain_drop` gives the reason for a stop the search left out.
"""

from __future__ import annotations

from planner.plan import Unassigned
from planner.problem import LOAD_DIMENSIONS, Load, Problem, Stop, Vehicle

# Codes, most telling first: the first code that rules out every bike is the one reported.
CODES = ("skill", "capacity", "window", "distance", "duration", "shift")


def clock(t_s: int) -> str:
    """Seconds since midnight as ``HH:MM`` (past 24 h the hours keep counting)."""
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


def _amount(dim: str, value: int) -> str:
    if dim == "weight_g":
        return f"{value / 1000:g} kg"
    if dim == "volume_ml":
        return f"{value / 1000:g} l"
    return f"{value} parcels"


def validate(problem: Problem) -> list[Unassigned]:
    """Find the stops no bike can serve, before any search.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    list of Unassigned
        One entry per impossible stop (pair partners included), in problem order. Frozen stops
        are never reported: they are already on their bike.
    """
    partner = problem.partner()
    frozen = problem.frozen_ids()
    frozen |= {partner[s] for s in list(frozen) if s in partner}  # rides with its frozen half
    found: dict[str, Unassigned] = {}
    for s in problem.stops:
        if s.id in frozen or s.id in found:
            continue
        why = _impossible(problem, s, partner)
        if why is None:
            continue
        if s.id in partner and not _own_fault(problem, s):
            # Blame the half that is at fault: the partner is reported for its own reason.
            culprit = problem.stop(partner[s.id])
            if _own_fault(problem, culprit):
                s, why = culprit, Unassigned(culprit.id, why.code, why.reason)
        found[s.id] = why
        if s.id in partner:
            other = partner[s.id]
            found[other] = Unassigned(
                other, "pair", f"its partner stop {s.id} cannot be served: {why.reason}"
            )
    return [found[s.id] for s in problem.stops if s.id in found]


def explain_drop(problem: Problem, stop_id: str) -> Unassigned:
    """Best available reason for a stop the search left unplanned.

    If the stop fails even alone on an empty bike, that failure is the reason. Otherwise nothing
    is proved here: the stop is reported as left out by the search (code ``search_time``); the
    planner itself replaces this with the result of trying to insert the stop into the finished
    rounds (:mod:`planner.reasons`).
    """
    s = problem.stop(stop_id)
    why = _impossible(problem, s, problem.partner())
    if why is not None:
        return why
    return Unassigned(
        stop_id,
        "search_time",
        "the search left it out although it fits an empty bike; no reason was proved",
    )


def _own_fault(problem: Problem, s: Stop) -> bool:
    """True when ``s`` on its own needs a skill set or a load no single bike offers."""
    for v in problem.vehicles:
        if s.skills <= v.skills and all(
            getattr(v.capacity, d) is None or getattr(s.load, d) <= getattr(v.capacity, d)
            for d in LOAD_DIMENSIONS
        ):
            return False
    return True


def _impossible(problem: Problem, s: Stop, partner: dict[str, str]) -> Unassigned | None:
    others = [problem.stop(partner[s.id])] if s.id in partner else []
    group = [s, *others]
    need = set().union(*(x.skills for x in group))
    able = [v for v in problem.vehicles if need <= v.skills]
    if not problem.vehicles:
        return Unassigned(s.id, "shift", "there are no bikes in the plan")
    if not able:
        missing = sorted(need - set().union(*(v.skills for v in problem.vehicles)))
        if missing:
            return Unassigned(s.id, "skill", f"no bike has skill '{missing[0]}'")
        return Unassigned(s.id, "skill", f"no bike has all of {', '.join(map(repr, sorted(need)))}")
    load = s.load
    for dim in LOAD_DIMENSIONS:
        amount = getattr(load, dim)
        caps = [getattr(v.capacity, dim) for v in able]
        if any(c is None for c in caps) or not caps:
            continue
        largest = max(c for c in caps if c is not None)
        if amount > largest:
            return Unassigned(
                s.id,
                "capacity",
                f"{_amount(dim, amount)} is more than the largest bike carries "
                f"({_amount(dim, largest)})",
            )
    reasons = [_alone(problem, v, s, partner) for v in able]
    if any(r is None for r in reasons):
        return None
    for code in CODES:
        hits = [r for r in reasons if r is not None and r[0] == code]
        if hits:
            return Unassigned(s.id, code, hits[0][1])
    return None


def _alone(
    problem: Problem, v: Vehicle, s: Stop, partner: dict[str, str]
) -> tuple[str, str] | None:
    """Why bike ``v`` cannot serve ``s`` (with its partner, pickup first) on an empty round."""
    if s.id in partner:
        other = problem.stop(partner[s.id])
        first, second = (s, other) if s.kind.value == "pickup" else (other, s)
        seq = [first, second]
    else:
        seq = [s]
    dur, dist = problem.duration_s, problem.distance_m
    t = v.shift.start_s
    place = v.start_place
    distance = 0
    busy = 0  # travel + service: the shortest the round can be if the bike leaves late enough
    for x in seq:
        busy += dur[place][x.place] + x.service_s
        arrive = t + dur[place][x.place]
        distance += dist[place][x.place]
        start = _start_in_windows(arrive, x)
        if start is None:
            last = max(w.end_s for w in x.windows)
            window = next(w for w in x.windows if w.end_s == last)
            return (
                "window",
                f"window {clock(window.start_s)}–{clock(window.end_s)} of stop {x.id} cannot be "
                f"reached: earliest arrival {clock(arrive)}",
            )
        t, place = start + x.service_s, x.place
    back = t + dur[place][v.end_place]
    busy += dur[place][v.end_place]
    distance += dist[place][v.end_place]
    if v.max_distance_m is not None and distance > v.max_distance_m:
        return (
            "distance",
            f"the round trip of {distance / 1000:.1f} km is beyond the bikes' range "
            f"({v.max_distance_m / 1000:.1f} km)",
        )
    if v.max_duration_s is not None and busy > v.max_duration_s:
        return ("duration", f"the round takes longer than a bike may ride ({v.max_duration_s} s)")
    if back > v.shift.end_s:
        return (
            "shift",
            f"a bike cannot get there and back before the shift ends at {clock(v.shift.end_s)} "
            f"(back at {clock(back)})",
        )
    return None


def _start_in_windows(arrive: int, s: Stop) -> int | None:
    if not s.windows:
        return arrive
    for w in sorted(s.windows, key=lambda w: w.start_s):
        if arrive <= w.end_s:
            return max(arrive, w.start_s)
    return None


def total_load(stops: list[Stop]) -> Load:
    """Sum of the loads of ``stops`` (helper for callers that bundle stops)."""
    return Load(*(sum(getattr(s.load, d) for s in stops) for d in LOAD_DIMENSIONS))
