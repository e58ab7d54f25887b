"""The independent plan check on breaks: each fault named in its message.

As in ``test_check.py``, every plan is written out by hand on the straight street of
``street.py`` (1 km = 4 min = 1000 m, the depot at km 0), times worked out in the comments.
"""

from __future__ import annotations

from dataclasses import replace

from planner.plan import Route, TakenBreak
from planner.problem import Break, Problem, Stop, TimeWindow
from tests.planner.check_builders import LUNCH, at, hm, only, plan_of, rnd
from tests.planner.street import bike, line_problem


def break_problem(*breaks: Break) -> Problem:
    """A (km 1, 2 min service) open 11:50–12:00, B (km 2, 20 min service) open 13:00–14:00."""
    stops = [
        Stop("A", 1, service_s=120, windows=(TimeWindow(hm(11, 50), hm(12)),)),
        Stop("B", 2, service_s=1200, windows=(TimeWindow(hm(13), hm(14)),)),
    ]
    return line_problem([0, 1, 2], stops, [bike(breaks=breaks)])


def lunch_round(*taken: TakenBreak, b_arrival: int = hm(11, 56)) -> Route:
    """Off 11:46; A 11:50–11:52; at B from 11:56, served 13:00–13:20; back 13:28; 4 km."""
    return rnd(
        hm(11, 46),
        hm(13, 28),
        [
            at("A", 1, hm(11, 50), hm(11, 50), hm(11, 52), 0),
            at("B", 2, b_arrival, hm(13), hm(13, 20), 0),
        ],
        4000,
        breaks=taken,
    )


def test_break_taken_while_waiting_passes() -> None:
    """Lunch 12:00–12:30 while waiting at B for its window."""
    assert plan_of(lunch_round(TakenBreak(hm(12), 1800))).check(break_problem(LUNCH)) == []


def test_break_taken_on_the_way_delays_the_arrival() -> None:
    """Lunch at 11:52, right after A (window 11:50–12:30 here): the bike reaches B at
    11:52 + 30 min + 4 min = 12:26, not at 11:56. Reported as 12:26 the plan passes; reported
    as 11:56 it fails."""
    early_lunch = Break(TimeWindow(hm(11, 50), hm(12, 30)), 1800)
    p = break_problem(early_lunch)
    r = lunch_round(TakenBreak(hm(11, 52), 1800), b_arrival=hm(12, 26))
    assert plan_of(r).check(p) == []
    r = lunch_round(TakenBreak(hm(11, 52), 1800))
    errors = plan_of(r).check(p)
    assert (
        "b1: stop B arrival 11:56 in the plan, but leaving stop A at 11:52 and riding 4 min "
        "with 30 min of breaks gets there at 12:26"
    ) in errors


def test_break_outside_its_window() -> None:
    """Lunch (start 12:00–12:30) taken at 11:56, on arrival at B."""
    plan = plan_of(lunch_round(TakenBreak(hm(11, 56), 1800)))
    assert only(plan.check(break_problem(LUNCH))) == (
        "b1: break 11:56–12:26 (30 min) starts outside its window 12:00–12:30"
    )


def test_break_not_taken_although_the_round_overlaps_its_window() -> None:
    """The round runs 11:46–13:28 right across the lunch window, without lunch."""
    assert only(plan_of(lunch_round()).check(break_problem(LUNCH))) == (
        "b1: break 12:00–12:30 (30 min) not taken although the round runs 11:46–13:28"
    )


def test_break_may_be_left_out_when_the_round_misses_its_window() -> None:
    """Only A (11:50–11:52), back 11:56: the round is over before lunch can start."""
    p = replace(break_problem(LUNCH), stops=break_problem(LUNCH).stops[:1])
    r = rnd(hm(11, 46), hm(11, 56), [at("A", 1, hm(11, 50), hm(11, 50), hm(11, 52), 0)], 2000)
    assert plan_of(r).check(p) == []


def test_break_taken_after_the_round_ended() -> None:
    """A at 12:00–12:02, back 12:06; lunch 12:06–12:36 is after the round, which overlaps the
    window and so must include it."""
    p = replace(
        break_problem(LUNCH),
        stops=(Stop("A", 1, service_s=120, windows=(TimeWindow(hm(12), hm(12, 10)),)),),
    )
    r = rnd(
        hm(11, 56),
        hm(12, 6),
        [at("A", 1, hm(12), hm(12), hm(12, 2), 0)],
        2000,
        breaks=(TakenBreak(hm(12, 6), 1800),),
    )
    assert only(plan_of(r).check(p)) == (
        "b1: break 12:06–12:36 taken outside the round 11:56–12:06"
    )


def test_two_breaks_matched_to_one_window() -> None:
    """One lunch is due, two are taken (12:00 and 12:30), both starting inside its window."""
    plan = plan_of(lunch_round(TakenBreak(hm(12), 1800), TakenBreak(hm(12, 30), 1800)))
    assert only(plan.check(break_problem(LUNCH))) == (
        "b1: break 12:30–13:00 (30 min) is a second break for the window 12:00–12:30"
    )


def test_two_breaks_of_one_length_are_matched_to_their_own_windows() -> None:
    """Two 15-min breaks due, 11:00–11:30 and 12:00–12:30; both taken in the noon window.

    Count and lengths agree, but the morning break is missing."""
    morning = Break(TimeWindow(hm(11), hm(11, 30)), 900)
    noon = Break(TimeWindow(hm(12), hm(12, 30)), 900)
    p = break_problem(morning, noon)
    r = replace(
        lunch_round(TakenBreak(hm(12), 900), TakenBreak(hm(12, 15), 900)), start_s=hm(11, 20)
    )
    r = replace(
        r, visits=(replace(r.visits[0], arrival_s=hm(11, 24), start_s=hm(11, 50)), r.visits[1])
    )
    plan = plan_of(r)
    errors = plan.check(p)
    assert "b1: break 12:15–12:30 (15 min) is a second break for the window 12:00–12:30" in errors
    assert "b1: break 11:00–11:30 (15 min) not taken although the round runs 11:20–13:28" in errors


def test_breaks_are_matched_so_that_each_window_gets_one() -> None:
    """15-min breaks due 12:00–13:00 and 12:00–12:10, taken at 12:05 and 12:40: the 12:05 one
    must serve the narrow window, the 12:40 one the wide window (a first-fit matching would give
    12:05 to the wide window and call the narrow one not taken)."""
    wide = Break(TimeWindow(hm(12), hm(13)), 900)
    narrow = Break(TimeWindow(hm(12), hm(12, 10)), 900)
    plan = plan_of(lunch_round(TakenBreak(hm(12, 5), 900), TakenBreak(hm(12, 40), 900)))
    assert plan.check(break_problem(wide, narrow)) == []


def test_break_overlapping_a_service() -> None:
    """Lunch (start 12:00–13:30 here) at 12:45–13:15 runs into B's service from 13:00."""
    p = break_problem(Break(TimeWindow(hm(12), hm(13, 30)), 1800))
    assert only(plan_of(lunch_round(TakenBreak(hm(12, 45), 1800))).check(p)) == (
        "b1: break 12:45–13:15 overlaps the service at stop B (13:00–13:20)"
    )


def test_two_breaks_overlapping() -> None:
    """A 30-min and a 15-min break, both due 12:00–12:30, taken at 12:00 and 12:10."""
    p = break_problem(LUNCH, Break(TimeWindow(hm(12), hm(12, 30)), 900))
    plan = plan_of(lunch_round(TakenBreak(hm(12), 1800), TakenBreak(hm(12, 10), 900)))
    assert only(plan.check(p)) == "b1: breaks 12:00–12:30 and 12:10–12:25 overlap"
