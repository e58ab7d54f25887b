"""Fixtures for the planner tests; the small problems themselves are built in ``street.py``."""

from __future__ import annotations

import pytest

from planner.solve import SolveParams


@pytest.fixture
def quick() -> SolveParams:
    """One OR-Tools worker, a short search: enough for problems of a handful of stops."""
    return SolveParams(time_limit_s=1.0, workers=1, use_pyvrp=False)
