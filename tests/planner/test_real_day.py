"""A real 1,000-stop day on the Copenhagen network, beside PyVRP alone at the same limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.real_days_bench import pyvrp_alone
from depot.real_day import real_day
from planner.solve import SolveParams, solve
from tests.conftest import ROOT

LIMIT_S = 30.0


@pytest.mark.slow
def test_thousand_stop_day_plans_as_much_as_pyvrp_alone(osm_path: Path) -> None:
    """1,000 stops, 15 bikes (breaks, three trips, pairs, several windows): the plan keeps
    every rule and serves at least 98 % of what PyVRP alone plans in its own model (shifts
    shortened by the break, one process, same limit), although some of PyVRP's rounds do not
    even ride once their breaks are placed."""
    _graph, _request, day = real_day(
        osm_path, n_stops=1000, n_bikes=15, seed=1, cache_dir=ROOT / "var" / "cache"
    )
    plan = solve(day.problem, SolveParams(time_limit_s=LIMIT_S, seed=1))
    assert plan.check(day.problem) == []
    alone = pyvrp_alone(day.problem, LIMIT_S, seed=1)
    assert plan.summary.stops_served >= 0.98 * alone["planned"], (
        plan.summary.stops_served,
        alone,
    )
