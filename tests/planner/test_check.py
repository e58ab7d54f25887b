"""The independent plan check: one hand-built plan per kind of fault, each named in its message.

Every plan here is written out by hand on the straight street of ``street.py`` (1 km = 4 min =
1000 m, the depot at km 0), with every time, load and distance worked out in the comments, so
a reader can check each number without running any planner code. A correct plan passes; each
faulty one differs from a correct plan in exactly one way, and the message must say which bike,
which stop and which numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from planner.plan import Route, Unassigned
from planner.problem import (
    Break,
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
from tests.planner.check_builders import LUNCH, at, hm, only, plan_of, rnd
from tests.planner.street import bike, line_problem

# --------------------------------------------------------------------------- the street


def street(**bike_kw: Any) -> Problem:
    """A (km 1, 4 parcels) and B (km 2, 3 parcels), 2 min service each, a 10-parcel bike."""
    bike_kw.setdefault("capacity", Capacity(parcels=10))
    stops = [
        Stop("A", 1, load=Load(parcels=4), service_s=120),
        Stop("B", 2, load=Load(parcels=3), service_s=120),
    ]
    return line_problem([0, 1, 2], stops, [bike(**bike_kw)])


def street_round() -> Route:
    """Off 08:00 with 7 parcels; A 08:04–08:06 (3 left); B 08:10–08:12 (none); back 08:20; 4 km."""
    return rnd(
        hm(8),
        hm(8, 20),
        [
            at("A", 1, hm(8, 4), hm(8, 4), hm(8, 6), 3),
            at("B", 2, hm(8, 10), hm(8, 10), hm(8, 12), 0),
        ],
        4000,
        load_at_start=7,
    )


def test_correct_hand_built_plan_passes() -> None:
    """The round worked out by hand keeps every rule."""
    assert plan_of(street_round()).check(street()) == []


def test_wrong_place_fails_even_with_times_that_fit_it() -> None:
    """The plan puts A at km 2 and times it as if it were there; the check reads A's place (km 1)
    from the problem, so both the place and the times are wrong."""
    r = rnd(
        hm(8),
        hm(8, 20),
        [
            at("A", 2, hm(8, 8), hm(8, 8), hm(8, 10), 3),
            at("B", 2, hm(8, 10), hm(8, 10), hm(8, 12), 0),
        ],
        4000,
        load_at_start=7,
    )
    errors = plan_of(r).check(street())
    assert "b1: stop A is at place 1, the plan puts it at 2" in errors
    # Riding from A's true place (km 1) to B (km 2) takes 4 min: A left at 08:10, B at 08:14.
    assert (
        "b1: stop B arrival 08:10 in the plan, but leaving stop A at 08:10 and riding 4 min "
        "gets there at 08:14"
    ) in errors


def test_arrival_too_early() -> None:
    """A is reported reached at 08:03; 1 km from the depot at 08:00 means 08:04."""
    r = street_round()
    early = replace(r, visits=(replace(r.visits[0], arrival_s=hm(8, 3)), r.visits[1]))
    assert only(plan_of(early).check(street())) == (
        "b1: stop A arrival 08:03 in the plan, but leaving the depot at 08:00 and riding 4 min "
        "gets there at 08:04"
    )


def test_service_before_the_bike_can_be_there() -> None:
    """A reported reached and served at 08:03; it is 4 min from the depot, left at 08:00."""
    r = street_round()
    early = replace(
        r, visits=(replace(r.visits[0], arrival_s=hm(8, 3), start_s=hm(8, 3)), r.visits[1])
    )
    errors = plan_of(early).check(street())
    assert "b1: stop A service starts at 08:03, before the bike can be there (08:04)" in errors


def test_service_cut_short() -> None:
    """A's service (2 min) reported as ending at 08:05 instead of 08:06."""
    r = street_round()
    short = replace(r, visits=(replace(r.visits[0], end_s=hm(8, 5)), r.visits[1]))
    assert only(plan_of(short).check(street())) == (
        "b1: stop A ends at 08:05, but service from 08:04 takes 2 min (until 08:06)"
    )


def test_back_too_early() -> None:
    """B ends at 08:12, 2 km out: the bike cannot be back before 08:20."""
    back = replace(street_round(), end_s=hm(8, 19))
    errors = plan_of(back).check(street())
    assert (
        "b1: back at the depot at 08:19, but leaving stop B at 08:12 and riding 8 min gets it "
        "there at 08:20"
    ) in errors


def test_window_missed() -> None:
    """B must start by 08:09; the plan starts it at 08:10."""
    p = street()
    p = replace(p, stops=(p.stops[0], replace(p.stops[1], windows=(TimeWindow(hm(8), hm(8, 9)),))))
    assert only(plan_of(street_round()).check(p)) == (
        "b1: stop B starts at 08:10, outside its window 08:00–08:09"
    )


def test_shift() -> None:
    """The shift starts at 08:05; the round leaves at 08:00."""
    p = street(shift=TimeWindow(hm(8, 5), hm(16)))
    assert only(plan_of(street_round()).check(p)) == (
        "b1: leaves at 08:00, before its shift starts at 08:05"
    )


def test_shift_end() -> None:
    """The shift ends at 08:15; the round is back at 08:20."""
    p = street(shift=TimeWindow(hm(8), hm(8, 15)))
    assert only(plan_of(street_round()).check(p)) == (
        "b1: back at 08:20, after its shift ends at 08:15"
    )


def test_max_duration() -> None:
    """Rounds may last 15 min; this one lasts 20."""
    assert only(plan_of(street_round()).check(street(max_duration_s=900))) == (
        "b1: round 08:00–08:20 lasts 20 min, more than the 15 min allowed"
    )


def test_max_distance() -> None:
    """A 3 km battery; the round rides 4 km."""
    assert only(plan_of(street_round()).check(street(max_distance_m=3000))) == (
        "b1: rides 4 km, more than its range of 3 km"
    )


def test_reported_distance_is_recomputed() -> None:
    """The plan claims 3 km for a 4 km round."""
    r = replace(street_round(), distance_m=3000)
    errors = plan_of(r).check(street())
    assert errors == ["b1: distance 3000 m reported, 4000 m recomputed"]


def test_skills() -> None:
    """A needs a cold box; the bike has only a trailer."""
    p = street(skills=frozenset({"trailer"}))
    p = replace(p, stops=(replace(p.stops[0], skills=frozenset({"cold"})), p.stops[1]))
    assert only(plan_of(street_round()).check(p)) == ("b1: stop A needs cold; the bike has trailer")


def test_load_after_misreported() -> None:
    """After A the bike still has B's 3 parcels, not 4."""
    r = street_round()
    wrong = replace(r, visits=(replace(r.visits[0], load_after=Load(parcels=4)), r.visits[1]))
    assert only(plan_of(wrong).check(street())) == (
        "b1: load after stop A: the plan says 4 parcels, recomputed 3 parcels"
    )


def test_stop_served_twice() -> None:
    """A twice in a row (the second visit where the first left off), B left out with a reason."""
    r = rnd(
        hm(8),
        hm(8, 12),
        [at("A", 1, hm(8, 4), hm(8, 4), hm(8, 6), 4), at("A", 1, hm(8, 6), hm(8, 6), hm(8, 8), 0)],
        2000,
        load_at_start=8,
    )
    left = (Unassigned("B", "fleet_full", "the fleet's shifts are full"),)
    assert only(plan_of(r, unassigned=left).check(street())) == "stop A served twice (by b1 and b1)"


def test_stop_missing() -> None:
    """Only A is served and B is not listed as unassigned."""
    r = rnd(hm(8), hm(8, 10), [at("A", 1, hm(8, 4), hm(8, 4), hm(8, 6), 0)], 2000, load_at_start=4)
    assert only(plan_of(r).check(street())) == "stop B neither served nor listed as unassigned"


def test_unassigned_without_reason() -> None:
    """B is left out, but nobody says why."""
    r = rnd(hm(8), hm(8, 10), [at("A", 1, hm(8, 4), hm(8, 4), hm(8, 6), 0)], 2000, load_at_start=4)
    left = (Unassigned("B", "fleet_full", " "),)
    assert only(plan_of(r, unassigned=left).check(street())) == (
        "stop B unassigned without a code and a reason"
    )


def test_summary_must_agree_with_the_routes() -> None:
    """The summary claims 2 stops unassigned while the plan lists none."""
    plan = plan_of(street_round())
    plan = replace(plan, summary=replace(plan.summary, stops_unassigned=2))
    assert only(plan.check(street())) == "summary: stops unassigned 2, the plan gives 0"


def test_frozen_prefix_changed() -> None:
    """B was already done first; the plan starts with A."""
    p = replace(street(), frozen=(FrozenRoute("b1", ("B",)),))
    assert only(plan_of(street_round()).check(p)) == "b1: frozen visits B changed to A"


def test_frozen_visit_may_miss_its_window() -> None:
    """A frozen visit is done or under way: its passed window does not fail the plan."""
    p = street()
    late = replace(p.stops[0], windows=(TimeWindow(hm(7), hm(7, 30)),))
    p = replace(p, stops=(late, p.stops[1]), frozen=(FrozenRoute("b1", ("A",)),))
    assert plan_of(street_round()).check(p) == []
    unfrozen = replace(p, frozen=())
    assert only(plan_of(street_round()).check(unfrozen)) == (
        "b1: stop A starts at 08:04, outside its window 07:00–07:30"
    )


def test_unknown_bike() -> None:
    """A round for a bike the problem does not have."""
    r = replace(street_round(), vehicle_id="b9")
    errors = plan_of(r).check(street())
    assert "b9: no such bike in the problem" in errors


# --------------------------------------------------------------------------- trips


def trips_problem(capacity: int = 5, max_trips: int = 2) -> Problem:
    """A (km 1, 4 parcels), B (km 2, 3), C (km 3, 3); 2 min service; 5 min reload."""
    stops = [
        Stop("A", 1, load=Load(parcels=4), service_s=120),
        Stop("B", 2, load=Load(parcels=3), service_s=120),
        Stop("C", 3, load=Load(parcels=3), service_s=120),
    ]
    b = bike(capacity=Capacity(parcels=capacity), max_trips=max_trips, reload_s=300)
    return line_problem([0, 1, 2, 3], stops, [b])


def trips_round() -> Route:
    """Trip 1: A. Reload 08:10–08:15 with B+C (6 parcels). Trip 2: B 08:23, C 08:29, back 08:43.

    Distance 1 + 1 + 2 + 1 + 3 = 8 km.
    """
    return rnd(
        hm(8),
        hm(8, 43),
        [
            at("A", 1, hm(8, 4), hm(8, 4), hm(8, 6), 0),
            at(None, 0, hm(8, 10), hm(8, 10), hm(8, 15), 6),
            at("B", 2, hm(8, 23), hm(8, 23), hm(8, 25), 3),
            at("C", 3, hm(8, 29), hm(8, 29), hm(8, 31), 0),
        ],
        8000,
        load_at_start=4,
    )


def test_two_trips_pass() -> None:
    """With room for 6 parcels the two-trip round is correct."""
    assert plan_of(trips_round()).check(trips_problem(capacity=6)) == []


def test_capacity_over_on_trip_two_only() -> None:
    """Trip 1 carries 4 of 5 parcels; trip 2 leaves with 6."""
    assert only(plan_of(trips_round()).check(trips_problem(capacity=5))) == (
        "b1: 6 parcels aboard trip 2 leaving the depot, over the capacity of 5 parcels"
    )


def test_reload_at_the_wrong_place() -> None:
    """The reload is put at km 1 (A's place) instead of the depot."""
    r = trips_round()
    moved = replace(r, visits=(r.visits[0], replace(r.visits[1], place=1), *r.visits[2:]))
    errors = plan_of(moved).check(trips_problem(capacity=6))
    assert "b1: the reload is at place 0, the plan puts it at 1" in errors


def test_trips_over_max_trips() -> None:
    """Two trips for a bike allowed one (the 10-parcel bike would carry trip 2 fine)."""
    assert only(plan_of(trips_round()).check(trips_problem(capacity=10, max_trips=1))) == (
        "b1: 2 trips, at most 1 allowed"
    )


# --------------------------------------------------------------------------- pairs


def pair_problem(**bike_kw: Any) -> Problem:
    """Collect at shop (km 1, 2 parcels), hand over at home (km 2); a second bike b2."""
    bike_kw.setdefault("capacity", Capacity(parcels=10))
    bike_kw.setdefault("max_trips", 2)
    stops = [
        Stop("shop", 1, kind=StopKind.PICKUP, load=Load(parcels=2)),
        Stop("home", 2, load=Load(parcels=2)),
    ]
    return line_problem(
        [0, 1, 2], stops, [bike(**bike_kw), bike("b2")], pairs=[Pair("shop", "home")]
    )


def test_pair_done_right_passes() -> None:
    """shop 08:04 (2 aboard), home 08:08 (0), back 08:16, 4 km."""
    r = rnd(
        hm(8),
        hm(8, 16),
        [
            at("shop", 1, hm(8, 4), hm(8, 4), hm(8, 4), 2),
            at("home", 2, hm(8, 8), hm(8, 8), hm(8, 8), 0),
        ],
        4000,
    )
    assert plan_of(r).check(pair_problem()) == []


def test_pair_on_two_trips_of_one_bike() -> None:
    """shop 08:04 on trip 1, a reload 08:08 (the parcels stay aboard), home 08:16 on trip 2,
    back 08:24; 1 + 1 + 2 + 2 = 6 km."""
    r = rnd(
        hm(8),
        hm(8, 24),
        [
            at("shop", 1, hm(8, 4), hm(8, 4), hm(8, 4), 2),
            at(None, 0, hm(8, 8), hm(8, 8), hm(8, 8), 2),
            at("home", 2, hm(8, 16), hm(8, 16), hm(8, 16), 0),
        ],
        6000,
    )
    assert only(plan_of(r).check(pair_problem())) == (
        "b1: pair shop→home: pickup on trip 1, delivery on trip 2"
    )


def test_pair_delivered_before_pickup() -> None:
    """home at 08:08 (2 parcels handed over that were never collected), then shop at 08:12."""
    r = rnd(
        hm(8),
        hm(8, 16),
        [
            at("home", 2, hm(8, 8), hm(8, 8), hm(8, 8), -2),
            at("shop", 1, hm(8, 12), hm(8, 12), hm(8, 12), 0),
        ],
        4000,
    )
    assert only(plan_of(r).check(pair_problem())) == (
        "b1: pair shop→home: home delivered before shop picked up"
    )


def test_pair_on_two_bikes() -> None:
    """b1 collects at the shop, b2 hands over at home."""
    r1 = rnd(hm(8), hm(8, 8), [at("shop", 1, hm(8, 4), hm(8, 4), hm(8, 4), 2)], 2000)
    r2 = rnd(
        hm(8), hm(8, 16), [at("home", 2, hm(8, 8), hm(8, 8), hm(8, 8), -2)], 4000, vehicle_id="b2"
    )
    errors = plan_of(r1, r2).check(pair_problem())
    assert "pair shop→home: pickup on b1, delivery on b2" in errors


def test_pair_half_planned() -> None:
    """b1 collects at the shop; home is listed as unassigned, so the parcel rides back unowned."""
    r = rnd(hm(8), hm(8, 8), [at("shop", 1, hm(8, 4), hm(8, 4), hm(8, 4), 2)], 2000)
    left = (Unassigned("home", "window", "no bike reaches it in its window"),)
    assert only(plan_of(r, unassigned=left).check(pair_problem())) == (
        "b1: pair shop→home: only shop is planned"
    )


# --------------------------------------------------------------------------- engine plans


@pytest.fixture
def params() -> SolveParams:
    """One OR-Tools worker, a short search."""
    return SolveParams(time_limit_s=2.0, workers=1, use_pyvrp=False)


def test_solved_plan_with_reloads_passes(params: SolveParams) -> None:
    """Six 4-parcel deliveries on a 10-parcel bike with three trips: all served, checked clean."""
    stops = [Stop(f"s{i}", i, load=Load(parcels=4), service_s=60) for i in range(1, 7)]
    b = bike(capacity=Capacity(parcels=10), max_trips=3, reload_s=300)
    p = line_problem([0, 1, 2, 3, 1, 2, 3], stops, [b])
    plan = solve(p, params)
    assert plan.unassigned == ()  # the empty plan would also pass the check
    assert plan.routes[0].trips == 3
    assert plan.check(p) == []


def test_solved_plan_with_breaks_and_reloads_passes(params: SolveParams) -> None:
    """Morning and afternoon stops around a lunch window, two trips: lunch is taken, all served."""
    stops = [
        Stop(
            f"am{i}", i, load=Load(parcels=4), service_s=300, windows=(TimeWindow(hm(10), hm(12)),)
        )
        for i in (1, 2, 3)
    ] + [
        Stop(
            f"pm{i}", i, load=Load(parcels=4), service_s=300, windows=(TimeWindow(hm(12), hm(15)),)
        )
        for i in (1, 2, 3)
    ]
    b = bike(
        capacity=Capacity(parcels=12),
        max_trips=2,
        reload_s=600,
        breaks=(Break(TimeWindow(hm(11, 30), hm(13)), 1800),),
    )
    p = line_problem([0, 2, 3, 4], stops, [b])
    plan = solve(p, params)
    assert plan.unassigned == (), "the engine's plan failed its check (or the search failed)"
    route = plan.routes[0]
    assert route.trips == 2
    assert len(route.breaks) == 1
    assert plan.check(p) == []


def test_solved_plan_with_a_pair_and_a_break_passes(params: SolveParams) -> None:
    """A shop pair and a delivery, a lunch window the round spans: all served, lunch taken."""
    stops = [
        Stop("shop", 1, kind=StopKind.PICKUP, load=Load(parcels=2), service_s=120),
        Stop("home", 3, load=Load(parcels=2), service_s=120, windows=(TimeWindow(hm(13), hm(14)),)),
        Stop(
            "early", 2, load=Load(parcels=5), service_s=120, windows=(TimeWindow(hm(11), hm(12)),)
        ),
    ]
    b = bike(capacity=Capacity(parcels=10), breaks=(LUNCH,))
    p = line_problem([0, 1, 2, 3], stops, [b], pairs=[Pair("shop", "home")])
    plan = solve(p, params)
    assert plan.unassigned == ()
    assert len(plan.routes[0].breaks) == 1
    assert plan.check(p) == []
