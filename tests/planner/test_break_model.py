"""Breaks for PyVRP: windows closed early enough that every plan rides with its breaks placed."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings

from planner.break_model import NO_CUT, break_cut
from planner.finish import Finisher
from planner.problem import Break, Problem, Stop, TimeWindow, Vehicle
from planner.pyvrp_day import solve_day_pyvrp
from planner.schedule import Failure
from tests.planner.street import H, bike, line_problem
from tests.planner.test_properties import problems

M = 60
LUNCH = Break(TimeWindow(11 * H + 30 * M, 13 * H + 30 * M), 30 * M)


def _day(windows: list[tuple[int, int]], bikes: list[Vehicle]) -> Problem:
    stops = [
        Stop(f"s{i}", 1, service_s=5 * M, windows=(TimeWindow(a, b),))
        for i, (a, b) in enumerate(windows)
    ]
    return line_problem([0, 1], stops, bikes)


def test_switch_is_where_fewest_windows_are_cut() -> None:
    """Windows ending 12:00, 13:00 and 17:00, a 30-minute break 11:30–13:30: the break is
    placed after the visits up to 13:00 (cutting only the 17:00 window), not at 11:30 or 12:00
    (which would cut two or three)."""
    p = _day([(9 * H, 12 * H), (11 * H, 13 * H), (9 * H, 17 * H)], [bike(breaks=(LUNCH,))])
    cut = break_cut(p)
    assert cut.switch_s == 13 * H
    assert cut.duration_s == 30 * M


def test_windows_by_hand() -> None:
    """With the break after the visits up to 13:00 (30 minutes): windows closing by 13:00 stay;
    12:00–14:00 may be served before the break (to 13:00) or after it (to 13:30 on the model's
    clock); 14:00–16:00 lies after the break: [13:30, 15:30] on the model's clock; 13:10–13:35
    has no safe time left and is left out of the model."""
    p = _day([(11 * H, 13 * H), (9 * H, 17 * H)], [bike(breaks=(LUNCH,))])
    cut = break_cut(p)
    assert cut.switch_s == 13 * H
    assert cut.window(9 * H, 12 * H) == (9 * H, 12 * H)
    assert cut.window(11 * H, 13 * H) == (11 * H, 13 * H)
    assert cut.window(12 * H, 14 * H) == (12 * H, 13 * H + 30 * M)
    assert cut.window(14 * H, 16 * H) == (13 * H + 30 * M, 15 * H + 30 * M)
    assert cut.window(13 * H + 10 * M, 13 * H + 35 * M) == (13 * H + 1, 13 * H + 5 * M)
    assert cut.window(13 * H + 10 * M, 13 * H + 25 * M) is None


def test_switch_leaves_room_for_the_longest_service() -> None:
    """A 13:25 window end is no switch when a reload takes 10 minutes: the break would start
    after its window (13:30) closes; 11:30 is used instead."""
    p = _day([(9 * H, 13 * H + 25 * M)], [bike(breaks=(LUNCH,), max_trips=2, reload_s=10 * M)])
    assert break_cut(p).switch_s == 11 * H + 30 * M


def test_bikes_with_different_breaks_get_the_plain_rule() -> None:
    """Breaks 11:30–13:30 (30 min) and 12:30–14:00 (45 min) on two bikes: a window closing
    after 11:30 closes 30 minutes earlier, one closing after 12:30 45 minutes earlier (the most
    either bike may owe before it); no window before 11:30 moves."""
    late = Break(TimeWindow(12 * H + 30 * M, 14 * H), 45 * M)
    p = _day([(9 * H, 17 * H)], [bike("b1", breaks=(LUNCH,)), bike("b2", breaks=(late,))])
    cut = break_cut(p)
    assert cut.switch_s is None
    assert cut.window(9 * H, 11 * H + 30 * M) == (9 * H, 11 * H + 30 * M)
    assert cut.window(9 * H, 12 * H) == (9 * H, 11 * H + 30 * M)
    assert cut.window(9 * H, 17 * H) == (9 * H, 16 * H + 15 * M)


def test_no_breaks_no_cut() -> None:
    """A fleet without breaks leaves every window as it is."""
    assert break_cut(_day([(9 * H, 17 * H)], [bike()])) is NO_CUT
    assert NO_CUT.window(9 * H, 17 * H) == (9 * H, 17 * H)


def _busy_lunch() -> Problem:
    """One bike (10:00–16:00, lunch break), 18 calls at one door every 10 minutes from 11:00
    to 13:50, each in a 5-minute window and taking 5 minutes: no slack for the break."""
    stops = [
        Stop(
            f"c{k:02d}",
            1,
            service_s=5 * M,
            windows=(TimeWindow(11 * H + 10 * M * k, 11 * H + 10 * M * k + 5 * M),),
        )
        for k in range(18)
    ]
    return line_problem([0, 1], stops, [bike(shift=TimeWindow(10 * H, 16 * H), breaks=(LUNCH,))])


def test_busy_round_rides_with_its_break() -> None:
    """The break costs two or three calls on a round with no slack. With shifts only shortened
    PyVRP plans all 18 calls and the round cannot ride once the break is placed; with windows
    closed early it plans 15 and the round rides as searched (the model keeps the calls up to
    13:25 and moves the three after it 30 minutes earlier, onto the 13:00, 13:10 and 13:20
    calls: one of each pair can be made)."""
    p = _busy_lunch()
    old = solve_day_pyvrp(p, 0.5, seed=1, exact_breaks=False)
    assert old.routes is not None
    assert sum(1 for r in old.routes for sid, _ in r.sequence if sid) == 18
    fin = Finisher(p, time.monotonic() + 5)
    assert isinstance(fin.time(0, [sid for sid, _ in old.routes[0].sequence]), Failure)
    new = solve_day_pyvrp(p, 0.5, seed=1)
    assert new.routes is not None
    assert sum(1 for r in new.routes for sid, _ in r.sequence if sid) == 15
    Finisher(p, time.monotonic() + 5).finish(new, approximate_breaks=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_pyvrp_plans_ride_with_their_breaks(problem: Problem) -> None:
    """Every round PyVRP plans on the day model rides as searched once its breaks are placed
    exactly, and keeps every other rule: finishing it as an exact engine's plan (no repair
    allowed) raises nothing. With shifts only shortened (the old model) this fails."""
    raw = solve_day_pyvrp(problem, 0.2, seed=1)
    assert raw.routes is not None
    Finisher(problem, time.monotonic() + 5).finish(raw, approximate_breaks=False)


def test_a_bike_without_the_break_keeps_the_real_opening() -> None:
    """When one bike has no break, a window after the break keeps its real opening on the
    model's clock (that bike would wait there, and be late for what follows), while its end
    still closes 30 minutes earlier."""
    p = _day([(11 * H, 13 * H), (9 * H, 17 * H)], [bike("b1", breaks=(LUNCH,)), bike("b2")])
    cut = break_cut(p)
    assert cut.switch_s == 13 * H
    assert cut.window(14 * H, 16 * H) == (14 * H, 15 * H + 30 * M)
