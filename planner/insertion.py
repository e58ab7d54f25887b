"""Where one new stop could go in a bike's round: the first position that keeps every rule.

Made for delivery slots at checkout: a stop is tried in one round at every position (and after
a reload at the depot when the bike may make one more trip), cheapest detour first, and the
first position at which the round still rides — exact times with breaks placed, windows,
shift, loads, range (:mod:`planner.schedule`) — is the answer. Nothing else of the round moves:
a position found proves that the stop fits; no position found says why (the failures).

Before a position is timed exactly it is ruled out, if it can be, by a relaxation that is never
stricter than the real rules (:class:`RoundSlack`): times without breaks (a break only ever
delays a visit), the earliest each earlier visit can end and the latest each later visit can
start, the load of a trip of deliveries, the distance ridden. A position it rules out cannot
ride; one it lets through is timed exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.finish import _trim
from planner.problem import LOAD_DIMENSIONS, Problem, Stop, StopKind
from planner.schedule import (
    Failure,
    RouteTimer,
    Timed,
    capacity_failure,
    check_static,
    range_failure,
)
from planner.validate import clock


@dataclass(frozen=True)
class Insertion:
    """A round with the new stop in it, and its exact times.

    Attributes
    ----------
    vehicle_index : int
    sequence : tuple of (str or None)
        The round's visits with the stop inserted (``None``: a reload at the depot).
    position : int
        Index of the new stop in ``sequence``.
    timed : Timed
        Exact times of ``sequence`` (earliest departure; breaks placed).
    """

    vehicle_index: int
    sequence: tuple[str | None, ...]
    position: int
    timed: Timed


@dataclass
class InsertionTry:
    """What trying one stop in one round found: the insertion, or why each position fails."""

    insertion: Insertion | None = None
    failures: list[Failure] = field(default_factory=list)
    timed_exactly: int = 0


def _first_start(windows: Sequence[tuple[int, int]], ready_s: int) -> int | None:
    """Earliest service start at or after ``ready_s`` inside ``windows`` (sorted), or None."""
    if not windows:
        return ready_s
    for a, e in windows:
        if ready_s <= e:
            return max(ready_s, a)
    return None


def _last_start(windows: Sequence[tuple[int, int]], bound_s: int) -> int | None:
    """Latest service start at or before ``bound_s`` inside ``windows`` (sorted), or None."""
    if not windows:
        return bound_s
    for a, e in reversed(windows):
        if a <= bound_s:
            return min(e, bound_s)
    return None


def _windows(stop: Stop) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((w.start_s, w.end_s) for w in stop.windows))


class RoundSlack:
    """The relaxed times, loads and distance of one feasible round, for ruling positions out.

    Computed once per round and reused for every stop tried in it. ``usable`` is False for a
    round with frozen visits or a live position (their timing is left to the exact check).

    Parameters
    ----------
    problem : Problem
        Any problem whose stops and places agree with the round's (a problem extended with new
        stops and places at the end keeps them).
    vi : int
        The bike.
    seq : sequence of (str or None)
        The round's visits.
    """

    def __init__(self, problem: Problem, vi: int, seq: Sequence[str | None]) -> None:
        p = problem
        v = p.vehicles[vi]
        self.seq = tuple(seq)
        dist = p.distance_m
        stops = [None if s is None else p.stop(s) for s in seq]
        self.places = [v.end_place if s is None else s.place for s in stops]
        ridden = [v.start_place, *self.places, v.end_place]
        self.distance_m = sum(dist[a][b] for a, b in itertools.pairwise(ridden))
        # Riding and service time: a break never overlaps either, so the round lasts at least
        # this plus every break it owes.
        dur = p.duration_s
        self.busy_s = sum(dur[a][b] for a, b in itertools.pairwise(ridden)) + sum(
            v.reload_s if s is None else s.service_s for s in stops
        )
        # Goods per trip when a trip only delivers (then its peak load is what leaves the depot).
        partner = p.partner()
        self.trip_of: list[int] = []
        self.trip_load: list[dict[str, int] | None] = [dict.fromkeys(LOAD_DIMENSIONS, 0)]
        for s in stops:
            if s is None:
                self.trip_load.append(dict.fromkeys(LOAD_DIMENSIONS, 0))
            self.trip_of.append(len(self.trip_load) - 1)
            load = self.trip_load[-1]
            if s is None or load is None:
                continue
            if s.kind is not StopKind.DELIVERY or s.id in partner:
                self.trip_load[-1] = None
                continue
            for dim in LOAD_DIMENSIONS:
                load[dim] += getattr(s.load, dim)
        self.trips = len(self.trip_load)
        self.depart_s = v.shift.start_s if p.now_s is None else max(v.shift.start_s, p.now_s)
        self.ends_s: list[int] = []
        n = len(self.seq)
        self.latest_s = [v.shift.end_s] * (n + 1)
        self.usable = not any(fr.vehicle_id == v.id for fr in p.frozen)
        if self.usable:
            service = [v.reload_s if s is None else s.service_s for s in stops]
            windows = [() if s is None else _windows(s) for s in stops]
            self.usable = self._times(p, vi, service, windows)

    def _times(
        self,
        p: Problem,
        vi: int,
        service: list[int],
        windows: list[tuple[tuple[int, int], ...]],
    ) -> bool:
        """Earliest end of service at each visit and latest arrival at each visit (and, last,
        back at the depot) that keeps the rest riding, both without breaks; False when the
        round does not ride even so."""
        v = p.vehicles[vi]
        dur = p.duration_s
        t, here = self.depart_s, v.start_place
        for place, serve, wins in zip(self.places, service, windows, strict=True):
            ready = t + dur[here][place]
            if p.now_s is not None:
                ready = max(ready, p.now_s)
            start = _first_start(wins, ready)
            if start is None:
                return False
            t, here = start + serve, place
            self.ends_s.append(t)
        if t + dur[here][v.end_place] > v.shift.end_s:
            return False
        n = len(self.seq)
        for i in reversed(range(n)):
            nxt = self.places[i + 1] if i + 1 < n else v.end_place
            bound = self.latest_s[i + 1] - dur[self.places[i]][nxt] - service[i]
            latest = _last_start(windows[i], bound)
            if latest is None:
                return False
            self.latest_s[i] = latest
        return True


def _positions(
    problem: Problem, vi: int, slack: RoundSlack, stop: Stop
) -> tuple[list[tuple[int, int, bool, bool]], list[Failure]]:
    """Positions not ruled out, as ``(detour_s, position, reload_before)``, cheapest first; and
    a failure for each position ruled out."""
    p = problem
    v = p.vehicles[vi]
    dur, dist = p.duration_s, p.distance_m
    n = len(slack.seq)
    frozen = next((fr for fr in p.frozen if fr.vehicle_id == v.id), None)
    first = len(frozen.stop_ids) if frozen else 0
    spare_trip = slack.trips < v.max_trips
    wins = _windows(stop)
    sp = stop.place
    keep: list[tuple[int, int, bool, bool]] = []
    out: list[Failure] = []
    for k in range(first, n + 1):
        prev = v.start_place if k == 0 else slack.places[k - 1]
        nxt = v.end_place if k == n else slack.places[k]
        for reload_before in (False, True) if spare_trip and k > first else (False,):
            if reload_before:
                detour = dur[prev][v.end_place] + v.reload_s + dur[v.end_place][sp]
                extra_m = dist[prev][v.end_place] + dist[v.end_place][sp]
            else:
                detour, extra_m = dur[prev][sp], dist[prev][sp]
            detour += dur[sp][nxt] - dur[prev][nxt]
            extra_m += dist[sp][nxt] - dist[prev][nxt]
            if not slack.usable:
                keep.append((detour, k, reload_before, False))
                continue
            why = _ruled_out(p, vi, slack, stop, wins, k, reload_before, detour, extra_m)
            if why is None:
                # Loads, trips and range are then already checked exactly: the stop joins a
                # trip that only delivers, and no trip is added.
                proven = (
                    not reload_before
                    and stop.kind is StopKind.DELIVERY
                    and _trip_load(slack, k) is not None
                )
                keep.append((detour, k, reload_before, proven))
            else:
                out.append(why)
    keep.sort()
    return keep, out


def _trip_load(slack: RoundSlack, k: int) -> dict[str, int] | None:
    """What the trip a stop inserted at ``k`` joins carries (None: not a delivery-only trip)."""
    return slack.trip_load[slack.trip_of[k - 1] if k > 0 else 0]


def _ruled_out(
    p: Problem,
    vi: int,
    slack: RoundSlack,
    stop: Stop,
    wins: Sequence[tuple[int, int]],
    k: int,
    reload_before: bool,
    detour_s: int,
    extra_m: int,
) -> Failure | None:
    """Why position ``k`` cannot ride even when its breaks cost nothing but their own time,
    or None."""
    v = p.vehicles[vi]
    dur = p.duration_s
    n = len(slack.seq)
    t = slack.depart_s if k == 0 else slack.ends_s[k - 1]
    here = v.start_place if k == 0 else slack.places[k - 1]
    if reload_before:
        t = t + dur[here][v.end_place]
        if p.now_s is not None:
            t = max(t, p.now_s)
        t, here = t + v.reload_s, v.end_place
    ready = t + dur[here][stop.place]
    if p.now_s is not None:
        ready = max(ready, p.now_s)
    start = _first_start(wins, ready)
    if start is None:
        last = wins[-1][1]
        return Failure(
            "window",
            stop.id,
            f"{v.id} would arrive at {stop.id} at {clock(ready)}, after its window ends at "
            f"{clock(last)}",
            ready - last,
        )
    arrive = start + stop.service_s + dur[stop.place][v.end_place if k == n else slack.places[k]]
    if arrive > slack.latest_s[k]:
        late = arrive - slack.latest_s[k]
        if k == n:
            return Failure(
                "shift",
                None,
                f"{v.id} would be back at {clock(arrive)}, after its shift ends at "
                f"{clock(v.shift.end_s)}",
                late,
            )
        nxt = slack.seq[k] or "the depot (reload)"
        return Failure(
            "window",
            slack.seq[k],
            f"{v.id} would reach {nxt} {late // 60 + 1} min too late for it or a later visit "
            "to keep its window, or for the bike to be back before its shift ends",
            late,
        )
    if not reload_before and stop.kind is StopKind.DELIVERY:
        load = _trip_load(slack, k)
        if load is not None:
            for dim in LOAD_DIMENSIONS:
                cap = getattr(v.capacity, dim)
                peak = load[dim] + getattr(stop.load, dim)
                if cap is not None and peak > cap:
                    return capacity_failure(v, dim, peak, cap)
    back = _earliest_return(p, vi, slack.busy_s + detour_s + stop.service_s)
    if back > v.shift.end_s:
        return Failure(
            "shift",
            None,
            f"{v.id} would be back at {clock(back)} at the earliest (riding, stops and breaks), "
            f"after its shift ends at {clock(v.shift.end_s)}",
            back - v.shift.end_s,
        )
    if v.max_distance_m is not None and slack.distance_m + extra_m > v.max_distance_m:
        return range_failure(v, slack.distance_m + extra_m, v.max_distance_m)
    return None


def _earliest_return(p: Problem, vi: int, busy_s: int) -> int:
    """A lower bound on when bike ``vi`` is back: leaving at its earliest, riding and serving
    ``busy_s`` seconds, and taking every break it then owes (breaks add their own time)."""
    v = p.vehicles[vi]
    first = v.shift.start_s if p.now_s is None else max(v.shift.start_s, p.now_s)
    back = first + busy_s
    for b in sorted(v.breaks, key=lambda b: b.window.start_s):
        if b.window.end_s >= first and b.window.start_s < back:
            back += b.duration_s
    return back


def first_insertion(
    problem: Problem,
    vi: int,
    seq: Sequence[str | None],
    stop_id: str,
    *,
    slack: RoundSlack | None = None,
    timer: RouteTimer | None = None,
) -> InsertionTry:
    """Insert ``stop_id`` into bike ``vi``'s round at the first position that rides.

    Positions are tried cheapest detour first (riding time added, reload included); frozen
    visits stay first. A position goes to the exact check (static rules, then
    :meth:`RouteTimer.time`) unless :class:`RoundSlack` rules it out.

    Parameters
    ----------
    problem : Problem
        Holds the round's stops and ``stop_id`` (a delivery or pickup without a partner).
    vi : int
        The bike.
    seq : sequence of (str or None)
        The round as it rides now (it must ride: feasible as given).
    stop_id : str
        The stop to insert; not in ``seq``.
    slack : RoundSlack, optional
        Of ``seq`` (reused between calls); computed here when not given.
    timer : RouteTimer, optional
        For bike ``vi`` of ``problem`` (reused between calls).

    Returns
    -------
    InsertionTry
        ``insertion`` set at the first position that rides; otherwise ``failures`` holds why
        each position fails.

    Raises
    ------
    ValueError
        ``stop_id`` is already in the round, or has a partner stop.
    """
    if stop_id in seq:
        raise ValueError(f"{stop_id} is already in the round")
    if stop_id in problem.partner():
        raise ValueError(f"{stop_id} has a partner stop; insert pairs with planner.finish")
    stop = problem.stop(stop_id)
    slack = slack if slack is not None and slack.seq == tuple(seq) else RoundSlack(problem, vi, seq)
    timer = timer or RouteTimer(problem, vi)
    out = InsertionTry()
    v = problem.vehicles[vi]
    if not stop.skills <= v.skills:
        missing = ", ".join(sorted(stop.skills - v.skills))
        out.failures.append(
            Failure("skill", stop_id, f"{v.id} lacks {missing} needed by {stop_id}")
        )
        return out
    keep, out.failures = _positions(problem, vi, slack, stop)
    for _detour, k, reload_before, proven in keep:
        added: list[str | None] = [None, stop_id] if reload_before else [stop_id]
        cand = [*seq[:k], *added, *seq[k:]]
        out.timed_exactly += 1
        bad = None if proven else check_static(problem, vi, cand)
        timed = bad if bad is not None else timer.time(cand, least_working_time=False)
        if isinstance(timed, Failure):
            out.failures.append(timed)
            continue
        out.insertion = Insertion(vi, tuple(cand), k + len(added) - 1, timed)
        return out
    return out


def without_idle_reloads(seq: Sequence[str | None]) -> tuple[str | None, ...]:
    """``seq`` without reloads that start no trip (leading, trailing or doubled), e.g. after a
    stop was taken out of a round."""
    return tuple(_trim(list(seq)))
