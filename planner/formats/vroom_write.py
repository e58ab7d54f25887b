"""Write a :class:`~planner.plan.Plan` in VROOM's output shape (``docs/API.md``, "Output").

The answer has ``code`` (0: a plan that passed its own check; 1 with ``error``: the plan fails
it, routes still given for inspection), ``summary``, ``routes`` and ``unassigned``. Ids, types,
``location_index`` (or ``location`` as ``[lon, lat]``) and ``description`` are those of the
input. Units: seconds and metres, as in the input matrices.

Per step: ``type`` (``start``, ``job``, ``pickup``, ``delivery``, ``break``, ``end``, and our
``reload``: the bike back at its ``end`` to unload pickups and load the next trip),
``arrival``, ``duration`` (cumulated riding time on arrival), ``waiting_time``, ``setup``
(always 0), ``service``, ``load`` (on the bike after the step, per trip: at a ``reload`` it
becomes the next trip's deliveries), ``distance`` (cumulated, when distances were given),
``violations`` (empty unless the plan fails its check: then ``delay`` on a step reached too late
and ``break_outside_round`` on a break that falls outside the round), ``id`` for tasks and
breaks.

Breaks. A break's ``arrival`` is when it starts, and its ``waiting_time`` is 0. It is placed
where the plan's times allow the courier to take it at the previous step's place and ride on
afterwards; riding is moved before the break only as far as the plan's times force it (the
planner lets a break fall during a ride; the step's ``duration`` then includes the part ridden).
Idle time before a break (the courier finished early and waits for the break's window) is not a
step's ``waiting_time``: it shows as the gap between the previous step's end and the break's
``arrival``, and it is counted in the route's and the summary's ``waiting_time``, which are
therefore always ``end - start - riding - service`` of the round.

Beyond VROOM: ``unassigned`` entries carry ``code`` and ``reason`` (why the task waits, in a
depot worker's words); routes carry ``trips``. ``cost`` is the planner's objective: the fixed
cost plus the round's working time (end - start) per route; penalties of unassigned tasks are
not in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.formats.vroom import LatLon, TaskRef, VehicleRef, VroomProblem
from planner.plan import Plan, Route, TakenBreak
from planner.problem import LOAD_DIMENSIONS, Load, Vehicle


def write_vroom(
    vp: VroomProblem,
    plan: Plan,
    *,
    solving_s: float,
    violations: Sequence[str] = (),
) -> dict[str, Any]:
    """Build the VROOM-shaped answer (a JSON-ready dict) for ``plan``.

    Parameters
    ----------
    vp : VroomProblem
        The problem as read by :func:`planner.formats.vroom.read_vroom` (ids to map back).
    plan : Plan
        The planner's answer to ``vp.problem``.
    solving_s : float
        Seconds the search took (reported in ``summary.computing_times.solving``, ms).
    violations : sequence of str
        What :meth:`Plan.check` found; non-empty makes ``code`` 1 with an ``error``.

    Raises
    ------
    ValueError
        If a taken break matches none of the bike's breaks (window and duration).
    """
    index = {v.id: k for k, v in enumerate(vp.problem.vehicles)}
    routes = [_route(vp, r, index[r.vehicle_id]) for r in plan.routes]
    dims = vp.dimensions
    summary: dict[str, Any] = {
        "cost": sum(r["cost"] for r in routes),
        "routes": len(routes),
        "unassigned": len(plan.unassigned),
        "setup": 0,
        "service": sum(r["service"] for r in routes),
        "duration": sum(r["duration"] for r in routes),
        "waiting_time": sum(r["waiting_time"] for r in routes),
        "priority": sum(r["priority"] for r in routes),
        "violations": [],
        "delivery": _add([r["delivery"] for r in routes], dims),
        "pickup": _add([r["pickup"] for r in routes], dims),
    }
    if vp.has_distances:
        summary["distance"] = sum(r["distance"] for r in routes)
    summary["computing_times"] = {
        "loading": round(vp.loading_s * 1000),
        "solving": round(solving_s * 1000),
    }
    unassigned = []
    for u in plan.unassigned:
        ref = vp.tasks[u.stop_id]
        item: dict[str, Any] = {"id": ref.id, "type": ref.type}
        item.update(_where(vp, ref.location_index, ref.location))
        if ref.description is not None:
            item["description"] = ref.description
        item["code"], item["reason"] = u.code, u.reason
        unassigned.append(item)
    out: dict[str, Any] = {"code": 0}
    if violations:
        out = {
            "code": 1,
            "error": "the plan fails its own check: " + "; ".join(violations[:10]),
        }
    out.update(summary=summary, unassigned=unassigned, routes=routes)
    return out


def _add(amounts: Sequence[Sequence[int]], dims: int) -> list[int]:
    return [sum(a[k] for a in amounts) for k in range(dims)]


def _load(load: Load, dims: int) -> list[int]:
    return [getattr(load, d) for d in LOAD_DIMENSIONS[:dims]]


def _where(vp: VroomProblem, index: int | None, coord: LatLon | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if coord is not None:
        out["location"] = [coord.lon, coord.lat]  # VROOM is lon-first
    if index is not None and not vp.uses_locations:
        out["location_index"] = index
    return out


def _break_ids(vehicle: Vehicle, ref: VehicleRef, taken: Sequence[TakenBreak]) -> list[int]:
    """VROOM id of each taken break: the unused break whose window and duration match."""
    free = list(range(len(vehicle.breaks)))
    ids: list[int] = []
    for t in taken:
        match = next(
            (
                k
                for k in free
                if vehicle.breaks[k].duration_s == t.duration_s
                and vehicle.breaks[k].window.start_s <= t.start_s <= vehicle.breaks[k].window.end_s
            ),
            None,
        )
        if match is None:
            raise ValueError(f"{vehicle.id}: break at {t.start_s} matches none of its breaks")
        free.remove(match)
        ids.append(ref.break_ids[match])
    return ids


def _route(vp: VroomProblem, route: Route, vi: int) -> dict[str, Any]:
    p, dims = vp.problem, vp.dimensions
    v, ref = p.vehicles[vi], vp.vehicles[route.vehicle_id]
    # Stations: start, every visit, end; each (kind, stop id, place, service start, service).
    stations: list[tuple[str, str | None, int, int, int, Load]] = [
        ("start", None, v.start_place, route.start_s, 0, route.load_at_start)
    ]
    for x in route.visits:
        service = v.reload_s if x.stop_id is None else p.stop(x.stop_id).service_s
        kind = "reload" if x.stop_id is None else "task"
        stations.append((kind, x.stop_id, x.place, x.start_s, service, x.load_after))
    last_load = route.visits[-1].load_after if route.visits else route.load_at_start
    stations.append(("end", None, v.end_place, route.end_s, 0, last_load))
    taken = sorted(route.breaks, key=lambda b: b.start_s)
    ids = _break_ids(v, ref, taken)
    first_task = next((s for s in stations if s[0] == "task"), None)
    last_task = next((s for s in reversed(stations) if s[0] == "task"), None)

    steps: list[dict[str, Any]] = []
    travel = distance = service_total = idle = priority = 0
    delivery, pickup = [0] * dims, [0] * dims
    pending = list(range(len(taken)))

    def place_fields(kind: str, stop_id: str | None) -> dict[str, Any]:
        if kind == "start" and not ref.has_start and first_task is not None:
            kind, stop_id = "task", first_task[1]  # VROOM: an open start is the first task
        if kind == "end" and not ref.has_end and last_task is not None:
            kind, stop_id = "task", last_task[1]
        if kind == "task":
            assert stop_id is not None
            t = vp.tasks[stop_id]
            return _where(vp, t.location_index, t.location)
        if kind == "start":
            return _where(vp, ref.start_index, ref.start)
        return _where(vp, ref.end_index, ref.end)

    start = stations[0]
    steps.append(
        {
            "type": "start",
            **place_fields("start", None),
            "arrival": route.start_s,
            "duration": 0,
            "setup": 0,
            "service": 0,
            "waiting_time": 0,
            "load": _load(start[5], dims),
            "violations": [],
        }
    )
    for k in range(len(stations) - 1):
        here, nxt = stations[k], stations[k + 1]
        depart = here[3] + here[4]
        ride = p.duration_s[here[2]][nxt[2]]
        leg_m = p.distance_m[here[2]][nxt[2]]
        chosen = [
            j
            for j in pending
            if depart <= taken[j].start_s and taken[j].start_s + taken[j].duration_s <= nxt[3]
        ]
        pending = [j for j in pending if j not in chosen]
        in_leg = [taken[j] for j in chosen]
        # Gaps around the breaks; riding fills the latest gaps first (see module doc).
        marks = [depart] + [x for b in in_leg for x in (b.start_s, b.start_s + b.duration_s)]
        marks.append(nxt[3])
        gaps = [marks[2 * i + 1] - marks[2 * i] for i in range(len(in_leg) + 1)]
        rides = [0] * len(gaps)
        need = ride
        for i in reversed(range(len(gaps))):
            rides[i] = min(need, gaps[i])
            need -= rides[i]
        # A plan that fails its check may leave too little time for the ride: the rest is
        # ridden after the last break, and the step says it arrives late ("delay").
        rides[-1] += need
        ridden = 0
        for i, b in enumerate(in_leg):
            ridden += rides[i]
            travel += rides[i]
            idle += gaps[i] - rides[i]
            step: dict[str, Any] = {
                "type": "break",
                "id": ids[chosen[i]],
                "arrival": b.start_s,
                "duration": travel,
                "setup": 0,
                "service": b.duration_s,
                "waiting_time": 0,
                "load": _load(here[5], dims),
                "violations": [],
            }
            if vp.has_distances:
                step["distance"] = distance + (leg_m * ridden // ride if ride else 0)
            steps.append(step)
            service_total += b.duration_s
        travel += rides[-1]
        distance += leg_m
        arrival = marks[-2] + rides[-1]
        wait = max(0, nxt[3] - arrival)
        idle += wait
        step = {"type": nxt[0] if nxt[0] != "task" else "", **place_fields(nxt[0], nxt[1])}
        if nxt[0] == "task":
            assert nxt[1] is not None
            t: TaskRef = vp.tasks[nxt[1]]
            step["type"], step["id"] = t.type, t.id
            if t.description is not None:
                step["description"] = t.description
            priority += t.priority
            delivery = [a + b for a, b in zip(delivery, t.delivery, strict=True)]
            pickup = [a + b for a, b in zip(pickup, t.pickup, strict=True)]
        step.update(
            arrival=arrival,
            duration=travel,
            setup=0,
            service=nxt[4],
            waiting_time=wait,
            load=_load(nxt[5], dims),
            violations=[{"cause": "delay", "duration": arrival - nxt[3]}] if need else [],
        )
        if vp.has_distances:
            step["distance"] = distance
        steps.append(step)
        service_total += nxt[4]
    for j in pending:
        # Only in a plan that fails its check: a break outside the round, listed last.
        steps.append(
            {
                "type": "break",
                "id": ids[j],
                "arrival": taken[j].start_s,
                "duration": travel,
                "setup": 0,
                "service": taken[j].duration_s,
                "waiting_time": 0,
                "load": _load(stations[-1][5], dims),
                "violations": [{"cause": "break_outside_round"}],
            }
        )
    out: dict[str, Any] = {
        "vehicle": ref.id,
        "cost": v.fixed_cost + route.duration_s,
        "setup": 0,
        "service": service_total,
        "duration": travel,
        "waiting_time": idle,
        "priority": priority,
        "delivery": delivery,
        "pickup": pickup,
        "violations": [],
        "trips": route.trips,
    }
    if ref.description is not None:
        out["description"] = ref.description
    if vp.has_distances:
        out["distance"] = route.distance_m
    out["steps"] = steps
    return out
