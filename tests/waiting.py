"""Waiting on real services in tests: a guard that stops a wait which would hang the suite."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def hang_guard(deadline: float, what: str | Callable[[], str]) -> None:
    """Fail the test once ``deadline`` (``time.monotonic()``) has passed.

    A guard against a hung service, not a speed check: deadlines are minutes. ``what`` (or what
    it returns, read only on failure) says what was awaited.
    """
    if time.monotonic() > deadline:
        pytest.fail(f"gave up waiting: {what() if callable(what) else what}")
