"""Problem: built from integer matrices, and refuses inconsistent input with a clear message."""

from __future__ import annotations

import numpy as np
import pytest

from planner.problem import FrozenRoute, Pair, Problem, Stop, Vehicle


def make(**kw: object) -> Problem:
    """A two-place problem with overridable parts."""
    args: dict[str, object] = {
        "duration_s": [[0, 60], [60, 0]],
        "distance_m": [[0, 250], [250, 0]],
        "stops": [Stop("a", 1)],
        "vehicles": [Vehicle("b1")],
    }
    args.update(kw)
    return Problem.from_matrices(**args)  # type: ignore[arg-type]


def test_numpy_matrices_become_plain_ints() -> None:
    """A numpy matrix (what maps.travel_matrix returns) is accepted and stored as ints."""
    p = make(duration_s=np.array([[0, 60], [61, 0]]), distance_m=np.array([[0, 5], [6, 0]]))
    assert p.duration_s == ((0, 60), (61, 0))
    assert isinstance(p.distance_m[1][0], int)


def test_lookup_and_default_penalty() -> None:
    """Stops are found by id; a stop without its own penalty gets the problem's default."""
    p = make(default_penalty=99)
    assert p.stop("a").place == 1
    assert p.penalty_of(p.stop("a")) == 99


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"duration_s": [[0, 1]]}, "square"),
        ({"stops": [Stop("a", 1), Stop("a", 1)]}, "unique"),
        ({"stops": [Stop("a", 5)]}, "outside"),
        ({"vehicles": [Vehicle("b", start_place=9)]}, "outside"),
        ({"pairs": [Pair("a", "zz")]}, "unknown stop"),
        ({"vehicles": [Vehicle("b", max_trips=0)]}, "max_trips"),
    ],
)
def test_bad_input_is_refused(kw: dict[str, object], message: str) -> None:
    """Each inconsistency raises ValueError naming what is wrong."""
    with pytest.raises(ValueError, match=message):
        make(**kw)


def test_frozen_route_keeps_order() -> None:
    """A frozen route is an ordered tuple of stop ids on a named bike."""
    p = make(frozen=[FrozenRoute("b1", ("a",))])
    assert p.frozen[0].stop_ids == ("a",)
