"""Exact times of a fixed visit order: windows, breaks, shifts, loads — and why an order fails.

:class:`RouteTimer` answers, for one bike and one order of visits, the earliest feasible times
with the courier's breaks placed exactly (a break is taken between visits: while riding a leg
or while waiting for a window, never during a service), then leaves the depot as late as that
allows, so no working time is spent waiting at the start. When the order is infeasible it says
where and why in a depot worker's words. It is used to place breaks in plans from engines that
do not model them, to insert left-out stops into finished rounds, and to find the true reason
a stop could not be planned.

Frozen visits (done or under way) are timed without their windows; after them the bike is at
its position at ``now_s``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from planner.problem import LOAD_DIMENSIONS, FrozenRoute, Problem, StopKind, Vehicle
from planner.validate import _amount, clock


@dataclass(frozen=True)
class Timed:
    """A feasible timing: ``(stop id or None for a reload, service start)`` per visit."""

    visits: tuple[tuple[str | None, int], ...]
    start_s: int
    end_s: int
    breaks: tuple[tuple[int, int], ...]  # (start_s, duration_s)

    @property
    def duration_s(self) -> int:
        """Working time: riding, service and waiting, from departure to return."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Failure:
    """Why an order of visits cannot be ridden: a code and a sentence naming bike and stop."""

    code: str  # "window", "shift", "duration", "break", "capacity", "distance", "skill"
    stop_id: str | None
    reason: str
    excess: int = 0  # by how much (seconds late, grams over, ...): the smallest is the closest


def relaxed_ids(problem: Problem) -> set[str]:
    """Stops whose windows no longer bind: frozen visits and the partners of frozen pickups."""
    frozen = problem.frozen_ids()
    partner = problem.partner()
    return frozen | {partner[s] for s in frozen if s in partner}


def frozen_prefix_end(problem: Problem, vi: int, fr: FrozenRoute) -> tuple[int, int]:
    """Where and when bike ``vi`` is free after its frozen visits: ``(place, clock time)``.

    Frozen visits are timed from the shift start without their windows (they are done or under
    way); the bike is then at ``fr.position_place`` (or its last frozen stop) at ``now_s`` or
    when the frozen visits end, whichever is later.
    """
    v = problem.vehicles[vi]
    t, place = v.shift.start_s, v.start_place
    for sid in fr.stop_ids:
        s = problem.stop(sid)
        t += problem.duration_s[place][s.place] + s.service_s
        place = s.place
    if fr.position_place is not None:
        place = fr.position_place
    if problem.now_s is not None:
        t = max(t, problem.now_s)
    return place, t


class RouteTimer:
    """Times visit orders for one bike of a problem (see the module docstring)."""

    def __init__(self, problem: Problem, vi: int, *, ignore_breaks: bool = False) -> None:
        self.p = problem
        self.vi = vi
        self.v: Vehicle = problem.vehicles[vi]
        breaks = () if ignore_breaks else self.v.breaks
        self.breaks = sorted(breaks, key=lambda b: b.window.start_s)
        fr = next((f for f in problem.frozen if f.vehicle_id == self.v.id), None)
        self.frozen: tuple[str, ...] = fr.stop_ids if fr else ()
        self.relaxed = relaxed_ids(problem)
        self.live = problem.live_position(self.v.id)

    def earliest(self, seq: Sequence[str | None], depart_s: int) -> Timed | Failure:
        """Earliest times of ``seq`` leaving the start at ``depart_s`` (breaks placed)."""
        p, v = self.p, self.v
        dur = p.duration_s
        nb = len(self.breaks)
        # states[j]: (earliest free time at the current place, break starts so far), j = breaks
        # taken. Breaks whose window closed before the departure are not owed.
        skip = sum(1 for b in self.breaks if b.window.end_s < depart_s)
        states: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {skip: (depart_s, ())}
        place = v.start_place
        visits: list[list[tuple[str | None, int]]] = [[] for _ in range(nb + 1)]
        n_frozen = len(self.frozen)
        failure: Failure | None = None
        for k, sid in enumerate([*seq, "__end__"]):
            if sid == "__end__":
                nxt, service, windows, frozen = v.end_place, 0, None, True
            elif sid is None:
                nxt, service, windows, frozen = v.end_place, v.reload_s, None, False
            else:
                s = p.stop(sid)
                frozen = k < n_frozen or sid in self.relaxed
                nxt, service = s.place, s.service_s
                windows = None if frozen else [(w.start_s, w.end_s) for w in s.windows]
            here = place
            if k == n_frozen and (n_frozen or self.live) and p.now_s is not None:
                # The first new visit: the bike leaves at "now" at the earliest, from its live
                # position if it has one, else from its last frozen stop.
                states = {j: (max(t, p.now_s), tk) for j, (t, tk) in states.items()}
            if k == n_frozen and self.live is not None:
                here = self.live[1]
            travel = dur[here][nxt]
            new: dict[int, tuple[int, tuple[tuple[int, int], ...], list]] = {}
            for j, (t, taken) in states.items():
                options = [(j, t + travel, taken)]
                if j < nb:
                    b = self.breaks[j]
                    bs = max(t, b.window.start_s)
                    if bs <= b.window.end_s:
                        ready = max(t + travel, b.window.start_s) + b.duration_s
                        options.append((j + 1, ready, (*taken, (bs, b.duration_s))))
                for jj, ready, tk in options:
                    if (
                        sid != "__end__"
                        and k >= n_frozen
                        and p.now_s is not None
                        and ready < p.now_s
                    ):
                        ready = p.now_s
                    start = ready
                    if windows:
                        start = -1
                        for a, e in sorted(windows):
                            if ready <= e:
                                start = max(ready, a)
                                break
                        if start < 0:
                            if failure is None or failure.code != "window":
                                last = max(windows, key=lambda w: w[1])
                                failure = Failure(
                                    "window",
                                    sid,
                                    f"{v.id} would arrive at {sid} at {clock(ready)}, after its "
                                    f"window ends at {clock(last[1])}",
                                    ready - last[1],
                                )
                            continue
                    if jj not in new or start < new[jj][0]:
                        new[jj] = (start, tk, [*visits[j], (sid, start)])
            if not new:
                return failure or Failure("window", sid, f"{v.id} cannot reach {sid} in time")
            states = {}
            for jj, (start, tk, vs) in new.items():
                states[jj] = (start + service, tk)
                visits[jj] = vs
            place = nxt
        best: tuple[int, int] | None = None
        for j, (t_end, _taken) in states.items():
            owed = [b for b in self.breaks[j:] if b.window.start_s < t_end]
            if owed:
                b = owed[0]
                failure = Failure(
                    "break",
                    None,
                    f"{v.id} has no room for its {b.duration_s // 60}-minute break "
                    f"({clock(b.window.start_s)}–{clock(b.window.end_s)})",
                )
                continue
            if best is None or t_end < best[0]:
                best = (t_end, j)
        if best is None:
            assert failure is not None
            return failure
        t_end, j = best
        route_visits = tuple(x for x in visits[j][:-1])
        return Timed(route_visits, depart_s, t_end, states[j][1])

    def time(
        self, seq: Sequence[str | None], *, least_working_time: bool = True
    ) -> Timed | Failure:
        """Feasible times for ``seq`` with the least working time, or why there are none.

        With ``least_working_time=False`` the bike leaves at its earliest (enough to decide
        feasibility, unless a maximum duration makes the departure matter).
        """
        v, p = self.v, self.p
        first = v.shift.start_s
        if not self.frozen and p.now_s is not None:
            first = max(first, p.now_s)
        timed = self.earliest(seq, first)
        if isinstance(timed, Failure):
            return timed
        if timed.end_s > v.shift.end_s:
            return Failure(
                "shift",
                None,
                f"{v.id} would be back at {clock(timed.end_s)}, after its shift ends at "
                f"{clock(v.shift.end_s)}",
                timed.end_s - v.shift.end_s,
            )
        if not self.frozen and (least_working_time or v.max_duration_s is not None):
            # Leave as late as keeps the same return: no waiting at the start.
            lo, hi = first, timed.end_s
            while lo < hi:
                mid = (lo + hi + 1) // 2
                later = self.earliest(seq, mid)
                if isinstance(later, Timed) and later.end_s == timed.end_s:
                    lo = mid
                else:
                    hi = mid - 1
            if lo > first:
                later = self.earliest(seq, lo)
                assert isinstance(later, Timed)
                timed = later
        if v.max_duration_s is not None and timed.duration_s > v.max_duration_s:
            return Failure(
                "duration",
                None,
                f"{v.id}'s round would last {timed.duration_s // 60} min, more than the "
                f"{v.max_duration_s // 60} min allowed",
                timed.duration_s - v.max_duration_s,
            )
        return timed


def check_static(problem: Problem, vi: int, seq: Sequence[str | None]) -> Failure | None:
    """Rules that do not depend on times: skills, loads per trip, trips and range."""
    p = problem
    v = p.vehicles[vi]
    partner = p.partner()
    trips: list[list[str]] = [[]]
    for sid in seq:
        if sid is None:
            trips.append([])
        else:
            trips[-1].append(sid)
            s = p.stop(sid)
            if not s.skills <= v.skills:
                missing = ", ".join(sorted(s.skills - v.skills))
                return Failure("skill", sid, f"{v.id} lacks {missing} needed by {sid}")
    if len(trips) > v.max_trips:
        return Failure("capacity", None, f"{v.id} may make only {v.max_trips} trip(s)")
    for trip in trips:
        where = {sid: k for k, sid in enumerate(trip)}
        for sid in trip:
            other = partner.get(sid)
            if other is not None and other not in where and other in p.frozen_ids():
                continue
            if other is not None and other not in where:
                return Failure("pair", sid, f"{sid} and {other} must be on one trip of one bike")
        for dim in LOAD_DIMENSIONS:
            cap = getattr(v.capacity, dim)
            if cap is None:
                continue
            load = sum(
                getattr(p.stop(sid).load, dim)
                for sid in trip
                if p.stop(sid).kind is StopKind.DELIVERY and sid not in partner
            )
            peak = load
            for sid in trip:
                s = p.stop(sid)
                load += getattr(s.load, dim) * (-1 if s.kind is StopKind.DELIVERY else 1)
                peak = max(peak, load)
            if peak > cap:
                return capacity_failure(v, dim, peak, cap)
    if v.max_distance_m is not None:
        dist = p.distance_m
        visits = [v.end_place if sid is None else p.stop(sid).place for sid in seq]
        places = p.ridden_places(vi, visits)
        total = sum(dist[a][b] for a, b in itertools.pairwise(places))
        if total > v.max_distance_m:
            return range_failure(v, total, v.max_distance_m)
    return None


def capacity_failure(v: Vehicle, dim: str, peak: int, cap: int) -> Failure:
    """Bike ``v`` would carry ``peak`` of ``dim`` on a trip, more than its ``cap``."""
    return Failure(
        "capacity",
        None,
        f"{v.id} would carry {_amount(dim, peak)} on a trip, more than its {_amount(dim, cap)}",
        peak - cap,
    )


def range_failure(v: Vehicle, total_m: int, range_m: int) -> Failure:
    """Bike ``v`` would ride ``total_m`` metres, beyond its range of ``range_m``."""
    return Failure(
        "distance",
        None,
        f"{v.id} would ride {total_m / 1000:.1f} km, beyond its range of {range_m / 1000:.1f} km",
        total_m - range_m,
    )
