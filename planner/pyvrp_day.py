"""PyVRP (0.14) on a whole real day: reloads, pairs, several windows, skills, optional stops.

How each rule of :class:`~planner.problem.Problem` is put to PyVRP, and what is exact:

* **reload trips** (exact): each bike starts at a start depot and ends at an end depot with no
  service time, and may reload (``max_trips - 1`` times) at a separate *reload depot* whose
  service time is ``reload_s``; PyVRP would otherwise charge the depot's service at the first
  departure too. Goods are loaded per trip, pickups unloaded at the depot, as in our check;
* **pairs** (exact): PyVRP *shipments* (same bike, pickup first, one trip);
* **several windows per stop** (exact): one optional copy of the stop per window in a
  mutually exclusive client group. Shipments cannot be grouped, so a paired stop with several
  windows keeps only its longest one (a restriction: never an infeasible plan);
* **skills** (exact): one routing profile per set of bike skills, in which every edge into a
  stop that needs a skill the bike lacks is priced out (PyVRP's free version has no skills);
* **optional stops** (exact): every stop is optional with its penalty as prize, so PyVRP plans
  what the fleet can carry instead of insisting on all;
* **breaks** (conservative): PyVRP has none. Each bike's shift end and maximum duration are
  shortened by its breaks, and windows that close after the break may be taken close earlier
  (:mod:`planner.break_model`), so a plan feasible in this model rides with its breaks placed
  exactly (:mod:`planner.schedule`).
  ``exact_breaks=False`` gives the plain shortened-shift model of the issue's comparison;
* **frozen visits** (exact for what follows them): the bike starts where its frozen visits
  leave it, at the time they end (or at ``now_s``); the frozen visits themselves are put back
  in front by the caller.

Matrices go in as numpy arrays (``ProblemData`` directly: building 1,000 stops through
``Model.add_edge`` takes seconds).
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.break_model import NO_CUT, break_cut
from planner.portfolio import RawResult, RawRoute
from planner.problem import LOAD_DIMENSIONS, Objective, Problem, StopKind
from planner.schedule import frozen_prefix_end

_NO_LIMIT = 2**62
_PRICED_OUT = 10**8  # seconds/metres on an edge a bike may not take (skills)


@dataclass
class DayModel:
    """A :class:`Problem` put to PyVRP, with the maps back to our ids."""

    data: Any
    clients: list[str] = field(default_factory=list)  # PyVRP client -> stop id
    shipments: list[tuple[str, str]] = field(default_factory=list)
    types: list[list[int]] = field(default_factory=list)  # vehicle type -> our vehicle indices
    start_of: dict[int, int] = field(default_factory=dict)  # our vehicle -> start time floor


def _dims(problem: Problem) -> list[str]:
    return [
        d
        for d in LOAD_DIMENSIONS
        if any(getattr(s.load, d) for s in problem.stops)
        and any(getattr(v.capacity, d) is not None for v in problem.vehicles)
    ]


def build_day_model(problem: Problem, *, exact_breaks: bool = True) -> DayModel:
    """Translate ``problem`` into PyVRP ``ProblemData`` (see the module docstring).

    Parameters
    ----------
    problem : Problem
        Stops already ruled impossible should be taken out first; frozen stops are left out
        of the PyVRP model (their bike starts after them).
    exact_breaks : bool
        Close windows earlier so the breaks fit (default); ``False`` only shortens the shifts.

    Returns
    -------
    DayModel
    """
    import pyvrp

    p = problem
    dims = _dims(p)
    partner = p.partner()
    frozen = p.frozen_ids()
    frozen_of = {fr.vehicle_id: fr for fr in p.frozen}
    # Partners of frozen pickups are planned by the caller on the same bike: leave them out.
    tied = {partner[s] for s in frozen if s in partner}
    places: list[int] = []
    loc_of_place: dict[int, int] = {}

    def loc(place: int) -> int:
        if place not in loc_of_place:
            loc_of_place[place] = len(places)
            places.append(place)
        return loc_of_place[place]

    # Depots: (place, service) -> PyVRP depot index.
    depot_keys: list[tuple[int, int]] = []
    depot_index: dict[tuple[int, int], int] = {}

    def depot(place: int, service_s: int) -> int:
        key = (place, service_s)
        if key not in depot_index:
            depot_index[key] = len(depot_keys)
            depot_keys.append(key)
            loc(place)
        return depot_index[key]

    model = DayModel(data=None)
    skill_sets = sorted({v.skills for v in p.vehicles}, key=sorted)
    profile_of = {s: i for i, s in enumerate(skill_sets)}
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    starts: dict[int, tuple[int, int]] = {}
    for vi, v in enumerate(p.vehicles):
        start_place, start_s = v.start_place, v.shift.start_s
        fr = frozen_of.get(v.id)
        if fr is not None:
            start_place, start_s = frozen_prefix_end(p, vi, fr)
        elif p.now_s is not None:
            start_s = max(start_s, p.now_s)
        starts[vi] = (start_place, start_s)
        key: tuple[Any, ...] = (
            start_place,
            start_s,
            v.end_place,
            v.shift.end_s,
            v.capacity,
            v.skills,
            v.max_distance_m,
            v.max_duration_s,
            v.fixed_cost,
            sum(b.duration_s for b in v.breaks),
            v.max_trips,
            v.reload_s,
            vi if fr is not None else -1,
        )
        groups[key].append(vi)
    bike_cost = 0
    if p.minimise_vehicles:
        cost = p.distance_m if p.objective is Objective.DISTANCE else p.duration_s
        bike_cost = 2 * cost.max() + 1
    vehicle_types = []
    for members in groups.values():
        vi = members[0]
        v = p.vehicles[vi]
        start_place, start_s = starts[vi]
        break_s = sum(b.duration_s for b in v.breaks)
        caps = [getattr(v.capacity, d) for d in dims]
        reloads = [depot(v.end_place, v.reload_s)] if v.max_trips > 1 else []
        duration_limit = _NO_LIMIT
        if v.max_duration_s is not None:
            duration_limit = max(0, v.max_duration_s - break_s)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[c if c is not None else _NO_LIMIT for c in caps],
                start_depot=depot(start_place, 0),
                end_depot=depot(v.end_place, 0),
                fixed_cost=v.fixed_cost + bike_cost,
                tw_early=start_s,
                tw_late=max(start_s, v.shift.end_s - break_s),
                shift_duration=duration_limit,
                max_distance=_NO_LIMIT if v.max_distance_m is None else v.max_distance_m,
                unit_distance_cost=1 if p.objective is Objective.DISTANCE else 0,
                unit_duration_cost=1 if p.objective is Objective.DURATION else 0,
                profile=profile_of[v.skills],
                reload_depots=reloads,
                max_reloads=v.max_trips - 1,
            )
        )
        model.types.append(members)
        for m in members:
            model.start_of[m] = start_s
    clients: list[Any] = []
    client_locs: list[int] = []
    client_skills: list[frozenset[str]] = []
    client_groups: list[list[int]] = []

    cut = break_cut(p) if exact_breaks else NO_CUT

    def window_list(stop: Any) -> list[tuple[int, int]]:
        ws = [(w.start_s, w.end_s) for w in stop.windows] or [(0, _NO_LIMIT)]
        if p.now_s is not None:
            ws = [(max(a, p.now_s), b) for a, b in ws if b >= p.now_s]
        # A window the breaks leave no safe time in is left to the exact insertion afterwards.
        out = [cut.window(a, b) if b < _NO_LIMIT else (a, b) for a, b in ws]
        return [w for w in out if w is not None]
        return ws

    for s in p.stops:
        if s.id in partner or s.id in frozen or s.id in tied:
            continue
        amount = [getattr(s.load, d) for d in dims]
        windows = window_list(s)
        if not windows:
            continue  # every window has passed: explained later as a window problem
        members = []
        for early, late in windows:
            members.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=0,  # set below, once every location is known
                    delivery=amount if s.kind is StopKind.DELIVERY else [0] * len(dims),
                    pickup=amount if s.kind is StopKind.PICKUP else [0] * len(dims),
                    service_duration=s.service_s,
                    tw_early=early,
                    tw_late=late,
                    prize=p.penalty_of(s),
                    required=False,
                    group=None,
                )
            )
            client_locs.append(s.place)
            client_skills.append(s.skills)
            model.clients.append(s.id)
        if len(members) > 1:
            client_groups.append(members)
    shipments: list[dict[str, Any]] = []
    shipment_locs: list[tuple[int, int]] = []
    shipment_skills: list[frozenset[str]] = []
    for pair in p.pairs:
        if pair.pickup_id in frozen or pair.delivery_id in frozen:
            continue
        a, b = p.stop(pair.pickup_id), p.stop(pair.delivery_id)
        wa, wb = window_list(a), window_list(b)
        if not wa or not wb:
            continue
        ta = max(wa, key=lambda w: w[1] - w[0])
        tb = max(wb, key=lambda w: w[1] - w[0])
        shipments.append(
            dict(
                pickup_tw_early=ta[0],
                pickup_tw_late=ta[1],
                pickup_service_duration=a.service_s,
                delivery_tw_early=tb[0],
                delivery_tw_late=tb[1],
                delivery_service_duration=b.service_s,
                amount=[getattr(a.load, d) for d in dims],
                prize=p.penalty_of(a) + p.penalty_of(b),
                required=False,
            )
        )
        shipment_locs.append((a.place, b.place))
        shipment_skills.append(a.skills | b.skills)
        model.shipments.append((a.id, b.id))
    # Locations: depots first (already registered), then one location per client and per
    # shipment step, so skills can price out the edges into exactly the stops that need them.
    point_places = list(places)
    client_loc_index = []
    for place in client_locs:
        client_loc_index.append(len(point_places))
        point_places.append(place)
    ship_loc_index = []
    for pa, pb in shipment_locs:
        ship_loc_index.append((len(point_places), len(point_places) + 1))
        point_places += [pa, pb]
    dur = p.duration_s.sub(point_places)
    dist = p.distance_m.sub(point_places)
    # The problem ignores its diagonal; PyVRP needs zero between copies of one place.
    same = np.equal.outer(np.asarray(point_places), np.asarray(point_places))
    dur[same] = 0
    dist[same] = 0
    durations, distances = [], []
    for skills in skill_sets:
        d_mat, s_mat = dur, dist
        banned = [client_loc_index[i] for i, need in enumerate(client_skills) if not need <= skills]
        for i, need in enumerate(shipment_skills):
            if not need <= skills:
                banned += list(ship_loc_index[i])
        if banned:
            d_mat, s_mat = dur.copy(), dist.copy()
            d_mat[:, banned] = _PRICED_OUT
            s_mat[:, banned] = _PRICED_OUT
            d_mat[same] = 0
            s_mat[same] = 0
        durations.append(d_mat)
        distances.append(s_mat)
    locations = [pyvrp.Location(0.0, 0.0) for _ in point_places]
    depots = [pyvrp.Depot(location=loc_of_place[pl], service_duration=sv) for pl, sv in depot_keys]
    group_objs = [pyvrp.ClientGroup(clients=m, required=False) for m in client_groups]
    group_of = {c: g for g, m in enumerate(client_groups) for c in m}
    final_clients = []
    for k, c in enumerate(clients):
        final_clients.append(
            pyvrp.Client(
                location=client_loc_index[k],
                delivery=c.delivery,
                pickup=c.pickup,
                service_duration=c.service_duration,
                tw_early=c.tw_early,
                tw_late=c.tw_late,
                prize=c.prize,
                required=False,
                group=group_of.get(k),
            )
        )
    final_shipments = [
        pyvrp.Shipment(pickup_location=la, delivery_location=lb, **kw)
        for (la, lb), kw in zip(ship_loc_index, shipments, strict=True)
    ]
    model.data = pyvrp.ProblemData(
        locations=locations,
        clients=final_clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[np.ascontiguousarray(m) for m in distances],  # type: ignore[misc]
        duration_matrices=[np.ascontiguousarray(m) for m in durations],  # type: ignore[misc]
        groups=group_objs,
        shipments=final_shipments,
    )
    return model


def solve_day_pyvrp(
    problem: Problem,
    time_limit_s: float,
    seed: int = 0,
    engine: str = "pyvrp-day",
    *,
    exact_breaks: bool = True,
    run_s: float | None = None,
    initial: Sequence[RawRoute] | None = None,
) -> RawResult:
    """Solve ``problem`` with PyVRP on the day model within ``time_limit_s`` seconds.

    One run for the whole time by default. Restarting with new seeds every 15 s was tried and
    measured worse at the same number of iterations (300-stop day: 29.42 and 29.28 h against
    28.82 and 29.16 h in one run; 1,000 stops: 982 stops against 990 on one seed); a second run
    from the first one's plan (``initial``) does better than both (28.48 and 28.67 h).

    Parameters
    ----------
    exact_breaks : bool
        Model breaks by closing windows early (:mod:`planner.break_model`); ``False``: only
        shorten the shifts, which plans more but may need repairs once breaks are placed.
    run_s : float, optional
        Split the time into runs of about this long, seeds ``seed``, ``seed + 100``, ...; the
        best by PyVRP's objective is kept.
    initial : sequence of RawRoute, optional
        A plan to start from (:mod:`planner.pyvrp_warm`).

    Returns
    -------
    RawResult
        PyVRP's best feasible plan (in its model: breaks not yet placed), frozen visits left
        out; ``routes=None`` with a note if it found no feasible plan at all.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.monotonic()
    model = build_day_model(problem, exact_breaks=exact_breaks)
    if not model.clients and not model.shipments:
        return RawResult(engine, (), note="nothing for PyVRP to plan")
    # PyVRP caps its penalty per unit of excess load or lateness at 100,000: below our prizes
    # (10,000,000 a stop), so on a small overloaded day it may never leave an overloaded round
    # that keeps every stop. Measured on real days, the default cap still plans more stops, so
    # it is kept until a run ends with nothing feasible; then the cap goes above the prizes.
    top_prize = max((problem.penalty_of(s) for s in problem.stops), default=1)
    strict = pyvrp.SolveParams(
        penalty=pyvrp.PenaltyParams(max_penalty=max(100_000.0, 4.0 * top_prize))
    )
    params = pyvrp.SolveParams()
    start = None
    if initial is not None:
        from planner.pyvrp_warm import initial_solution

        start = initial_solution(model, initial)
    remaining = max(0.1, time_limit_s - (time.monotonic() - t0))
    runs = 1 if run_s is None else max(1, int(remaining // run_s))
    # Kept for a feasibility-first run if no run finds a feasible plan (none from a feasible start).
    reserve_s = 0.0 if start is not None and start.is_feasible() else 0.1 * remaining
    best: Any = None
    strict_used = False
    for k in range(runs + 1):
        left = time_limit_s - (time.monotonic() - t0)
        if k == runs:
            if best is not None:
                break
            params, strict_used, stop_s = strict, True, left  # the last chance
        else:
            stop_s = (left - reserve_s) / (runs - k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # penalty-bound warnings; the plan is checked anyway
            res = pyvrp.solve(
                model.data,
                stop=MaxRuntime(max(0.1, stop_s)),
                seed=seed + 100 * k,
                collect_stats=False,
                display=False,
                params=params,
                initial_solution=start,
            )
        if not res.best.is_feasible():
            params = strict
        elif best is None or res.cost() < best.cost():
            best = res
    model_name = "breaks as windows" if exact_breaks else "shortened shifts"
    if best is None:
        return RawResult(engine, None, note="PyVRP found no feasible plan")
    if strict_used:
        model_name += ", feasibility first after an infeasible run"
    if start is not None:
        model_name += ", from a plan of " + ("feasible" if start.is_feasible() else "infeasible")
        model_name += f" rounds with {_served(start)} stops"
    return RawResult(
        engine,
        read_routes(model, best.best),
        note=f"pyvrp ({model_name}) {runs} run(s) in {remaining:.1f} s",
    )


def _served(solution: Any) -> int:
    """Stops a PyVRP solution serves (a shipment counts two)."""
    return sum(r.num_clients() + 2 * r.num_shipments() for r in solution.routes())


def read_routes(model: DayModel, solution: Any) -> tuple[RawRoute, ...]:
    """Our routes from a PyVRP solution (visit order and PyVRP's service starts)."""
    routes: list[RawRoute] = []
    used: dict[int, int] = defaultdict(int)
    for route in solution.routes():
        vt = route.vehicle_type()
        vi = model.types[vt][used[vt]]
        used[vt] += 1
        seq: list[tuple[str | None, int]] = []
        schedule = list(route.schedule())
        for k, act in enumerate(schedule):
            kind = act.type.name
            if kind == "CLIENT":
                seq.append((model.clients[act.idx], act.start_time))
            elif kind == "PICKUP":
                seq.append((model.shipments[act.idx][0], act.start_time))
            elif kind == "DELIVERY":
                seq.append((model.shipments[act.idx][1], act.start_time))
            elif 0 < k < len(schedule) - 1:
                seq.append((None, act.start_time))
        routes.append(RawRoute(vi, tuple(seq), route.start_time(), route.end_time()))
    return tuple(routes)
