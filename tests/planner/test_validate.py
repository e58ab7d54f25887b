"""Every unassigned reason: found before solving, in a depot worker's words, kept in the plan."""

from __future__ import annotations

from planner.problem import (
    Capacity,
    FrozenRoute,
    Load,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
)
from planner.solve import SolveParams, solve
from planner.validate import clock, explain_drop, validate
from tests.planner.street import H, bike, line_problem


def test_too_heavy_for_every_bike() -> None:
    """120 kg against bikes of 100 and 80 kg: capacity, naming the largest bike."""
    stops = [Stop("piano", 1, load=Load(weight_g=120_000))]
    bikes = [bike("b1", capacity=Capacity(weight_g=100_000)), bike("b2", capacity=Capacity(80_000))]
    [u] = validate(line_problem([0, 1], stops, bikes))
    assert (u.stop_id, u.code) == ("piano", "capacity")
    assert u.reason == "120 kg is more than the largest bike carries (100 kg)"


def test_window_that_cannot_be_reached() -> None:
    """Shift from 09:00, the stop 5.5 km away (22 min): window 09:00–09:15 is out of reach."""
    stops = [Stop("early", 1, windows=(TimeWindow(9 * H, 9 * H + 900),))]
    b = bike(shift=TimeWindow(9 * H, 17 * H))
    p = Problem.from_matrices(
        duration_s=[[0, 1320], [1320, 0]],
        distance_m=[[0, 5500], [5500, 0]],
        stops=stops,
        vehicles=[b],
    )
    [u] = validate(p)
    assert u.code == "window"
    assert u.reason == (
        "window 09:00–09:15 of stop early cannot be reached: earliest arrival 09:22"
    )


def test_skill_nobody_has() -> None:
    """A stop needing a cold box when no bike has one."""
    stops = [Stop("fish", 1, skills=frozenset({"cold"}))]
    [u] = validate(line_problem([0, 1], stops, [bike(skills=frozenset({"trailer"}))]))
    assert (u.code, u.reason) == ("skill", "no bike has skill 'cold'")


def test_round_trip_beyond_range() -> None:
    """A stop 8 km out is a 16 km round trip; the battery lasts 12 km."""
    stops = [Stop("far", 1)]
    [u] = validate(line_problem([0, 8], stops, [bike(max_distance_m=12_000)]))
    assert u.code == "distance"
    assert "16.0 km" in u.reason and "12.0 km" in u.reason


def test_no_time_to_come_back_before_the_shift_ends() -> None:
    """A 2-hour service at 15:00 cannot end before a 16:00 shift end."""
    stops = [Stop("long", 1, service_s=2 * H, windows=(TimeWindow(15 * H, 15 * H + 600),))]
    [u] = validate(line_problem([0, 1], stops, [bike()]))
    assert u.code == "shift"
    assert "16:00" in u.reason


def test_pair_partner_goes_with_the_impossible_half() -> None:
    """The delivery needs a cold box nobody has, so its pickup is unassigned too, saying why."""
    stops = [
        Stop("shop", 1, kind=StopKind.PICKUP),
        Stop("home", 2, skills=frozenset({"cold"})),
    ]
    found = validate(line_problem([0, 1, 2], stops, [bike()], pairs=[Pair("shop", "home")]))
    by_id = {u.stop_id: u for u in found}
    assert by_id["home"].code == "skill"
    assert by_id["shop"].code == "pair"
    assert "home" in by_id["shop"].reason


def test_frozen_stops_are_never_reported() -> None:
    """A visit already under way stays, even if its window has passed."""
    stops = [Stop("doing", 1, windows=(TimeWindow(7 * H, 7 * H + 60),))]
    p = line_problem([0, 1], stops, [bike()], frozen=[FrozenRoute("b1", ("doing",))])
    assert validate(p) == []


def test_a_possible_stop_passes() -> None:
    """Control: a reachable, light, skill-free stop is not reported."""
    assert validate(line_problem([0, 1], [Stop("ok", 1, load=Load(weight_g=1))], [bike()])) == []


def test_dropped_stop_that_fits_alone_proves_nothing() -> None:
    """explain_drop on a stop an empty bike could serve claims no full fleet: nothing is proved."""
    p = line_problem([0, 1], [Stop("ok", 1)], [bike()])
    u = explain_drop(p, "ok")
    assert u.code == "search_time"
    assert "no reason was proved" in u.reason


def test_solve_names_the_bike_and_the_window_that_blocks_a_stop() -> None:
    """One bike, one slot 10:00–10:05 wanted by two 10-minute stops, one stop too heavy.

    By hand: after the first stop the bike is free at 10:10, after the slot ends at 10:05, so
    the second stop does not fit: the reason names the bike, both clock times, and is no_fit
    (a window, not a full shift, blocks it).
    """
    slot = (TimeWindow(10 * H, 10 * H + 300),)
    stops = [
        Stop("a", 1, service_s=600, windows=slot),
        Stop("b", 1, service_s=600, windows=slot),
        Stop("heavy", 1, load=Load(weight_g=200_000)),
    ]
    p = line_problem([0, 1], stops, [bike(capacity=Capacity(weight_g=100_000))])
    plan = solve(p, SolveParams(time_limit_s=1, workers=1, use_pyvrp=False))
    assert plan.check(p) == []
    by_code = {u.code: u for u in plan.unassigned}
    assert sorted(by_code) == ["capacity", "no_fit"]
    assert "b1 would arrive" in by_code["no_fit"].reason
    assert "at 10:10, after its window ends at 10:05" in by_code["no_fit"].reason
    assert plan.summary.stops_served == 1


def test_full_shift_is_proved_by_trying_every_place() -> None:
    """A 08:00–09:20 shift and two 40-minute stops 1 km out: the second breaks the shift.

    By hand: the totals prove nothing (80 min of service fit 80 min of shift), but two stops take
    4 + 40 + 40 + 4 = 88 min, back at 09:28 > 09:20: every place tried breaks the shift, so the
    stop is fleet_full and the reason names the bike and its return time.
    """
    stops = [Stop("x", 1, service_s=2400), Stop("y", 1, service_s=2400)]
    p = line_problem([0, 1], stops, [bike(shift=TimeWindow(8 * H, 9 * H + 1200))])
    plan = solve(p, SolveParams(time_limit_s=1, workers=1, use_pyvrp=False))
    assert plan.check(p) == []
    [u] = plan.unassigned
    assert u.code == "fleet_full"
    assert "b1 would be back at 09:28, after its shift ends at 09:20" in u.reason


def test_ran_out_of_time_is_said_plainly() -> None:
    """A finisher whose deadline has passed tries nothing: every stop is search_time, not full."""
    from planner.finish import Finisher
    from planner.portfolio import RawResult
    from planner.reasons import explain_left_out

    p = line_problem([0, 1, 2], [Stop("x", 1), Stop("y", 2)], [bike()])
    fin = Finisher(p, deadline=0.0).finish(RawResult("none", ()))
    assert sorted(fin.dropped) == ["x", "y"]
    u = explain_left_out(p, "x", fin.attempts.get("x"), bound=None, extra_bike_took=True)
    assert u.code == "search_time"
    assert "ran out of time" in u.reason and "one more bike would take it" in u.reason


def test_clock_format() -> None:
    """Seconds since midnight print as HH:MM."""
    assert clock(9 * H + 22 * 60 + 59) == "09:22"
