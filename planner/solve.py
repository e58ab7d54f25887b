"""``solve(problem, params) -> Plan``: the OR-Tools routing model and the search portfolio.

The only module of ours that imports OR-Tools. Model, in short:

* nodes: one per stop, a start and an end node per bike, and ``max_trips - 1`` optional *reload*
  nodes per bike at its end place (visiting one ends a trip; a small reward for visiting keeps
  spare ones parked on the route, so local search can move one forward when a bike is full);
* ``time`` dimension: service of the node left + travel; waiting is slack; windows (several per
  stop: the gaps are removed from the domain), shifts, maximum duration (span bound), breaks
  (OR-Tools break intervals, taken between visits);
* one load dimension per used load kind (weight, volume, parcels). Without reloads it is exact:
  the bike leaves with its deliveries aboard (start cumul tied to the sum delivered on the route),
  pickups add, paired deliveries free space. With reloads it counts up from each reload
  (the OR-Tools ``cvrp_reload`` pattern: reload transit minus capacity, slack up to capacity);
  mixing unpaired deliveries with pickups on one trip is then counted conservatively (nothing is
  freed before the depot), and a ``trip`` counter keeps both halves of a pair on one trip;
* ``distance`` dimension bounded by each bike's range;
* pairs: same bike, pickup first, both or neither; skills: allowed bikes per stop;
  frozen prefixes: fixed ``NextVar`` chain from the bike's start;
* every stop is optional with its penalty, so a plan always exists; fewest bikes is a large
  fixed cost per bike.

Determinism: OR-Tools' search is deterministic, but a wall-clock limit stops it after a varying
number of moves. "Same plan" needs: ``workers=1`` (OR-Tools only), ``solution_limit`` set, and a
time limit generous enough never to be the one that stops a search phase; then the same problem
and params give the same plan on any machine speed. With only a time limit, plans may differ run
to run (small problems usually converge to the same plan anyway). PyVRP (worker 1) stops on
wall time too; its seed is ``SolveParams.seed``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.plan import Plan
from planner.portfolio import RawResult, RawRoute, stopping, to_plan
from planner.problem import LOAD_DIMENSIONS, Objective, Problem, StopKind
from planner.validate import explain_drop, validate

STRATEGIES = ("PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION", "SAVINGS", "AUTOMATIC")
_BIG = 10**12


@dataclass(frozen=True)
class SolveParams:
    """How hard and how to search.

    Parameters
    ----------
    time_limit_s : float
        Wall-clock budget of each engine run (they run in parallel).
    seed : int
        Seed for the engines that use randomness (PyVRP; OR-Tools' search is deterministic).
    workers : int
        Parallel processes: worker 0 is OR-Tools with parallel cheapest insertion and guided
        local search; worker 1 is PyVRP when it models the problem, else OR-Tools with another
        first-solution strategy; further workers try further strategies.
    solution_limit : int or None
        Stop OR-Tools after this many improving solutions (deterministic, see module notes).
    use_pyvrp : bool
        Let PyVRP join the portfolio for the problems it models.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 2
    solution_limit: int | None = None
    use_pyvrp: bool = True


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
    start: Plan | None = None,
) -> Plan:
    """Plan ``problem``: validate, search, finish exactly, keep the best checked plan, explain.

    Parameters
    ----------
    problem : Problem
    params : SolveParams, optional
    should_stop : callable, optional
        Asked a few times a second while the engines search; on a yes the search processes are
        ended and :class:`planner.portfolio.SearchStoppedError` is raised (no plan).
    start : Plan, optional
        A plan of this day to start from, e.g. its parts planned apart by separate jobs: the
        whole day is searched again from it for the time limit (a real day's second step,
        :mod:`planner.day_solve`), and it stays a candidate itself.

    Returns
    -------
    Plan
        Stops that cannot or could not be served are in ``plan.unassigned`` with a code and a
        true reason (:mod:`planner.reasons`); ``plan.summary.notes`` says what the depot should
        know (a candidate that failed its check, rounds repaired around their breaks).

    Raises
    ------
    planner.day_solve.PlanCheckError
        If no plan passes its own check (a bug: it is never replaced by an empty plan).
    planner.portfolio.SearchStoppedError
        ``should_stop`` said yes.
    """
    from planner.day_solve import solve_real_day

    params = params or SolveParams()
    t0 = time.monotonic()
    impossible = validate(problem)
    gone = {u.stop_id for u in impossible}
    sub = replace(
        problem,
        stops=tuple(s for s in problem.stops if s.id not in gone),
        pairs=tuple(p for p in problem.pairs if p.pickup_id not in gone),
    )
    if not sub.stops:
        best = to_plan(sub, RawResult("none", ()), explain_drop, 0.0)
    else:
        with stopping(should_stop):
            best = solve_real_day(sub, params, t0, start=start)
    impossible_cost = sum(problem.penalty_of(problem.stop(u.stop_id)) for u in impossible)
    return replace(
        best,
        unassigned=tuple(impossible) + best.unassigned,
        summary=replace(
            best.summary,
            stops_unassigned=len(impossible) + len(best.unassigned),
            cost=best.summary.cost + impossible_cost,
            solve_s=round(time.monotonic() - t0, 3),
        ),
    )


def solve_ortools(
    problem: Problem,
    time_limit_s: float,
    strategy: str = "PARALLEL_CHEAPEST_INSERTION",
    solution_limit: int | None = None,
) -> RawResult:
    """Build the OR-Tools model of ``problem`` and search it (one process, one strategy).

    With ``problem.minimise_vehicles`` and more than one bike, 40 % of the time goes to a first
    plan, then a bike-minimisation phase: the bike with the fewest stops is taken away, its stops
    are left unplanned in the starting plan, and guided local search (20 % of the time per
    attempt) must place them all on the other bikes; each success is kept and the next bike tried.

    Returns
    -------
    RawResult
        Routes and dropped stops; ``routes`` is ``None`` if OR-Tools found nothing at all.
    """
    engine = f"ortools/{strategy}"
    deadline = time.monotonic() + time_limit_s
    shrink = problem.minimise_vehicles and len(problem.vehicles) > 1
    m = _Model(problem)
    # With a solution limit the phases end on solution counts (deterministic), not time shares.
    share = 0.4 if shrink and solution_limit is None else 1.0
    first = _search_params(strategy, time_limit_s * share, solution_limit)
    solution = m.routing.SolveWithParameters(first)
    if solution is None:
        return RawResult(engine, None, note="no solution")
    best = m.extract(solution, engine)
    frozen_bikes = {fr.vehicle_id for fr in problem.frozen}
    banned: set[int] = set()
    while shrink and not best.dropped and best.routes and len(best.routes) > 1:
        left = deadline - time.monotonic()
        if left < (0.1 * time_limit_s if solution_limit is None else 0.01):
            break
        free = [r for r in best.routes if problem.vehicles[r.vehicle_index].id not in frozen_bikes]
        if not free:
            break
        victim = min(free, key=lambda r: len(r.sequence))
        banned.add(victim.vehicle_index)
        m = _Model(problem, banned=banned)
        start = m.routing.ReadAssignmentFromRoutes(m.routes_as_indices(best, banned), True)
        if start is None:
            break
        limit = min(left, 0.2 * time_limit_s) if left > 0.3 * time_limit_s else left
        if solution_limit is not None:
            limit = left
        found = m.routing.SolveFromAssignmentWithParameters(
            start, _search_params(strategy, limit, solution_limit)
        )
        if found is None:
            break
        candidate = m.extract(found, engine + "+fewer-bikes")
        if candidate.dropped:
            break
        best = candidate
    return best


def _search_params(strategy: str, limit_s: float, solution_limit: int | None) -> Any:
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    sp.time_limit.FromMilliseconds(max(1, int(limit_s * 1000)))
    if solution_limit is not None:
        sp.solution_limit = solution_limit
    return sp


class _Model:
    """The OR-Tools routing model of a problem (see the module docstring)."""

    def __init__(self, problem: Problem, banned: set[int] | None = None) -> None:
        self.p = p = problem
        n_veh = len(p.vehicles)
        self.place: list[int] = [s.place for s in p.stops]
        self.service: list[int] = [s.service_s for s in p.stops]
        starts, ends = [], []
        for v in p.vehicles:
            starts.append(len(self.place))
            self.place.append(v.start_place)
            self.service.append(0)
            ends.append(len(self.place))
            self.place.append(v.end_place)
            self.service.append(0)
        self.reload_owner: dict[int, int] = {}
        self.reloads_of: dict[int, list[int]] = {vi: [] for vi in range(n_veh)}
        for vi, v in enumerate(p.vehicles):
            for _ in range(v.max_trips - 1):
                self.reload_owner[len(self.place)] = vi
                self.reloads_of[vi].append(len(self.place))
                self.place.append(v.end_place)
                self.service.append(v.reload_s)
        n = len(self.place)
        self.manager = mgr = pywrapcp.RoutingIndexManager(n, n_veh, starts, ends)
        self.routing = r = pywrapcp.RoutingModel(mgr)
        solver = r.solver()
        pl, dur, dist = self.place, p.duration_s, p.distance_m
        time_m = [[self.service[a] + dur[pl[a]][pl[b]] for b in range(n)] for a in range(n)]
        dist_m = [[dist[pl[a]][pl[b]] for b in range(n)] for a in range(n)]
        cost_m = (
            dist_m
            if p.objective is Objective.DISTANCE
            else [[dur[pl[a]][pl[b]] for b in range(n)] for a in range(n)]
        )
        # A bike with a live position resumes from it: the arcs leaving its last frozen visit
        # (or its start, if none) ride from that position, no earlier than "now".
        self.resume: dict[int, int] = {}  # node -> earliest service start there
        for vi, v in enumerate(p.vehicles):
            live = p.live_position(v.id)
            if live is None:
                continue
            done, pos = live
            fr = next(f for f in p.frozen if f.vehicle_id == v.id)
            node = p.stop_index(fr.stop_ids[-1]) if done else starts[vi]
            for to in range(n):
                time_m[node][to] = self.service[node] + dur[pos][pl[to]]
                dist_m[node][to] = dist[pl[node]][pos] + dist[pos][pl[to]]
                if cost_m is not dist_m:
                    cost_m[node][to] = dur[pos][pl[to]]
            if p.now_s is not None:
                self.resume[node] = p.now_s - self.service[node]
        time_cb = r.RegisterTransitMatrix(time_m)
        dist_cb = r.RegisterTransitMatrix(dist_m)
        r.SetArcCostEvaluatorOfAllVehicles(r.RegisterTransitMatrix(cost_m))
        horizon = max(v.shift.end_s for v in p.vehicles)
        r.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = t = r.GetDimensionOrDie("time")
        # Fewest bikes first: a bike costs more than the longest round trip it could save.
        bike_cost = 0
        if p.minimise_vehicles:
            bike_cost = 2 * max(max(row) for row in cost_m) + 1
        for vi, v in enumerate(p.vehicles):
            r.SetFixedCostOfVehicle(v.fixed_cost + bike_cost, vi)
            for idx in (r.Start(vi), r.End(vi)):
                t.CumulVar(idx).SetRange(v.shift.start_s, v.shift.end_s)
            if starts[vi] in self.resume:
                t.CumulVar(r.Start(vi)).SetMin(self.resume[starts[vi]])
            if v.max_duration_s is not None:
                t.SetSpanUpperBoundForVehicle(v.max_duration_s, vi)
            # Back as early as possible, then leave as late as that allows (no idle waiting).
            r.AddVariableMinimizedByFinalizer(t.CumulVar(r.End(vi)))
            r.AddVariableMaximizedByFinalizer(t.CumulVar(r.Start(vi)))
        if p.objective is Objective.DURATION:
            t.SetSpanCostCoefficientForAllVehicles(1)
        if any(v.max_distance_m is not None for v in p.vehicles):
            caps = [v.max_distance_m if v.max_distance_m is not None else _BIG for v in p.vehicles]
            r.AddDimensionWithVehicleCapacity(dist_cb, 0, caps, True, "distance")
        partner = p.partner()
        frozen_ids = p.frozen_ids()
        relaxed = frozen_ids | {partner[s] for s in frozen_ids if s in partner}
        for i, s in enumerate(p.stops):
            idx = mgr.NodeToIndex(i)
            if p.now_s is not None and s.id not in relaxed:
                t.CumulVar(idx).SetMin(p.now_s)
            if i in self.resume:
                t.CumulVar(idx).SetMin(self.resume[i])
            if s.windows and s.id not in relaxed:
                lo = min(w.start_s for w in s.windows)
                hi = max(w.end_s for w in s.windows)
                t.CumulVar(idx).SetRange(lo, hi)
                ws = sorted(s.windows, key=lambda w: w.start_s)
                for a, b in itertools.pairwise(ws):
                    if b.start_s > a.end_s + 1:
                        t.CumulVar(idx).RemoveInterval(a.end_s + 1, b.start_s - 1)
            if s.skills:
                allowed = [vi for vi, v in enumerate(p.vehicles) if s.skills <= v.skills]
                r.VehicleVar(idx).SetValues([-1, *allowed])
            r.AddVariableMinimizedByFinalizer(t.CumulVar(idx))
        for i, s in enumerate(p.stops):
            if s.id not in relaxed:
                pen = p.penalty_of(s)
                if s.id in partner:
                    pen = (pen + p.penalty_of(p.stop(partner[s.id])) + 1) // 2
                r.AddDisjunction([mgr.NodeToIndex(i)], pen)
        for node, vi in self.reload_owner.items():
            idx = mgr.NodeToIndex(node)
            # A small reward for visiting a reload node keeps the spare ones on the route (parked
            # at its end, where they cost nothing), so local search only has to move one
            # forward when a bike is full, instead of inserting a reload and a stop at once.
            reward = 2 * p.vehicles[vi].reload_s + 10
            r.AddDisjunction([idx], reward)
            r.VehicleVar(idx).SetValues([-1, vi])
        for pair in p.pairs:
            a = mgr.NodeToIndex(p.stop_index(pair.pickup_id))
            b = mgr.NodeToIndex(p.stop_index(pair.delivery_id))
            r.AddPickupAndDelivery(a, b)
            solver.Add(r.VehicleVar(a) == r.VehicleVar(b))
            solver.Add(r.ActiveVar(a) == r.ActiveVar(b))
            solver.Add(t.CumulVar(a) <= t.CumulVar(b))
        self._add_loads(partner)
        vindex = {v.id: vi for vi, v in enumerate(p.vehicles)}
        for fr in p.frozen:
            vi = vindex[fr.vehicle_id]
            chain = [r.Start(vi)] + [mgr.NodeToIndex(p.stop_index(sid)) for sid in fr.stop_ids]
            for a, b in itertools.pairwise(chain):
                r.NextVar(a).SetValue(b)
        for vi in banned or ():
            r.NextVar(r.Start(vi)).SetValue(r.End(vi))
        self.break_vars: dict[int, list] = {}
        transits = [self.service[mgr.IndexToNode(i)] for i in range(r.Size())]
        for vi, v in enumerate(p.vehicles):
            if v.breaks:
                ivs = [
                    # Inside the shift: OR-Tools would otherwise let a break run past its end
                    # once the round is back (the exact timing takes it before the return).
                    solver.FixedDurationIntervalVar(
                        b.window.start_s,
                        max(b.window.start_s, min(b.window.end_s, v.shift.end_s - b.duration_s)),
                        b.duration_s,
                        False,
                        f"break {vi} {k}",
                    )
                    for k, b in enumerate(v.breaks)
                ]
                t.SetBreakIntervalsOfVehicle(ivs, vi, transits)
                self.break_vars[vi] = ivs

    def _add_loads(self, partner: dict[str, str]) -> None:
        p, r, mgr = self.p, self.routing, self.manager
        solver = r.solver()
        reloads = bool(self.reload_owner)
        n = len(self.place)
        for dim in LOAD_DIMENSIONS:
            caps_opt = [getattr(v.capacity, dim) for v in p.vehicles]
            amounts = [getattr(s.load, dim) for s in p.stops]
            if all(c is None for c in caps_opt) or not any(amounts):
                continue
            caps = [c if c is not None else _BIG for c in caps_opt]
            unpaired_del = any(
                s.kind is StopKind.DELIVERY and s.id not in partner and a
                for s, a in zip(p.stops, amounts, strict=True)
            )
            mixed = unpaired_del and any(
                (s.kind is StopKind.PICKUP or s.id in partner) and a
                for s, a in zip(p.stops, amounts, strict=True)
            )
            delta = [0] * n
            for i, s in enumerate(p.stops):
                a = amounts[i]
                if s.id in partner:
                    delta[i] = a if s.kind is StopKind.PICKUP else (0 if reloads and mixed else -a)
                elif reloads:
                    delta[i] = a
                else:
                    delta[i] = -a if s.kind is StopKind.DELIVERY else a
            for node, vi in self.reload_owner.items():
                delta[node] = -caps[vi]
            cb = r.RegisterUnaryTransitVector(delta)
            slack = max(caps) if reloads else 0
            r.AddDimensionWithVehicleCapacity(cb, slack, caps, reloads, f"load_{dim}")
            d = r.GetDimensionOrDie(f"load_{dim}")
            if reloads:
                for i in range(len(p.stops)):
                    d.SlackVar(mgr.NodeToIndex(i)).SetValue(0)
                for node in self.reload_owner:
                    r.AddVariableMinimizedByFinalizer(d.SlackVar(mgr.NodeToIndex(node)))
                continue
            if not unpaired_del:
                for vi in range(len(p.vehicles)):
                    d.CumulVar(r.Start(vi)).SetValue(0)
                continue
            out = [0] * n
            for i, s in enumerate(p.stops):
                if s.kind is StopKind.DELIVERY and s.id not in partner:
                    out[i] = amounts[i]
            cb2 = r.RegisterUnaryTransitVector(out)
            r.AddDimension(cb2, 0, _BIG, True, f"delivered_{dim}")
            dd = r.GetDimensionOrDie(f"delivered_{dim}")
            for vi in range(len(p.vehicles)):
                solver.Add(d.CumulVar(r.Start(vi)) == dd.CumulVar(r.End(vi)))
        if reloads and p.pairs:
            trip = [1 if node in self.reload_owner else 0 for node in range(n)]
            r.AddDimension(r.RegisterUnaryTransitVector(trip), 0, n, True, "trip")
            td = r.GetDimensionOrDie("trip")
            for pair in p.pairs:
                a = mgr.NodeToIndex(p.stop_index(pair.pickup_id))
                b = mgr.NodeToIndex(p.stop_index(pair.delivery_id))
                solver.Add(td.CumulVar(a) == td.CumulVar(b))

    def routes_as_indices(self, raw: RawResult, banned: set[int]) -> list[list[int]]:
        """Routes of an earlier answer as routing indices per bike (banned bikes emptied)."""
        mgr, p = self.manager, self.p
        out: list[list[int]] = [[] for _ in p.vehicles]
        for route in raw.routes or ():
            if route.vehicle_index in banned:
                continue
            reloads = iter(self.reloads_of[route.vehicle_index])
            out[route.vehicle_index] = [
                mgr.NodeToIndex(p.stop_index(sid) if sid is not None else next(reloads))
                for sid, _ in route.sequence
            ]
        return out

    def extract(self, solution: pywrapcp.Assignment, engine: str) -> RawResult:
        """Read routes, visit times, breaks and dropped stops out of an assignment."""
        r, mgr, t, p = self.routing, self.manager, self.time, self.p
        n_stops = len(p.stops)
        routes: list[RawRoute] = []
        served: set[int] = set()
        for vi in range(len(p.vehicles)):
            seq: list[tuple[str | None, int]] = []
            idx = solution.Value(r.NextVar(r.Start(vi)))
            while not r.IsEnd(idx):
                node = mgr.IndexToNode(idx)
                at = solution.Min(t.CumulVar(idx))
                if node < n_stops:
                    seq.append((p.stops[node].id, at))
                    served.add(node)
                else:
                    seq.append((None, at))
                idx = solution.Value(r.NextVar(idx))
            seq = _trim_reloads(seq)
            if not seq:
                continue
            brks = tuple(
                (solution.StartValue(iv), solution.DurationValue(iv))
                for iv in self.break_vars.get(vi, [])
                if solution.PerformedValue(iv)
            )
            start = solution.Min(t.CumulVar(r.Start(vi)))
            end = solution.Min(t.CumulVar(r.End(vi)))
            routes.append(RawRoute(vi, tuple(seq), start, end, brks))
        dropped = tuple(s.id for i, s in enumerate(p.stops) if i not in served)
        return RawResult(engine, tuple(routes), dropped)


def _trim_reloads(seq: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """Drop reloads that start no trip: before the first stop, after the last, or repeated."""
    out: list[tuple[str | None, int]] = []
    for sid, at in seq:
        if sid is None and (not out or out[-1][0] is None):
            continue
        out.append((sid, at))
    while out and out[-1][0] is None:
        out.pop()
    return out
