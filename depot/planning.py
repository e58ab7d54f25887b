"""Plan a depot's day on the real bike network: matrix, OR-Tools rounds, and their streets.

The steps a planning run takes, each reported through ``progress``:

1. every place (depot, shops, customers) is snapped to the nearest bikeable way; a stop whose
   address is beyond the snap limit is unassigned with that reason, never a crash;
2. the riding-time and distance matrix between the places (:func:`maps.matrix.travel_matrix`);
3. the planner solves the day (:func:`planner.solve.solve`);
4. each round is spelled out along the streets for maps and manifests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from depot.day import DayRequest, ParcelStop, Place
from depot.impact import VAN_CO2_G_PER_KM  # one sourced factor (EEA) for every CO2 figure
from maps.geo import Point
from maps.graph import BikeGraph
from maps.matrix import travel_matrix
from maps.route import Route as StreetRoute
from maps.route import route_through
from maps.snap import (
    DEFAULT_SNAP_LIMIT_M,
    Snap,
    SnapError,
    nearest_way_distance_m,
    snap_points,
)
from planner.plan import Plan
from planner.plan import Route as PlannerRoute
from planner.problem import (
    Break,
    Capacity,
    FrozenRoute,
    Load,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.solve import SolveParams, solve

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlannedVisit:
    """A call in a round, ready to print or draw (clock times in seconds after midnight)."""

    stop_id: str | None  # None for a reload at the depot
    kind: str  # "delivery", "pickup" or "reload"
    label: str
    lat: float
    lon: float
    arrival_s: int
    start_s: int
    end_s: int
    load_after_g: int
    windows: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Round:
    """One bike's day: its visits in order and the streets ridden between them."""

    bike_id: str
    start_s: int
    end_s: int
    distance_m: int
    visits: tuple[PlannedVisit, ...]
    breaks: tuple[tuple[int, int], ...]  # (start_s, duration_s)
    trips: int
    peak_load_g: int
    legs: tuple[StreetRoute, ...]


@dataclass(frozen=True)
class UnplannedStop:
    """A stop left out, with the planner's code and a sentence a depot worker understands."""

    stop_id: str
    label: str
    code: str
    reason: str


@dataclass(frozen=True)
class DayPlan:
    """The answer: summary figures, rounds, and the unassigned with reasons."""

    depot: Place
    rounds: tuple[Round, ...]
    unassigned: tuple[UnplannedStop, ...]
    plan: Plan
    matrix_s: float

    @property
    def bike_km(self) -> float:
        """Kilometres ridden by all bikes."""
        return sum(r.distance_m for r in self.rounds) / 1000.0

    @property
    def co2_avoided_kg(self) -> float:
        """CO2 a diesel van would have emitted over the same distance (see VAN_CO2_G_PER_KM)."""
        return self.bike_km * VAN_CO2_G_PER_KM / 1000.0

    def summary(self) -> dict[str, float | int | str]:
        """Headline figures for the depot and the centre manager."""
        stops = sum(1 for r in self.rounds for v in r.visits if v.stop_id is not None)
        return {
            "bikes_used": len(self.rounds),
            "stops_planned": stops,
            "stops_unassigned": len(self.unassigned),
            "bike_km": round(self.bike_km, 2),
            "co2_avoided_kg": round(self.co2_avoided_kg, 2),
            "riding_and_service_h": round(sum(r.end_s - r.start_s for r in self.rounds) / 3600, 2),
            "engine": self.plan.summary.engine,
            "solve_s": self.plan.summary.solve_s,
        }


def _problem(
    request: DayRequest,
    place_of: dict[str, int],
    matrix: tuple[np.ndarray, np.ndarray],
    stops: list[ParcelStop],
) -> Problem:
    """The planner's integer problem: place 0 is the depot, then each stop's place."""
    duration_s, distance_m = matrix
    planner_stops = tuple(
        Stop(
            id=s.id,
            place=place_of[s.place.id],
            kind=StopKind.PICKUP if s.kind == "pickup" else StopKind.DELIVERY,
            load=Load(weight_g=s.weight_g, volume_ml=s.volume_ml, parcels=s.parcels),
            service_s=s.service_s,
            windows=tuple(TimeWindow(a, b) for a, b in s.windows),
        )
        for s in stops
    )
    ids = {s.id for s in stops}
    pairs = tuple(
        Pair(s.id, s.pair_with)
        for s in stops
        if s.kind == "pickup" and s.pair_with is not None and s.pair_with in ids
    )
    vehicles = tuple(
        Vehicle(
            id=b.id,
            start_place=0,
            end_place=0,
            shift=TimeWindow(b.shift_start_s, b.shift_end_s),
            capacity=Capacity(
                weight_g=b.capacity_weight_g,
                volume_ml=b.capacity_volume_ml,
                parcels=b.capacity_parcels,
            ),
            skills=b.skills,
            max_distance_m=b.max_distance_m,
            breaks=(
                *((Break(TimeWindow(*b.break_window), b.break_s),) if b.break_window else ()),
                *(Break(TimeWindow(w.start_s, w.end_s), w.duration_s) for w in b.breaks),
            ),
            max_trips=b.max_trips,
            reload_s=b.reload_s,
        )
        for b in request.bikes
    )
    # A re-plan: started rounds keep their stops first (those still on the network), and the
    # bike sets off again from where it was last seen when that place could be snapped.
    frozen = tuple(
        FrozenRoute(
            f.bike_id,
            tuple(sid for sid in f.stop_ids if sid in ids),
            place_of.get(f.position.id) if f.position is not None else None,
        )
        for f in request.frozen
        if f.bike_id in {b.id for b in request.bikes}
        and (any(sid in ids for sid in f.stop_ids) or f.position is not None)
    )
    return Problem(
        duration_s=np.rint(duration_s).astype(np.int64),
        distance_m=np.rint(distance_m).astype(np.int64),
        stops=planner_stops,
        vehicles=vehicles,
        pairs=pairs,
        frozen=frozen,
        name="day",
        now_s=request.now_s,
    )


def _round(
    graph: BikeGraph,
    route: PlannerRoute,
    by_id: dict[str, ParcelStop],
    depot: Place,
    snaps: Sequence[Snap],
) -> Round:
    """A planner route with addresses, loads and the streets between its places."""
    visits = []
    for visit in route.visits:
        stop = by_id.get(visit.stop_id) if visit.stop_id else None
        place = stop.place if stop else depot
        visits.append(
            PlannedVisit(
                stop_id=visit.stop_id,
                kind=stop.kind if stop else "reload",
                label=place.label,
                lat=place.lat,
                lon=place.lon,
                arrival_s=visit.arrival_s,
                start_s=visit.start_s,
                end_s=visit.end_s,
                load_after_g=visit.load_after.weight_g,
                windows=stop.windows if stop else (),
            )
        )
    sequence = [0, *(v.place for v in route.visits), 0]
    legs = tuple(route_through(graph, [snaps[i] for i in sequence]))
    loads = [route.load_at_start.weight_g, *(v.load_after_g for v in visits)]
    return Round(
        bike_id=route.vehicle_id,
        start_s=route.start_s,
        end_s=route.end_s,
        distance_m=route.distance_m,
        visits=tuple(visits),
        breaks=tuple((b.start_s, b.duration_s) for b in route.breaks),
        trips=route.trips,
        peak_load_g=max(loads),
        legs=legs,
    )


@dataclass(frozen=True)
class PreparedDay:
    """A day ready for the planner: its problem on the bike network, and what was left out."""

    problem: Problem
    stops: tuple[ParcelStop, ...]
    snaps: tuple[Snap, ...]
    unplanned: tuple[UnplannedStop, ...]
    matrix_s: float


def prepare_day(
    graph: BikeGraph,
    request: DayRequest,
    *,
    snap_limit_m: float = DEFAULT_SNAP_LIMIT_M,
    progress: Progress | None = None,
) -> PreparedDay:
    """Snap every place, compute the riding matrix and build the planner's problem.

    Parameters
    ----------
    graph : BikeGraph
    request : DayRequest
    snap_limit_m : float
        Farthest an address may lie from a bikeable way.
    progress : callable, optional

    Returns
    -------
    PreparedDay

    Raises
    ------
    maps.snap.SnapError
        If the depot itself is beyond the snap limit.
    """
    say = progress or (lambda _line: None)
    places: list[Place] = [request.depot]
    place_of = {request.depot.id: 0}
    positions = [f.position for f in request.frozen if f.position is not None]
    for place in [*(s.place for s in request.stops), *positions]:
        if place.id not in place_of:
            place_of[place.id] = len(places)
            places.append(place)
    points = [Point(p.lat, p.lon) for p in places]
    far_m = nearest_way_distance_m(graph, points)
    if far_m[0] > snap_limit_m:  # without a reachable depot there is no day to plan
        depot = request.depot
        raise SnapError(0, depot.lat, depot.lon, float(far_m[0]), snap_limit_m)
    unreachable = {p.id: d for p, d in zip(places, far_m.tolist(), strict=True) if d > snap_limit_m}
    unplanned = [
        UnplannedStop(
            s.id,
            s.place.label,
            "no_bike_access",
            f"{s.place.label} is {unreachable[s.place.id]:.0f} m from the nearest way a cargo bike "
            f"may use (limit {snap_limit_m:.0f} m)",
        )
        for s in request.stops
        if s.place.id in unreachable
    ]
    # A shop pickup and its customer are one parcel: if either end cannot be reached, neither is
    # planned (the other half is not turned into a depot delivery or a depot pickup).
    gone = {s.id for s in request.stops if s.place.id in unreachable}
    by_id = {s.id: s for s in request.stops}
    for s in request.stops:
        if s.id not in gone and s.pair_with is not None and s.pair_with in gone:
            other = by_id[s.pair_with]
            unplanned.append(
                UnplannedStop(
                    s.id,
                    s.place.label,
                    "pair",
                    f"its partner stop {other.id} ({other.place.label}) cannot be reached by "
                    "cargo bike, so the parcel cannot go from one to the other",
                )
            )
            gone.add(s.id)
    kept_places = [p for p in places if p.id not in unreachable]
    place_of = {p.id: i for i, p in enumerate(kept_places)}
    stops = [s for s in request.stops if s.id not in gone]
    say(f"snapped {len(kept_places)} places to the bike network ({len(unreachable)} too far)")
    started = time.perf_counter()
    snaps = snap_points(graph, [Point(p.lat, p.lon) for p in kept_places], limit_m=snap_limit_m)
    matrix = travel_matrix(graph, snaps=snaps)
    matrix_s = time.perf_counter() - started
    say(f"riding-time matrix {len(snaps)}x{len(snaps)} in {matrix_s:.2f} s")
    problem = _problem(request, place_of, (matrix.duration_s, matrix.distance_m), stops)
    return PreparedDay(problem, tuple(stops), tuple(snaps), tuple(unplanned), matrix_s)


def plan_day(
    graph: BikeGraph,
    request: DayRequest,
    *,
    params: SolveParams,
    snap_limit_m: float = DEFAULT_SNAP_LIMIT_M,
    progress: Progress | None = None,
) -> DayPlan:
    """Plan a day's rounds on the bike network.

    Parameters
    ----------
    graph : BikeGraph
        The city's network.
    request : DayRequest
        Depot, stops and bikes.
    params : SolveParams
        Time limit, seed and workers for the planner.
    snap_limit_m : float
        Farthest an address may lie from a bikeable way.
    progress : callable, optional
        Receives one line per step.

    Returns
    -------
    DayPlan

    Raises
    ------
    maps.snap.SnapError
        If the depot itself is beyond the snap limit.
    """
    say = progress or (lambda _line: None)
    day = prepare_day(graph, request, snap_limit_m=snap_limit_m, progress=say)
    return plan_prepared(graph, request, day, params=params, progress=say)


def plan_prepared(
    graph: BikeGraph,
    request: DayRequest,
    day: PreparedDay,
    *,
    params: SolveParams,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DayPlan:
    """Solve a day already prepared by :func:`prepare_day` and spell out its rounds' streets.

    The second half of :func:`plan_day`, for callers that report each half (planning runs).

    Parameters
    ----------
    graph : BikeGraph
        The network ``day`` was prepared on.
    request : DayRequest
        The request ``day`` was prepared from.
    day : PreparedDay
    params : SolveParams
    progress : callable, optional
    should_stop : callable, optional
        Asked while the planner searches; a yes stops it
        (:class:`planner.portfolio.SearchStoppedError`).

    Returns
    -------
    DayPlan
    """
    say = progress or (lambda _line: None)
    stops = day.stops
    say(
        f"planning {len(stops)} stops on {len(request.bikes)} bikes "
        f"(time limit {params.time_limit_s:.0f} s, {params.workers} worker(s))"
    )
    plan = solve(day.problem, params, should_stop=should_stop)
    return finish_day(graph, request, day, plan, progress=say)


def finish_day(
    graph: BikeGraph,
    request: DayRequest,
    day: PreparedDay,
    plan: Plan,
    *,
    progress: Progress | None = None,
) -> DayPlan:
    """Spell out a solved day: addresses, loads and streets of each round, every stop left
    out with its reason (a plan solved elsewhere, e.g. in parts, is finished here too).

    Parameters
    ----------
    graph : BikeGraph
    request : DayRequest
    day : PreparedDay
        What ``plan`` was solved from (its places index ``day.snaps``).
    plan : Plan
        The planner's answer to ``day.problem``.
    progress : callable, optional

    Returns
    -------
    DayPlan
    """
    say = progress or (lambda _line: None)
    by_id = {s.id: s for s in day.stops}
    rounds = [_round(graph, route, by_id, request.depot, day.snaps) for route in plan.routes]
    unplanned = list(day.unplanned) + [
        UnplannedStop(u.stop_id, by_id[u.stop_id].place.label, u.code, u.reason)
        for u in plan.unassigned
    ]
    say(f"planned {len(rounds)} rounds; {len(unplanned)} stops unassigned")
    return DayPlan(request.depot, tuple(rounds), tuple(unplanned), plan, day.matrix_s)
