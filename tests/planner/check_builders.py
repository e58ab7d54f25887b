"""Hand-built plans for the plan-check tests (see ``test_check.py``): visits, rounds, plans."""

from __future__ import annotations

from planner.plan import Plan, Route, Summary, TakenBreak, Unassigned, Visit
from planner.problem import Break, Load, TimeWindow
from tests.planner.street import H


def hm(h: int, m: int = 0) -> int:
    """Clock time h:m in seconds since midnight."""
    return h * H + m * 60


def at(stop_id: str | None, place: int, arrival: int, start: int, end: int, parcels: int) -> Visit:
    """A visit with ``parcels`` aboard when the bike leaves."""
    return Visit(stop_id, place, arrival, start, end, Load(parcels=parcels))


def rnd(
    start: int,
    end: int,
    visits: list[Visit],
    distance_m: int,
    load_at_start: int = 0,
    breaks: tuple[TakenBreak, ...] = (),
    vehicle_id: str = "b1",
) -> Route:
    """A round of ``vehicle_id``."""
    return Route(
        vehicle_id, start, end, tuple(visits), breaks, distance_m, Load(parcels=load_at_start)
    )


def plan_of(*routes: Route, unassigned: tuple[Unassigned, ...] = ()) -> Plan:
    """A plan whose summary agrees with its routes."""
    served = sum(len(r.stop_ids) for r in routes)
    distance_m = sum(r.distance_m for r in routes)
    duration_s = sum(r.end_s - r.start_s for r in routes)
    summary = Summary(len(routes), served, len(unassigned), distance_m, duration_s, 0, "hand", 0.0)
    return Plan(tuple(routes), unassigned, summary)


def only(errors: list[str]) -> str:
    """The single complaint about a plan with a single fault."""
    assert len(errors) == 1, errors
    return errors[0]


LUNCH = Break(TimeWindow(hm(12), hm(12, 30)), 1800)
"""A 30-minute break starting 12:00–12:30."""
