"""Fixtures of depot tests shared between modules."""

from tests.depot.impact_day import impact_day  # noqa: F401 (the hand-checkable month)
