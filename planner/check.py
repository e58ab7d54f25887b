"""Independent feasibility check of a :class:`~planner.plan.Plan` against its problem.

Deliberately shares no code with the solver: loads, travel and times are recomputed from the
problem's matrices and the plan's own visit times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.problem import LOAD_DIMENSIONS, Break, Problem, StopKind, Vehicle

if TYPE_CHECKING:
    from planner.plan import Plan, Route


def check_plan(plan: Plan, problem: Problem) -> list[str]:
    """Return a list of human-readable violations (empty when the plan is feasible)."""
    errors: list[str] = []
    seen: dict[str, str] = {}
    vehicles = {v.id: i for i, v in enumerate(problem.vehicles)}
    used: set[str] = set()
    for route in plan.routes:
        if route.vehicle_id not in vehicles:
            errors.append(f"route for unknown bike {route.vehicle_id!r}")
            continue
        if route.vehicle_id in used:
            errors.append(f"bike {route.vehicle_id} has two routes")
        used.add(route.vehicle_id)
        for sid in route.stop_ids:
            if sid in seen:
                errors.append(f"stop {sid} served twice ({seen[sid]} and {route.vehicle_id})")
            seen[sid] = route.vehicle_id
        errors += _check_route(route, vehicles[route.vehicle_id], problem)
    for u in plan.unassigned:
        if u.stop_id in seen:
            errors.append(f"stop {u.stop_id} both served and unassigned")
        seen[u.stop_id] = "unassigned"
        if not u.reason:
            errors.append(f"stop {u.stop_id} unassigned without a reason")
    for s in problem.stops:
        if s.id not in seen:
            errors.append(f"stop {s.id} neither served nor explained")
    where: dict[str, tuple[Route, int]] = {
        sid: (r, i) for r in plan.routes for i, sid in enumerate(r.stop_ids)
    }
    for p in problem.pairs:
        a, b = where.get(p.pickup_id), where.get(p.delivery_id)
        if (a is None) != (b is None):
            errors.append(f"pair {p.pickup_id}->{p.delivery_id}: only one half planned")
        elif a is not None and b is not None:
            if a[0].vehicle_id != b[0].vehicle_id:
                errors.append(f"pair {p.pickup_id}->{p.delivery_id}: on two bikes")
            elif a[1] >= b[1]:
                errors.append(f"pair {p.pickup_id}->{p.delivery_id}: delivered before pickup")
    for fr in problem.frozen:
        frozen_route = next((r for r in plan.routes if r.vehicle_id == fr.vehicle_id), None)
        got = frozen_route.stop_ids[: len(fr.stop_ids)] if frozen_route else ()
        if tuple(got) != tuple(fr.stop_ids):
            errors.append(f"frozen visits of {fr.vehicle_id} changed: {got} != {fr.stop_ids}")
    return errors


def _check_route(route: Route, vi: int, problem: Problem) -> list[str]:
    v = problem.vehicles[vi]
    who = f"bike {v.id}"
    errors: list[str] = []
    partner = problem.partner()
    if route.start_s < v.shift.start_s or route.end_s > v.shift.end_s:
        errors.append(f"{who}: round {route.start_s}-{route.end_s} outside shift")
    if v.max_duration_s is not None and route.end_s - route.start_s > v.max_duration_s:
        errors.append(f"{who}: round lasts {route.end_s - route.start_s} s > {v.max_duration_s}")
    if route.trips > v.max_trips:
        errors.append(f"{who}: {route.trips} trips > {v.max_trips}")
    # Travel, waits and breaks.
    places = [v.start_place] + [x.place for x in route.visits] + [v.end_place]
    starts = [route.start_s] + [x.start_s for x in route.visits] + [route.end_s]
    services = [0]
    for x in route.visits:
        services.append(v.reload_s if x.stop_id is None else problem.stop(x.stop_id).service_s)
    services.append(0)
    distance = 0
    breaks = sorted(route.breaks, key=lambda b: b.start_s)
    for k in range(len(places) - 1):
        depart = starts[k] + services[k]
        travel = problem.duration_s[places[k]][places[k + 1]]
        distance += problem.distance_m[places[k]][places[k + 1]]
        inside = [
            b for b in breaks if depart <= b.start_s and b.start_s + b.duration_s <= starts[k + 1]
        ]
        pause = sum(b.duration_s for b in inside)
        if depart + travel + pause > starts[k + 1]:
            errors.append(f"{who}: leg {k} too short ({depart}+{travel}+{pause} > {starts[k + 1]})")
    if distance != route.distance_m:
        errors.append(f"{who}: distance {route.distance_m} reported, {distance} recomputed")
    if v.max_distance_m is not None and distance > v.max_distance_m:
        errors.append(f"{who}: {distance} m > range {v.max_distance_m} m")
    errors += _check_breaks(route, v.breaks, starts, services, who)
    # Windows and skills.
    for x in route.visits:
        if x.stop_id is None:
            continue
        s = problem.stop(x.stop_id)
        if s.windows and not any(w.start_s <= x.start_s <= w.end_s for w in s.windows):
            errors.append(f"{who}: stop {s.id} starts at {x.start_s}, outside its windows")
        if not s.skills <= v.skills:
            errors.append(f"{who}: stop {s.id} needs {sorted(s.skills - v.skills)}")
    # Loads, trip by trip: deliveries loaded at the depot, pickups unloaded there.
    trips: list[list[str]] = [[]]
    for x in route.visits:
        if x.stop_id is None:
            trips.append([])
        else:
            trips[-1].append(x.stop_id)
    aboard_pairs = {d: 0 for d in LOAD_DIMENSIONS}
    for trip in trips:
        load = dict(aboard_pairs)
        for sid in trip:
            s = problem.stop(sid)
            if s.kind is StopKind.DELIVERY and sid not in partner:
                for d in LOAD_DIMENSIONS:
                    load[d] += getattr(s.load, d)
        errors += _over(load, v, who, "leaving the depot")
        for sid in trip:
            s = problem.stop(sid)
            sign = -1 if s.kind is StopKind.DELIVERY else 1
            for d in LOAD_DIMENSIONS:
                load[d] += sign * getattr(s.load, d)
                if sid in partner:
                    aboard_pairs[d] += sign * getattr(s.load, d)
            errors += _over(load, v, who, f"after {sid}")
    return errors


def _over(load: dict[str, int], v: Vehicle, who: str, when: str) -> list[str]:
    out = []
    for d, amount in load.items():
        cap = getattr(v.capacity, d)
        if amount < 0:
            out.append(f"{who}: negative {d} {when}")
        if cap is not None and amount > cap:
            out.append(f"{who}: {d} {amount} > capacity {cap} {when}")
    return out


def _check_breaks(
    route: Route, wanted: tuple[Break, ...], starts: list[int], services: list[int], who: str
) -> list[str]:
    errors: list[str] = []
    if len(route.breaks) != len(wanted):
        # A break may be skipped only if the whole round ends before its window or starts after.
        for b in wanted:
            skipped = not any(t.duration_s == b.duration_s for t in route.breaks)
            if skipped and route.end_s > b.window.start_s and route.start_s < b.window.end_s:
                errors.append(f"{who}: break in {b.window} not taken")
    for t in route.breaks:
        ok = any(
            w.duration_s == t.duration_s and w.window.start_s <= t.start_s <= w.window.end_s
            for w in wanted
        )
        if not ok:
            errors.append(f"{who}: break at {t.start_s} is outside its window")
        for k in range(1, len(starts) - 1):
            if t.start_s < starts[k] + services[k] and starts[k] < t.start_s + t.duration_s:
                errors.append(f"{who}: break at {t.start_s} overlaps visit {k}")
    return errors
