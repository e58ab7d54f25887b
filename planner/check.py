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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.problem import LOAD_DIMENSIONS, Break, Load, Problem, StopKind, TimeWindow, Vehicle

if TYPE_CHECKING:
    from planner.plan import Plan, Route, TakenBreak


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


def _clock(t_s: int) -> str:
    """Seconds since midnight as ``HH:MM`` (``HH:MM:SS`` when the seconds matter)."""
    h, rest = divmod(t_s, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _span(a_s: int, b_s: int) -> str:
    return f"{_clock(a_s)}–{_clock(b_s)}"


def _dur(d_s: int) -> str:
    """A duration as ``1 h 30 min``, ``4 min``, ``4 min 10 s`` or ``45 s``."""
    sign, d_s = ("-" if d_s < 0 else ""), abs(d_s)
    h, rest = divmod(d_s, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h} h"] * bool(h) + [f"{m} min"] * bool(m) + [f"{s} s"] * bool(s)
    return sign + (" ".join(parts) or "0 s")


def _amount(dim: str, value: int) -> str:
    if dim == "weight_g":
        return f"{value / 1000:g} kg"
    if dim == "volume_ml":
        return f"{value / 1000:g} l"
    return f"{value} parcels"


def _km(m: int) -> str:
    return f"{m / 1000:g} km"


def _what(stop_id: str | None) -> str:
    return "the reload" if stop_id is None else f"stop {stop_id}"


# --------------------------------------------------------------------------- one round


@dataclass(frozen=True)
class _Call:
    """A visit as the problem says it should be: place and service from the problem."""

    stop_id: str | None
    place: int
    service_s: int
    arrival_s: int  # as reported by the plan
    start_s: int  # as reported by the plan


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


def _legs(route: Route, calls: Sequence[_Call]) -> list[tuple[int, int]]:
    """``(departure, next service start)`` of every leg; the last leg ends at the round's end."""
    departures = [route.start_s] + [c.start_s + c.service_s for c in calls]
    arrivals = [c.start_s for c in calls] + [route.end_s]
    return list(zip(departures, arrivals, strict=True))


def _leg_of(b: TakenBreak, legs: Sequence[tuple[int, int]]) -> int | None:
    for k, (dep, nxt) in enumerate(legs):
        if dep <= b.start_s and b.start_s + b.duration_s <= nxt:
            return k
    return None


def _check_times(route: Route, v: Vehicle, problem: Problem, calls: Sequence[_Call]) -> list[str]:
    errors: list[str] = []
    legs = _legs(route, calls)
    on_leg: list[list[TakenBreak]] = [[] for _ in legs]
    for b in route.breaks:
        k = _leg_of(b, legs)
        if k is not None:
            on_leg[k].append(b)
    place = v.start_place
    where = "the depot" if v.start_place == v.end_place else "its start place"
    live = problem.live_position(v.id)
    for k, (dep, _) in enumerate(legs):
        last = k == len(calls)
        to = v.end_place if last else calls[k].place
        if live is not None and k == live[0]:
            # Resuming from the live position, at "now" at the earliest.
            place, where = live[1], "its live position"
            if problem.now_s is not None:
                dep = max(dep, problem.now_s)
        travel = problem.duration_s[place][to]
        ride = f"leaving {where} at {_clock(dep)} and riding {_dur(travel)}"
        if last:
            pause = sum(b.duration_s for b in on_leg[k])
            back = dep + travel + pause
            if route.end_s < back:
                extra = f" and {_dur(pause)} of breaks" if pause else ""
                errors.append(
                    f"{v.id}: back at the depot at {_clock(route.end_s)}, but {ride}{extra} "
                    f"gets it there at {_clock(back)}"
                )
            break
        c = calls[k]
        before = [b for b in on_leg[k] if b.start_s < c.arrival_s]
        after = [b for b in on_leg[k] if b.start_s >= c.arrival_s]
        arrival = dep + travel + sum(b.duration_s for b in before)
        if c.arrival_s != arrival:
            extra = f" with {_dur(arrival - dep - travel)} of breaks" if before else ""
            errors.append(
                f"{v.id}: {_what(c.stop_id)} arrival {_clock(c.arrival_s)} in the plan, but "
                f"{ride}{extra} gets there at {_clock(arrival)}"
            )
        for b in before:
            if b.start_s + b.duration_s > c.arrival_s:
                errors.append(
                    f"{v.id}: break {_span(b.start_s, b.start_s + b.duration_s)} runs past the "
                    f"arrival at {_what(c.stop_id)} ({_clock(c.arrival_s)})"
                )
        ready = max(arrival, c.arrival_s) + sum(b.duration_s for b in after)
        if c.start_s < c.arrival_s:
            errors.append(
                f"{v.id}: {_what(c.stop_id)} service starts at {_clock(c.start_s)}, before the "
                f"arrival at {_clock(c.arrival_s)}"
            )
        elif c.start_s < ready:
            errors.append(
                f"{v.id}: {_what(c.stop_id)} service starts at {_clock(c.start_s)}, before the "
                f"bike can be there ({_clock(ready)})"
            )
        place, where = c.place, _what(c.stop_id)
    return errors


def _check_breaks(route: Route, v: Vehicle, calls: Sequence[_Call]) -> list[str]:
    errors: list[str] = []
    legs = _legs(route, calls)
    taken = sorted(route.breaks, key=lambda b: b.start_s)
    for b in taken:
        span = _span(b.start_s, b.start_s + b.duration_s)
        if b.duration_s <= 0:
            errors.append(f"{v.id}: break at {_clock(b.start_s)} lasts {_dur(b.duration_s)}")
        elif b.start_s < route.start_s or b.start_s + b.duration_s > route.end_s:
            errors.append(
                f"{v.id}: break {span} taken outside the round {_span(route.start_s, route.end_s)}"
            )
        elif _leg_of(b, legs) is None:
            hit = next((c for c in calls if _overlaps(b, c.start_s, c.start_s + c.service_s)), None)
            if hit is not None:
                errors.append(
                    f"{v.id}: break {span} overlaps the service at {_what(hit.stop_id)} "
                    f"({_span(hit.start_s, hit.start_s + hit.service_s)})"
                )
            else:
                errors.append(f"{v.id}: break {span} does not fit between two visits")
    for a, b in itertools.pairwise(taken):
        if a.start_s + a.duration_s > b.start_s:
            errors.append(
                f"{v.id}: breaks {_span(a.start_s, a.start_s + a.duration_s)} and "
                f"{_span(b.start_s, b.start_s + b.duration_s)} overlap"
            )
    match = _match_breaks(v.breaks, taken)
    matched = set(match.values())
    explained: set[int] = set()  # wanted breaks reported as taken outside their window
    for ti, t in enumerate(taken):
        if ti in matched:
            continue
        span = f"{_span(t.start_s, t.start_s + t.duration_s)} ({_dur(t.duration_s)})"
        misplaced = [
            wi
            for wi, w in enumerate(v.breaks)
            if wi not in match and wi not in explained and w.duration_s == t.duration_s
        ]
        fits = [
            w for w in v.breaks if w.duration_s == t.duration_s and _starts_in(t.start_s, w.window)
        ]
        if fits:
            errors.append(
                f"{v.id}: break {span} is a second break for the window {_window(fits[0].window)}"
            )
        elif misplaced:
            explained.add(misplaced[0])
            window = v.breaks[misplaced[0]].window
            errors.append(f"{v.id}: break {span} starts outside its window {_window(window)}")
        else:
            due = ", ".join(f"{_window(w.window)} ({_dur(w.duration_s)})" for w in v.breaks)
            errors.append(f"{v.id}: break {span} is not one of the bike's breaks ({due or 'none'})")
    for wi, w in enumerate(v.breaks):
        if wi in match or wi in explained:
            continue
        apart = route.end_s <= w.window.start_s or route.start_s > w.window.end_s
        if not apart:
            errors.append(
                f"{v.id}: break {_window(w.window)} ({_dur(w.duration_s)}) not taken although "
                f"the round runs {_span(route.start_s, route.end_s)}"
            )
    return errors


def _window(w: TimeWindow) -> str:
    return _span(w.start_s, w.end_s)


def _starts_in(t_s: int, w: TimeWindow) -> bool:
    return w.start_s <= t_s <= w.end_s


def _overlaps(b: TakenBreak, start_s: int, end_s: int) -> bool:
    """True when the break and the service ``[start_s, end_s]`` share time (or the break
    encloses a zero-length service)."""
    b_end = b.start_s + b.duration_s
    if start_s == end_s:
        return b.start_s < start_s < b_end
    return b.start_s < end_s and start_s < b_end


def _match_breaks(wanted: Sequence[Break], taken: Sequence[TakenBreak]) -> dict[int, int]:
    """One-to-one matching of wanted breaks to taken ones (same duration, start in the window).

    Maximum bipartite matching by augmenting paths; returns ``{wanted index: taken index}``.
    """
    fits = [
        [
            ti
            for ti, t in enumerate(taken)
            if t.duration_s == w.duration_s and _starts_in(t.start_s, w.window)
        ]
        for w in wanted
    ]
    owner: dict[int, int] = {}  # taken index -> wanted index

    def augment(wi: int, tried: set[int]) -> bool:
        for ti in fits[wi]:
            if ti in tried:
                continue
            tried.add(ti)
            if ti not in owner or augment(owner[ti], tried):
                owner[ti] = wi
                return True
        return False

    for wi in range(len(wanted)):
        augment(wi, set())
    return {wi: ti for ti, wi in owner.items()}


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
