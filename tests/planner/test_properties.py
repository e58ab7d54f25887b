"""Properties on random small problems: every plan keeps every rule and explains every drop."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.problem import (
    Break,
    Capacity,
    Load,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.solve import SolveParams, solve

H = 3600


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """3–7 stops on a 6×6 km grid, 1–3 bikes; windows, loads, skills, a pair, breaks, reloads."""
    n = draw(st.integers(3, 7))
    pts = [(0, 0)] + [(draw(st.integers(-6, 6)), draw(st.integers(-6, 6))) for _ in range(n)]
    km = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in pts] for a in pts]
    dur = [[k * 240 for k in row] for row in km]
    dist = [[k * 1000 for k in row] for row in km]
    stops = []
    for i in range(1, n + 1):
        windows: tuple[TimeWindow, ...] = ()
        if draw(st.booleans()):
            start = draw(st.integers(8, 14)) * H
            windows = (TimeWindow(start, start + draw(st.integers(1, 4)) * 900),)
        stops.append(
            Stop(
                f"s{i}",
                i,
                kind=draw(st.sampled_from([StopKind.DELIVERY, StopKind.PICKUP])),
                load=Load(
                    weight_g=draw(st.integers(0, 40)) * 1000, parcels=draw(st.integers(0, 3))
                ),
                service_s=draw(st.integers(0, 5)) * 60,
                windows=windows,
                skills=frozenset({"cold"}) if draw(st.integers(0, 4)) == 0 else frozenset(),
            )
        )
    pairs = []
    if n >= 4 and draw(st.booleans()):
        stops[0] = Stop("s1", 1, kind=StopKind.PICKUP, load=Load(weight_g=10_000))
        stops[1] = Stop("s2", 2, kind=StopKind.DELIVERY, load=Load(weight_g=10_000))
        pairs.append(Pair("s1", "s2"))
    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        brk: tuple[Break, ...] = ()
        if draw(st.booleans()):
            brk = (Break(TimeWindow(12 * H, 13 * H), 1800),)
        vehicles.append(
            Vehicle(
                f"b{k}",
                shift=TimeWindow(8 * H, draw(st.integers(11, 17)) * H),
                capacity=Capacity(weight_g=draw(st.integers(20, 80)) * 1000, parcels=5),
                skills=frozenset({"cold"}) if draw(st.booleans()) else frozenset(),
                max_distance_m=draw(st.sampled_from([None, 20_000, 40_000])),
                breaks=brk,
                max_trips=draw(st.integers(1, 2)),
                reload_s=600,
            )
        )
    return Problem.from_matrices(
        duration_s=dur, distance_m=dist, stops=stops, vehicles=vehicles, pairs=pairs
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_plan_keeps_the_rules_and_explains_drops(problem: Problem) -> None:
    """Windows, capacities, pairs, shifts, skills, ranges, breaks: the check finds nothing, and
    every stop is served exactly once or listed with a code and a sentence."""
    plan = solve(problem, SolveParams(time_limit_s=0.2, workers=1, use_pyvrp=False))
    assert plan.check(problem) == []
    served = [sid for r in plan.routes for sid in r.stop_ids]
    left = [u.stop_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(s.id for s in problem.stops)
    assert all(u.code and u.reason for u in plan.unassigned)
