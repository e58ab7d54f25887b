"""What the planner answers: routes with timed visits, the unassigned with reasons, a summary.

Every :class:`Plan` can check itself against its :class:`~planner.problem.Problem`
(:meth:`Plan.check`); the check recomputes travel, loads and times from the problem alone and
shares no code with the solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from planner.problem import LOAD_DIMENSIONS, Load, Problem, StopKind, TimeWindow


@dataclass(frozen=True)
class Visit:
    """One call at a place: a stop, or (``stop_id`` ``None``) a reload at the depot.

    ``arrival_s`` is when the bike gets there, ``start_s`` when service starts (after any wait),
    ``end_s`` when it leaves; ``load_after`` is what is on the bike when it leaves.
    """

    stop_id: str | None
    place: int
    arrival_s: int
    start_s: int
    end_s: int
    load_after: Load

    @property
    def is_reload(self) -> bool:
        """True for a reload at the depot (the start of a further trip)."""
        return self.stop_id is None


@dataclass(frozen=True)
class TakenBreak:
    """A courier break as planned: starts at ``start_s`` and lasts ``duration_s``."""

    start_s: int
    duration_s: int


@dataclass(frozen=True)
class Route:
    """The round of one bike: leaves ``start_place`` at ``start_s``, back at ``end_s``."""

    vehicle_id: str
    start_s: int
    end_s: int
    visits: tuple[Visit, ...]
    breaks: tuple[TakenBreak, ...]
    distance_m: int
    load_at_start: Load

    @property
    def duration_s(self) -> int:
        """Shift time used by the round, from departure to return."""
        return self.end_s - self.start_s

    @property
    def working_s(self) -> int:
        """Working time: riding, service and waiting (the round's duration less its breaks)."""
        return self.duration_s - sum(b.duration_s for b in self.breaks)

    @property
    def stop_ids(self) -> tuple[str, ...]:
        """The stops in visiting order, reloads left out."""
        return tuple(v.stop_id for v in self.visits if v.stop_id is not None)

    @property
    def trips(self) -> int:
        """Number of trips (reloads + 1)."""
        return 1 + sum(1 for v in self.visits if v.is_reload)


@dataclass(frozen=True)
class Unassigned:
    """A stop left out of the plan: a short ``code`` and a ``reason`` a depot worker understands."""

    stop_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class Summary:
    """Totals of a plan. ``cost`` is the solver objective (penalties and fixed costs included)."""

    vehicles_used: int
    stops_served: int
    stops_unassigned: int
    distance_m: int
    duration_s: int
    cost: int
    engine: str
    solve_s: float
    extra_bike_stops: int | None = None  # left-out stops one more bike took when tried
    notes: tuple[str, ...] = ()  # what the planner wants the depot to know (fallbacks, checks)


@dataclass(frozen=True)
class Plan:
    """A solution: ``routes`` (used bikes only), ``unassigned`` with reasons, and a ``summary``."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    summary: Summary

    def check(self, problem: Problem) -> list[str]:
        """List every way this plan breaks ``problem``'s rules (empty list: feasible).

        Checks, from the problem's matrices alone: each stop served once or listed as unassigned,
        travel times and waits, time windows, shifts, maximum duration and distance, capacities
        per trip and dimension, pairs (same bike, pickup first), skills, breaks, trips and frozen
        prefixes.
        """
        from planner.check import check_plan

        return check_plan(self, problem)

    def is_feasible(self, problem: Problem) -> bool:
        """True when :meth:`check` finds nothing wrong."""
        return not self.check(problem)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"summary", "routes", "unassigned"}`` (units as in the names)."""
        return {
            "summary": asdict(self.summary),
            "routes": [
                {**asdict(r), "duration_s": r.duration_s, "trips": r.trips} for r in self.routes
            ],
            "unassigned": [asdict(u) for u in self.unassigned],
        }


def add_loads(a: Load, b: Load, sign: int = 1) -> Load:
    """``a + sign * b`` in every dimension."""
    return Load(*(getattr(a, d) + sign * getattr(b, d) for d in LOAD_DIMENSIONS))


def trip_start_load(problem: Problem, stop_ids: Sequence[str]) -> Load:
    """Goods loaded at the depot for one trip: the sum of its unpaired deliveries."""
    partner = problem.partner()
    total = Load()
    for sid in stop_ids:
        s = problem.stop(sid)
        if s.kind is StopKind.DELIVERY and sid not in partner:
            total = add_loads(total, s.load)
    return total


def load_change(problem: Problem, stop_id: str, partner: dict[str, str]) -> Load:
    """How a visit changes what is on the bike: minus for a delivery, plus for a pickup."""
    s = problem.stop(stop_id)
    sign = -1 if s.kind is StopKind.DELIVERY else 1
    return add_loads(Load(), s.load, sign)


def build_route(
    problem: Problem,
    vehicle_index: int,
    sequence: Sequence[tuple[str | None, int]],
    *,
    start_s: int,
    end_s: int,
    breaks: Sequence[TakenBreak] = (),
) -> Route:
    """Assemble a :class:`Route` from the visit order and the service start of each visit.

    Parameters
    ----------
    problem : Problem
    vehicle_index : int
        Position of the bike in ``problem.vehicles``.
    sequence : sequence of (stop id or None, start_s)
        Visits in order; ``None`` marks a reload at the bike's end place.
    start_s, end_s : int
        Departure from and return to the depot, seconds.
    breaks : sequence of TakenBreak
    """
    vehicle = problem.vehicles[vehicle_index]
    partner = problem.partner()
    trips: list[list[str]] = [[]]
    for sid, _ in sequence:
        if sid is None:
            trips.append([])
        else:
            trips[-1].append(sid)
    load = trip_start_load(problem, trips[0])
    load_at_start = load
    trip_no = 0
    visits: list[Visit] = []
    place = vehicle.start_place
    departure = start_s
    distance = 0
    live = problem.live_position(vehicle.id)
    for k, (sid, visit_start) in enumerate(sequence):
        if live is not None and k == live[0]:
            # The bike resumes from its live position, at "now" at the earliest.
            distance += problem.distance_m[place][live[1]]
            place = live[1]
            if problem.now_s is not None:
                departure = max(departure, problem.now_s)
        if sid is None:
            nxt, service = vehicle.end_place, vehicle.reload_s
            trip_no += 1
            # Pickups ride back to the depot and are unloaded; paired goods stay aboard.
            load = add_loads(load, _unpaired_pickups(problem, trips[trip_no - 1], partner), -1)
            load = add_loads(load, trip_start_load(problem, trips[trip_no]))
        else:
            s = problem.stop(sid)
            nxt, service = s.place, s.service_s
            load = add_loads(load, load_change(problem, sid, partner))
        # A break that starts on the way (before the bike would arrive) delays the arrival; one
        # that starts later is taken while waiting there for the window.
        arrival = departure + problem.duration_s[place][nxt]
        for b in sorted(breaks, key=lambda b: b.start_s):
            if departure <= b.start_s < arrival:
                arrival += b.duration_s
        distance += problem.distance_m[place][nxt]
        visits.append(Visit(sid, nxt, arrival, visit_start, visit_start + service, load))
        place, departure = nxt, visit_start + service
    if live is not None and live[0] == len(sequence):
        distance += problem.distance_m[place][live[1]]
        place = live[1]
    distance += problem.distance_m[place][vehicle.end_place]
    return Route(vehicle.id, start_s, end_s, tuple(visits), tuple(breaks), distance, load_at_start)


def _unpaired_pickups(problem: Problem, stop_ids: Sequence[str], partner: dict[str, str]) -> Load:
    total = Load()
    for sid in stop_ids:
        s = problem.stop(sid)
        if s.kind is StopKind.PICKUP and sid not in partner:
            total = add_loads(total, s.load)
    return total


def earliest_schedule(
    problem: Problem, vehicle_index: int, stop_ids: Sequence[str | None]
) -> tuple[list[tuple[str | None, int]], int, int]:
    """Start every visit as early as windows allow, leaving the depot at the shift start.

    Returns the ``(stop id, start_s)`` sequence, the departure and the return time. Breaks are not
    placed (engines that model breaks report their own times).
    """
    vehicle = problem.vehicles[vehicle_index]
    t = vehicle.shift.start_s
    place = vehicle.start_place
    out: list[tuple[str | None, int]] = []
    windows: tuple[TimeWindow, ...]
    for sid in stop_ids:
        if sid is None:
            nxt, service, windows = vehicle.end_place, vehicle.reload_s, ()
        else:
            s = problem.stop(sid)
            nxt, service, windows = s.place, s.service_s, s.windows
        t += problem.duration_s[place][nxt]
        start = t
        for w in sorted(windows, key=lambda w: w.start_s):
            if t <= w.end_s:
                start = max(t, w.start_s)
                break
        out.append((sid, start))
        t, place = start + service, nxt
    end = t + problem.duration_s[place][vehicle.end_place]
    return out, vehicle.shift.start_s, end
