"""Times of one round for the plan check: legs, arrivals, service starts and breaks.

Part of :mod:`planner.check` (see its docstring for the time model); like it, shares no code with
the solver or with the code that builds plans.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.problem import Break, Problem, TimeWindow, Vehicle

if TYPE_CHECKING:
    from planner.plan import Route, TakenBreak


def _clock(t_s: int) -> str:
    """Seconds since midnight as ``HH:MM`` (``HH:MM:SS`` when the seconds matter)."""
    h, rest = divmod(t_s, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _span(a_s: int, b_s: int) -> str:
    return f"{_clock(a_s)}–{_clock(b_s)}"


def _dur(d_s: int) -> str:
    """A duration as ``1 h 30 min``, ``4 min``, ``4 min 10 s`` or ``45 s``."""
    sign, d_s = ("-" if d_s < 0 else ""), abs(d_s)
    h, rest = divmod(d_s, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h} h"] * bool(h) + [f"{m} min"] * bool(m) + [f"{s} s"] * bool(s)
    return sign + (" ".join(parts) or "0 s")


def _what(stop_id: str | None) -> str:
    return "the reload" if stop_id is None else f"stop {stop_id}"


@dataclass(frozen=True)
class _Call:
    """A visit as the problem says it should be: place and service from the problem."""

    stop_id: str | None
    place: int
    service_s: int
    arrival_s: int  # as reported by the plan
    start_s: int  # as reported by the plan


def _legs(route: Route, calls: Sequence[_Call]) -> list[tuple[int, int]]:
    """``(departure, next service start)`` of every leg; the last leg ends at the round's end."""
    departures = [route.start_s] + [c.start_s + c.service_s for c in calls]
    arrivals = [c.start_s for c in calls] + [route.end_s]
    return list(zip(departures, arrivals, strict=True))


def _leg_of(b: TakenBreak, legs: Sequence[tuple[int, int]]) -> int | None:
    for k, (dep, nxt) in enumerate(legs):
        if dep <= b.start_s and b.start_s + b.duration_s <= nxt:
            return k
    return None


def _check_times(route: Route, v: Vehicle, problem: Problem, calls: Sequence[_Call]) -> list[str]:
    errors: list[str] = []
    legs = _legs(route, calls)
    on_leg: list[list[TakenBreak]] = [[] for _ in legs]
    for b in route.breaks:
        k = _leg_of(b, legs)
        if k is not None:
            on_leg[k].append(b)
    place = v.start_place
    where = "the depot" if v.start_place == v.end_place else "its start place"
    live = problem.live_position(v.id)
    for k, (dep, _) in enumerate(legs):
        last = k == len(calls)
        to = v.end_place if last else calls[k].place
        if live is not None and k == live[0]:
            # Resuming from the live position, at "now" at the earliest.
            place, where = live[1], "its live position"
            if problem.now_s is not None:
                dep = max(dep, problem.now_s)
        travel = problem.duration_s[place][to]
        ride = f"leaving {where} at {_clock(dep)} and riding {_dur(travel)}"
        if last:
            pause = sum(b.duration_s for b in on_leg[k])
            back = dep + travel + pause
            if route.end_s < back:
                extra = f" and {_dur(pause)} of breaks" if pause else ""
                errors.append(
                    f"{v.id}: back at the depot at {_clock(route.end_s)}, but {ride}{extra} "
                    f"gets it there at {_clock(back)}"
                )
            break
        c = calls[k]
        before = [b for b in on_leg[k] if b.start_s < c.arrival_s]
        after = [b for b in on_leg[k] if b.start_s >= c.arrival_s]
        arrival = dep + travel + sum(b.duration_s for b in before)
        if c.arrival_s != arrival:
            extra = f" with {_dur(arrival - dep - travel)} of breaks" if before else ""
            errors.append(
                f"{v.id}: {_what(c.stop_id)} arrival {_clock(c.arrival_s)} in the plan, but "
                f"{ride}{extra} gets there at {_clock(arrival)}"
            )
        for b in before:
            if b.start_s + b.duration_s > c.arrival_s:
                errors.append(
                    f"{v.id}: break {_span(b.start_s, b.start_s + b.duration_s)} runs past the "
                    f"arrival at {_what(c.stop_id)} ({_clock(c.arrival_s)})"
                )
        ready = max(arrival, c.arrival_s) + sum(b.duration_s for b in after)
        if c.start_s < c.arrival_s:
            errors.append(
                f"{v.id}: {_what(c.stop_id)} service starts at {_clock(c.start_s)}, before the "
                f"arrival at {_clock(c.arrival_s)}"
            )
        elif c.start_s < ready:
            errors.append(
                f"{v.id}: {_what(c.stop_id)} service starts at {_clock(c.start_s)}, before the "
                f"bike can be there ({_clock(ready)})"
            )
        place, where = c.place, _what(c.stop_id)
    return errors


def _check_breaks(route: Route, v: Vehicle, calls: Sequence[_Call]) -> list[str]:
    errors: list[str] = []
    legs = _legs(route, calls)
    taken = sorted(route.breaks, key=lambda b: b.start_s)
    for b in taken:
        span = _span(b.start_s, b.start_s + b.duration_s)
        if b.duration_s <= 0:
            errors.append(f"{v.id}: break at {_clock(b.start_s)} lasts {_dur(b.duration_s)}")
        elif b.start_s < route.start_s or b.start_s + b.duration_s > route.end_s:
            errors.append(
                f"{v.id}: break {span} taken outside the round {_span(route.start_s, route.end_s)}"
            )
        elif _leg_of(b, legs) is None:
            hit = next((c for c in calls if _overlaps(b, c.start_s, c.start_s + c.service_s)), None)
            if hit is not None:
                errors.append(
                    f"{v.id}: break {span} overlaps the service at {_what(hit.stop_id)} "
                    f"({_span(hit.start_s, hit.start_s + hit.service_s)})"
                )
            else:
                errors.append(f"{v.id}: break {span} does not fit between two visits")
    for a, b in itertools.pairwise(taken):
        if a.start_s + a.duration_s > b.start_s:
            errors.append(
                f"{v.id}: breaks {_span(a.start_s, a.start_s + a.duration_s)} and "
                f"{_span(b.start_s, b.start_s + b.duration_s)} overlap"
            )
    match = _match_breaks(v.breaks, taken)
    matched = set(match.values())
    explained: set[int] = set()  # wanted breaks reported as taken outside their window
    for ti, t in enumerate(taken):
        if ti in matched:
            continue
        span = f"{_span(t.start_s, t.start_s + t.duration_s)} ({_dur(t.duration_s)})"
        misplaced = [
            wi
            for wi, w in enumerate(v.breaks)
            if wi not in match and wi not in explained and w.duration_s == t.duration_s
        ]
        fits = [
            w for w in v.breaks if w.duration_s == t.duration_s and _starts_in(t.start_s, w.window)
        ]
        if fits:
            errors.append(
                f"{v.id}: break {span} is a second break for the window {_window(fits[0].window)}"
            )
        elif misplaced:
            explained.add(misplaced[0])
            window = v.breaks[misplaced[0]].window
            errors.append(f"{v.id}: break {span} starts outside its window {_window(window)}")
        else:
            due = ", ".join(f"{_window(w.window)} ({_dur(w.duration_s)})" for w in v.breaks)
            errors.append(f"{v.id}: break {span} is not one of the bike's breaks ({due or 'none'})")
    for wi, w in enumerate(v.breaks):
        if wi in match or wi in explained:
            continue
        apart = route.end_s <= w.window.start_s or route.start_s > w.window.end_s
        if not apart:
            errors.append(
                f"{v.id}: break {_window(w.window)} ({_dur(w.duration_s)}) not taken although "
                f"the round runs {_span(route.start_s, route.end_s)}"
            )
    return errors


def _window(w: TimeWindow) -> str:
    return _span(w.start_s, w.end_s)


def _starts_in(t_s: int, w: TimeWindow) -> bool:
    return w.start_s <= t_s <= w.end_s


def _overlaps(b: TakenBreak, start_s: int, end_s: int) -> bool:
    """True when the break and the service ``[start_s, end_s]`` share time (or the break
    encloses a zero-length service)."""
    b_end = b.start_s + b.duration_s
    if start_s == end_s:
        return b.start_s < start_s < b_end
    return b.start_s < end_s and start_s < b_end


def _match_breaks(wanted: Sequence[Break], taken: Sequence[TakenBreak]) -> dict[int, int]:
    """One-to-one matching of wanted breaks to taken ones (same duration, start in the window).

    Maximum bipartite matching by augmenting paths; returns ``{wanted index: taken index}``.
    """
    fits = [
        [
            ti
            for ti, t in enumerate(taken)
            if t.duration_s == w.duration_s and _starts_in(t.start_s, w.window)
        ]
        for w in wanted
    ]
    owner: dict[int, int] = {}  # taken index -> wanted index

    def augment(wi: int, tried: set[int]) -> bool:
        for ti in fits[wi]:
            if ti in tried:
                continue
            tried.add(ti)
            if ti not in owner or augment(owner[ti], tried):
                owner[ti] = wi
                return True
        return False

    for wi in range(len(wanted)):
        augment(wi, set())
    return {wi: ti for ti, wi in owner.items()}
