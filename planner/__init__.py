"""Pure route planning for cargo bikes: frozen dataclasses in, a :class:`Plan` out.

Imports nothing else of Bakfiets. Integers throughout: seconds, metres, grams, millilitres;
time windows inclusive. Typical use::

    from planner import Problem, SolveParams, Stop, TimeWindow, Vehicle, solve

    problem = Problem.from_matrices(
        duration_s=durations, distance_m=distances,  # square, integer, place 0 = depot
        stops=[Stop("order-17", place=3, windows=(TimeWindow(9 * 3600, 11 * 3600),))],
        vehicles=[Vehicle("bike-1", start_place=0, end_place=0)],
    )
    plan = solve(problem, SolveParams(time_limit_s=10, workers=2))
    plan.routes, plan.unassigned, plan.summary, plan.check(problem)
"""

from planner.plan import Plan, Route, Summary, TakenBreak, Unassigned, Visit
from planner.problem import (
    Break,
    Capacity,
    FrozenRoute,
    Load,
    Objective,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)
from planner.solve import SolveParams, solve
from planner.validate import explain_drop, validate

__all__ = [
    "Break",
    "Capacity",
    "FrozenRoute",
    "Load",
    "Objective",
    "Pair",
    "Plan",
    "Problem",
    "Route",
    "SolveParams",
    "Stop",
    "StopKind",
    "Summary",
    "TakenBreak",
    "TimeWindow",
    "Unassigned",
    "Vehicle",
    "Visit",
    "explain_drop",
    "solve",
    "validate",
]
