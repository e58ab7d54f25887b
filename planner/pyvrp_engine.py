"""PyVRP (0.14) as a second engine, for the problems it models exactly.

It joins the portfolio for problems without breaks, skills, reload trips, frozen prefixes or
several windows per stop (deliveries, pickups and pairs are fine: PyVRP calls pairs
*shipments*). Everything else is OR-Tools' alone. Its answer is checked by
:meth:`planner.plan.Plan.check` like any other before the planner may keep it.

For "fewest bikes first" the fleet is first shrunk one bike at a time (at most a third of the
time), then the remaining time minimises distance (or duration) with that fleet, starting from
the last feasible solution of the shrinking phase.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from typing import Any

from planner.portfolio import RawResult, RawRoute
from planner.problem import LOAD_DIMENSIONS, Objective, Problem, StopKind

_BIG_CAPACITY = 2**40
_NO_LIMIT = 2**63 - 1  # PyVRP's own default for "no limit"


def pyvrp_supports(problem: Problem) -> bool:
    """True when PyVRP models every rule of ``problem`` (see the module docstring)."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return (
        not problem.frozen
        and all(not v.breaks and v.max_trips == 1 for v in problem.vehicles)
        and all(not s.skills and len(s.windows) <= 1 for s in problem.stops)
    )


def solve_pyvrp(problem: Problem, time_limit_s: float, seed: int = 0) -> RawResult:
    """Solve ``problem`` with PyVRP within ``time_limit_s`` seconds.

    Returns
    -------
    RawResult
        Routes if PyVRP found a feasible plan serving every stop, else ``routes=None``.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.monotonic()
    p = problem
    dims = [d for d in LOAD_DIMENSIONS if any(getattr(s.load, d) for s in p.stops)]
    partner = p.partner()
    m = pyvrp.Model()
    places = sorted(
        {s.place for s in p.stops}
        | {v.start_place for v in p.vehicles}
        | {v.end_place for v in p.vehicles}
    )
    loc = {}
    for pl in places:
        x, y = p.coords[pl] if p.coords else (0.0, 0.0)
        loc[pl] = m.add_location(x, y)
    depots = {}
    for pl in sorted({v.start_place for v in p.vehicles} | {v.end_place for v in p.vehicles}):
        depots[pl] = m.add_depot(loc[pl])
    groups: dict[tuple, list[int]] = defaultdict(list)
    for vi, v in enumerate(p.vehicles):
        key = (
            v.start_place,
            v.end_place,
            v.shift,
            v.capacity,
            v.max_distance_m,
            v.max_duration_s,
            v.fixed_cost,
        )
        groups[key].append(vi)
    bike_cost = 0
    if p.minimise_vehicles:
        cost = p.distance_m if p.objective is Objective.DISTANCE else p.duration_s
        bike_cost = 2 * max(max(row) for row in cost) + 1
    by_type: list[list[int]] = []
    for members in groups.values():
        v = p.vehicles[members[0]]
        caps = [getattr(v.capacity, d) for d in dims]
        m.add_vehicle_type(
            num_available=len(members),
            capacity=[c if c is not None else _BIG_CAPACITY for c in caps],
            start_depot=depots[v.start_place],
            end_depot=depots[v.end_place],
            fixed_cost=v.fixed_cost + bike_cost,
            tw_early=v.shift.start_s,
            tw_late=v.shift.end_s,
            shift_duration=_NO_LIMIT if v.max_duration_s is None else v.max_duration_s,
            max_distance=_NO_LIMIT if v.max_distance_m is None else v.max_distance_m,
            unit_distance_cost=1 if p.objective is Objective.DISTANCE else 0,
            unit_duration_cost=1 if p.objective is Objective.DURATION else 0,
        )
        by_type.append(members)
    client_ids: list[str] = []
    for s in p.stops:
        if s.id in partner:
            continue
        amount = [getattr(s.load, d) for d in dims]
        m.add_client(
            loc[s.place],
            delivery=amount if s.kind is StopKind.DELIVERY else [0] * len(dims),
            pickup=amount if s.kind is StopKind.PICKUP else [0] * len(dims),
            service_duration=s.service_s,
            tw_early=s.windows[0].start_s if s.windows else 0,
            tw_late=s.windows[0].end_s if s.windows else _NO_LIMIT,
        )
        client_ids.append(s.id)
    shipment_ids: list[tuple[str, str]] = []
    for pair in p.pairs:
        a, b = p.stop(pair.pickup_id), p.stop(pair.delivery_id)
        m.add_shipment(
            loc[a.place],
            loc[b.place],
            pickup_service_duration=a.service_s,
            delivery_service_duration=b.service_s,
            amount=[getattr(a.load, d) for d in dims],
            pickup_tw_early=a.windows[0].start_s if a.windows else 0,
            pickup_tw_late=a.windows[0].end_s if a.windows else _NO_LIMIT,
            delivery_tw_early=b.windows[0].start_s if b.windows else 0,
            delivery_tw_late=b.windows[0].end_s if b.windows else _NO_LIMIT,
        )
        shipment_ids.append((a.id, b.id))
    for pa in places:
        for pb in places:
            m.add_edge(loc[pa], loc[pb], p.distance_m[pa][pb], p.duration_s[pa][pb])
    data = m.data()
    remaining = time_limit_s - (time.monotonic() - t0)
    with warnings.catch_warnings():
        # PyVRP warns about penalty bounds on scaled data; its plan is checked independently.
        warnings.simplefilter("ignore")
        start = None
        if p.minimise_vehicles and len(by_type) == 1 and remaining > 1:
            data, start = _shrink_fleet(data, remaining / 3, seed)
            remaining = time_limit_s - (time.monotonic() - t0)
        res = pyvrp.solve(
            data,
            stop=MaxRuntime(max(0.1, remaining)),
            seed=seed,
            collect_stats=False,
            display=False,
            initial_solution=start,
        )
    best = res.best
    if not best.is_feasible():
        return RawResult("pyvrp", None, note="no feasible solution")
    routes: list[RawRoute] = []
    used: dict[int, int] = defaultdict(int)
    for route in best.routes():
        vt = route.vehicle_type()
        vi = by_type[vt][used[vt]]
        used[vt] += 1
        seq: list[tuple[str | None, int]] = []
        for act in route.schedule():
            kind = act.type.name
            if kind == "CLIENT":
                seq.append((client_ids[act.idx], act.start_time))
            elif kind == "PICKUP":
                seq.append((shipment_ids[act.idx][0], act.start_time))
            elif kind == "DELIVERY":
                seq.append((shipment_ids[act.idx][1], act.start_time))
        routes.append(RawRoute(vi, tuple(seq), route.start_time(), route.end_time()))
    return RawResult("pyvrp", tuple(routes))


def _shrink_fleet(data: Any, budget_s: float, seed: int) -> tuple[Any, Any]:
    """Take bikes away one at a time while PyVRP still finds a feasible plan.

    Like :func:`pyvrp.minimise_fleet`, but it keeps the last feasible solution so the distance
    phase starts from it instead of from scratch, and it hands unused time back.

    Returns
    -------
    (ProblemData, Solution or None)
        The smallest fleet found feasible and its solution (``None``: no smaller fleet found).
    """
    import pyvrp
    from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

    try:
        from pyvrp.minimise_fleet import _lower_bound

        bound = max(1, _lower_bound(data))
    except (ImportError, ValueError):
        bound = 1
    deadline = time.monotonic() + budget_s
    best_data, best = data, None
    fleet = data.vehicle_type(0)
    while fleet.num_available > bound:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        trial = data.replace(vehicle_types=[fleet.replace(num_available=fleet.num_available - 1)])
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(left)])
        res = pyvrp.solve(trial, stop=stop, seed=seed, collect_stats=False, display=False)
        if not res.best.is_feasible():
            break
        best_data, best = trial, res.best
        fleet = trial.vehicle_type(0)
        if best.num_routes() < fleet.num_available:
            # More than one bike was idle: jump, and keep the jump only if it is still feasible.
            trial = trial.replace(vehicle_types=[fleet.replace(num_available=best.num_routes())])
            left = max(0.0, deadline - time.monotonic())
            stop = MultipleCriteria([FirstFeasible(), MaxRuntime(left)])
            res = pyvrp.solve(trial, stop=stop, seed=seed, collect_stats=False, display=False)
            if not res.best.is_feasible():
                break
            best_data, best = trial, res.best
            fleet = trial.vehicle_type(0)
    return best_data, best
