"""Independent feasibility check of a :class:`~planner.plan.Plan` against its problem.

Deliberately shares no code with the solver or with the code that builds plans: every place is
read from the problem (a stop's own place, a reload at the bike's end place), and travel, arrival
times, loads and distances are recomputed from the problem's matrices. The plan contributes only
what it decides: which bike visits which stops in which order, when each service starts, when
each round starts and ends, and when each break is taken.

Time model used for the replay of one round:

* a *leg* runs from the departure at one place (the round's start, or a visit's service start
  plus its service time) to the service start of the next visit (or the round's end);
* a break belongs to the leg it fits in; breaks starting before the visit's reported arrival are
  taken on the way and delay it, so ``arrival_s = departure + travel + those breaks``; breaks
  starting at or after the arrival are taken while waiting there, before the service starts;
* the round's ``end_s`` is when the bike is back: no earlier than departure + travel + breaks of
  the last leg.

Windows of frozen visits (and of the partners of frozen pickups) are not checked: those visits
are done or under way, and the planner keeps them whatever their window says (issue 6). A bike
with a live position (:meth:`~planner.problem.Problem.live_position`) rides its first new visit
from that position, leaving no earlier than ``now_s``; its distance counts the way there.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from planner.check_times import (
    _Call,
    _check_breaks,
    _check_times,
    _clock,
    _dur,
    _span,
    _starts_in,
    _what,
    _window,
)
from planner.problem import LOAD_DIMENSIONS, Load, Problem, StopKind, Vehicle

if TYPE_CHECKING:
    from planner.plan import Plan, Route


def check_plan(plan: Plan, problem: Problem) -> list[str]:
    """List every way ``plan`` breaks the rules of ``problem``; an empty list means feasible.

    Parameters
    ----------
    plan : Plan
    problem : Problem

    Returns
    -------
    list of str
        Short messages that name the bike, the stop and the numbers, e.g.
        ``"b1: break 11:30–13:30 (30 min) not taken although the round runs 08:00–15:10"``.
    """
    errors: list[str] = []
    vehicles = {v.id: v for v in problem.vehicles}
    frozen = {sid for fr in problem.frozen for sid in fr.stop_ids}
    # The partner of a frozen pickup carries goods already aboard: its window is relaxed too.
    partner = problem.partner()
    frozen |= {partner[sid] for sid in list(frozen) if sid in partner}
    known = {s.id for s in problem.stops}
    where: dict[str, tuple[str, int, int]] = {}  # stop -> (bike, position, trip number)
    seen_bikes: set[str] = set()
    for route in plan.routes:
        v = vehicles.get(route.vehicle_id)
        if v is None:
            errors.append(f"{route.vehicle_id}: no such bike in the problem")
            continue
        if route.vehicle_id in seen_bikes:
            errors.append(f"{v.id}: has two routes")
        seen_bikes.add(v.id)
        unknown = [
            x.stop_id for x in route.visits if x.stop_id is not None and x.stop_id not in known
        ]
        if unknown:
            errors.append(f"{v.id}: visits stops not in the problem: {', '.join(unknown)}")
            continue
        trip = 1
        for pos, x in enumerate(route.visits):
            if x.stop_id is None:
                trip += 1
                continue
            if x.stop_id in where:
                errors.append(
                    f"stop {x.stop_id} served twice (by {where[x.stop_id][0]} and {v.id})"
                )
            else:
                where[x.stop_id] = (v.id, pos, trip)
        errors += _check_route(route, v, problem, frozen)
    errors += _check_accounting(plan, problem, where)
    errors += _check_pairs(problem, where)
    errors += _check_frozen(plan, problem)
    errors += _check_summary(plan)
    return errors


# --------------------------------------------------------------------------- formatting


def _amount(dim: str, value: int) -> str:
    if dim == "weight_g":
        return f"{value / 1000:g} kg"
    if dim == "volume_ml":
        return f"{value / 1000:g} l"
    return f"{value} parcels"


def _km(m: int) -> str:
    return f"{m / 1000:g} km"


# --------------------------------------------------------------------------- one round


def _check_route(route: Route, v: Vehicle, problem: Problem, frozen: set[str]) -> list[str]:
    errors: list[str] = []
    calls: list[_Call] = []
    for x in route.visits:
        if x.stop_id is None:
            place, service = v.end_place, v.reload_s
        else:
            s = problem.stop(x.stop_id)
            place, service = s.place, s.service_s
        if x.place != place:
            errors.append(
                f"{v.id}: {_what(x.stop_id)} is at place {place}, the plan puts it at {x.place}"
            )
        if x.end_s != x.start_s + service:
            errors.append(
                f"{v.id}: {_what(x.stop_id)} ends at {_clock(x.end_s)}, but service from "
                f"{_clock(x.start_s)} takes {_dur(service)} (until {_clock(x.start_s + service)})"
            )
        calls.append(_Call(x.stop_id, place, service, x.arrival_s, x.start_s))
    errors += _check_shift(route, v)
    errors += _check_times(route, v, problem, calls)
    errors += _check_breaks(route, v, calls)
    errors += _check_distance(route, v, problem, calls)
    errors += _check_stops(route, v, problem, frozen)
    errors += _check_loads(route, v, problem)
    return errors


def _check_shift(route: Route, v: Vehicle) -> list[str]:
    errors: list[str] = []
    if route.start_s < v.shift.start_s:
        errors.append(
            f"{v.id}: leaves at {_clock(route.start_s)}, before its shift starts at "
            f"{_clock(v.shift.start_s)}"
        )
    if route.end_s > v.shift.end_s:
        errors.append(
            f"{v.id}: back at {_clock(route.end_s)}, after its shift ends at "
            f"{_clock(v.shift.end_s)}"
        )
    length = route.end_s - route.start_s
    if v.max_duration_s is not None and length > v.max_duration_s:
        errors.append(
            f"{v.id}: round {_span(route.start_s, route.end_s)} lasts {_dur(length)}, "
            f"more than the {_dur(v.max_duration_s)} allowed"
        )
    trips = 1 + sum(1 for x in route.visits if x.stop_id is None)
    if trips > v.max_trips:
        errors.append(f"{v.id}: {trips} trips, at most {v.max_trips} allowed")
    return errors


def _check_distance(
    route: Route, v: Vehicle, problem: Problem, calls: Sequence[_Call]
) -> list[str]:
    errors: list[str] = []
    places = problem.ridden_places(problem.vehicles.index(v), [c.place for c in calls])
    distance = sum(problem.distance_m[a][b] for a, b in itertools.pairwise(places))
    if distance != route.distance_m:
        errors.append(f"{v.id}: distance {route.distance_m} m reported, {distance} m recomputed")
    if v.max_distance_m is not None and distance > v.max_distance_m:
        errors.append(
            f"{v.id}: rides {_km(distance)}, more than its range of {_km(v.max_distance_m)}"
        )
    return errors


def _check_stops(route: Route, v: Vehicle, problem: Problem, frozen: set[str]) -> list[str]:
    errors: list[str] = []
    for x in route.visits:
        if x.stop_id is None:
            continue
        s = problem.stop(x.stop_id)
        if (
            s.windows
            and s.id not in frozen
            and not any(_starts_in(x.start_s, w) for w in s.windows)
        ):
            windows = ", ".join(_window(w) for w in s.windows)
            errors.append(
                f"{v.id}: stop {s.id} starts at {_clock(x.start_s)}, outside its window {windows}"
            )
        if not s.skills <= v.skills:
            missing = ", ".join(sorted(s.skills - v.skills))
            has = ", ".join(sorted(v.skills)) or "none"
            errors.append(f"{v.id}: stop {s.id} needs {missing}; the bike has {has}")
    return errors


# --------------------------------------------------------------------------- loads


def _diff(plan_load: Load, load: dict[str, int]) -> str | None:
    wrong = [d for d in LOAD_DIMENSIONS if getattr(plan_load, d) != load[d]]
    if not wrong:
        return None
    said = ", ".join(_amount(d, getattr(plan_load, d)) for d in wrong)
    real = ", ".join(_amount(d, load[d]) for d in wrong)
    return f"the plan says {said}, recomputed {real}"


def _check_loads(route: Route, v: Vehicle, problem: Problem) -> list[str]:
    """Replay the goods aboard, trip by trip.

    Each trip leaves the depot with its unpaired deliveries; pickups ride back and are unloaded
    at the next reload; paired goods stay aboard from pickup to delivery.
    """
    errors: list[str] = []
    partner = problem.partner()
    trips: list[list[str]] = [[]]
    for x in route.visits:
        if x.stop_id is None:
            trips.append([])
        else:
            trips[-1].append(x.stop_id)
    paired = dict.fromkeys(LOAD_DIMENSIONS, 0)  # paired goods aboard
    visits = iter(route.visits)
    for no, trip in enumerate(trips, start=1):
        load = dict(paired)
        for sid in trip:
            s = problem.stop(sid)
            if s.kind is StopKind.DELIVERY and sid not in partner:
                for d in LOAD_DIMENSIONS:
                    load[d] += getattr(s.load, d)
        leaving = f"trip {no} leaving the depot"
        errors += _over(load, v, leaving)
        said = route.load_at_start if no == 1 else next(visits).load_after  # the reload visit
        if (diff := _diff(said, load)) is not None:
            errors.append(f"{v.id}: load on {leaving}: {diff}")
        for sid in trip:
            s = problem.stop(sid)
            sign = -1 if s.kind is StopKind.DELIVERY else 1
            for d in LOAD_DIMENSIONS:
                amount = sign * getattr(s.load, d)
                load[d] += amount
                if sid in partner:
                    paired[d] += amount
            errors += _over(load, v, f"after stop {sid} on trip {no}")
            if (diff := _diff(next(visits).load_after, load)) is not None:
                errors.append(f"{v.id}: load after stop {sid}: {diff}")
    return errors


def _over(load: dict[str, int], v: Vehicle, when: str) -> list[str]:
    # Negative amounts are not reported here: they only arise from a paired delivery without
    # its pickup before it on the bike, which the pair check names.
    out = []
    for d, amount in load.items():
        cap = getattr(v.capacity, d)
        if cap is not None and amount > cap:
            out.append(
                f"{v.id}: {_amount(d, amount)} aboard {when}, over the capacity of "
                f"{_amount(d, cap)}"
            )
    return out


# --------------------------------------------------------------------------- the whole plan


def _check_accounting(
    plan: Plan, problem: Problem, where: dict[str, tuple[str, int, int]]
) -> list[str]:
    errors: list[str] = []
    known = {s.id for s in problem.stops}
    listed: set[str] = set()
    for u in plan.unassigned:
        if u.stop_id not in known:
            errors.append(f"stop {u.stop_id} is unassigned but not in the problem")
            continue
        if u.stop_id in listed:
            errors.append(f"stop {u.stop_id} listed as unassigned twice")
        listed.add(u.stop_id)
        if u.stop_id in where:
            errors.append(f"stop {u.stop_id} both served (by {where[u.stop_id][0]}) and unassigned")
        if not u.reason.strip() or not u.code.strip():
            errors.append(f"stop {u.stop_id} unassigned without a code and a reason")
    for s in problem.stops:
        if s.id not in where and s.id not in listed:
            errors.append(f"stop {s.id} neither served nor listed as unassigned")
    return errors


def _check_pairs(problem: Problem, where: dict[str, tuple[str, int, int]]) -> list[str]:
    errors: list[str] = []
    for p in problem.pairs:
        name = f"pair {p.pickup_id}→{p.delivery_id}"
        a, b = where.get(p.pickup_id), where.get(p.delivery_id)
        if a is None and b is None:
            continue
        if a is None or b is None:
            sid, got = (p.pickup_id, a) if a is not None else (p.delivery_id, b)
            assert got is not None
            errors.append(f"{got[0]}: {name}: only {sid} is planned")
        elif a[0] != b[0]:
            errors.append(f"{name}: pickup on {a[0]}, delivery on {b[0]}")
        elif a[2] != b[2]:
            errors.append(f"{a[0]}: {name}: pickup on trip {a[2]}, delivery on trip {b[2]}")
        elif a[1] > b[1]:
            errors.append(
                f"{a[0]}: {name}: {p.delivery_id} delivered before {p.pickup_id} picked up"
            )
    return errors


def _check_frozen(plan: Plan, problem: Problem) -> list[str]:
    errors: list[str] = []
    routes = {r.vehicle_id: r for r in plan.routes}
    for fr in problem.frozen:
        r = routes.get(fr.vehicle_id)
        got = r.stop_ids[: len(fr.stop_ids)] if r is not None else ()
        if tuple(got) != tuple(fr.stop_ids):
            want = ", ".join(fr.stop_ids)
            errors.append(
                f"{fr.vehicle_id}: frozen visits {want} changed to {', '.join(got) or 'nothing'}"
            )
    return errors


def _check_summary(plan: Plan) -> list[str]:
    s = plan.summary
    facts = [
        ("bikes used", s.vehicles_used, len(plan.routes)),
        ("stops served", s.stops_served, sum(len(r.stop_ids) for r in plan.routes)),
        ("stops unassigned", s.stops_unassigned, len(plan.unassigned)),
        ("distance_m", s.distance_m, sum(r.distance_m for r in plan.routes)),
        ("duration_s", s.duration_s, sum(r.end_s - r.start_s for r in plan.routes)),
    ]
    return [
        f"summary: {name} {said}, the plan gives {real}"
        for name, said, real in facts
        if said != real
    ]
