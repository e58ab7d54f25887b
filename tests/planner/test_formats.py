"""Benchmark readers: the text layouts, scaling, pairs, exact distance, and one real instance."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from planner.formats import SCALE, euclidean_distance, read_instance
from planner.formats.bks import find_bks
from planner.formats.common import FormatError, exact_time_check
from planner.problem import StopKind, TimeWindow
from planner.solve import SolveParams, solve

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2          10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME

    0      0          0          0          0       100          0
    1      3          4          5          0        50          2
    2      0          1          6         10        20          1
"""

LILIM = """2\t10\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t4\t4\t0\t50\t1\t0\t2
2\t6\t8\t-4\t0\t90\t1\t1\t0
"""


def test_solomon_layout_scaled(tmp_path: Path) -> None:
    """Customers become deliveries; times and distances are multiplied by SCALE."""
    f = tmp_path / "tiny.txt"
    f.write_text(SOLOMON)
    p = read_instance(f)
    assert [s.id for s in p.stops] == ["1", "2"]
    assert p.stops[0].load.parcels == 5
    assert p.stops[1].windows[0].start_s == 10 * SCALE
    assert p.distance_m[0][1] == 5 * SCALE
    assert len(p.vehicles) == 2 and p.vehicles[0].capacity.parcels == 10
    assert p.vehicles[0].shift.end_s == 100 * SCALE
    assert p.minimise_vehicles


def test_lilim_layout_pairs(tmp_path: Path) -> None:
    """Positive demand is a pickup paired with its delivery row."""
    f = tmp_path / "lc999.txt"
    f.write_text(LILIM)
    p = read_instance(f)
    assert p.stops[0].kind is StopKind.PICKUP and p.stops[1].kind is StopKind.DELIVERY
    assert [(x.pickup_id, x.delivery_id) for x in p.pairs] == [("1", "2")]


def test_exact_distance_is_unrounded(tmp_path: Path) -> None:
    """Depot → (3,4) → (0,1) → depot is 5 + √18 + 1, recomputed in double precision."""
    f = tmp_path / "tiny.txt"
    f.write_text(SOLOMON)
    p = read_instance(f)
    plan = solve(p, SolveParams(time_limit_s=0.5, workers=1, use_pyvrp=False))
    assert plan.check(p) == []
    assert plan.summary.vehicles_used == 2  # 11 parcels on 10-parcel bikes
    assert euclidean_distance(p, plan) == pytest.approx(2 * 5 + 2 * 1)


def test_garbage_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A file in neither layout raises FormatError with the path in the message."""
    f = tmp_path / "notes.txt"
    f.write_text("hello\nworld\n")
    with pytest.raises(FormatError, match=r"notes\.txt"):
        read_instance(f)


def test_broken_row_is_refused(tmp_path: Path) -> None:
    """A customer row with missing fields names the line."""
    f = tmp_path / "bad.txt"
    f.write_text(
        SOLOMON.replace("    2      0          1          6         10        20", "    2 0")
    )
    with pytest.raises(FormatError, match="line"):
        read_instance(f)


def test_every_shipped_instance_reads(benchmarks_dir: Path) -> None:
    """All 172 files parse, and each has a BKS row."""
    files = sorted(benchmarks_dir.glob("*/*.txt"))
    assert len(files) == 172
    for f in files:
        p = read_instance(f)
        assert len(p.stops) >= 100
        assert find_bks(f) is not None


@pytest.mark.slow
def test_solomon_r101_solved_feasibly(benchmarks_dir: Path) -> None:
    """R101 (tight windows; PATH_CHEAPEST_ARC fails on it) gets a feasible plan serving all."""
    f = benchmarks_dir / "solomon" / "R101.txt"
    p = read_instance(f)
    plan = solve(p, SolveParams(time_limit_s=5, workers=1, use_pyvrp=False))
    assert plan.check(p) == []
    assert not plan.unassigned
    bks = find_bks(f)
    assert bks is not None
    assert bks.vehicles <= plan.summary.vehicles_used <= 25
    assert euclidean_distance(p, plan) >= bks.distance * 0.999


def test_exact_time_check_catches_a_late_visit(tmp_path: Path) -> None:
    """A visit pushed past its due date in exact arithmetic is reported; the solver's is not."""
    f = tmp_path / "tiny.txt"
    f.write_text(SOLOMON)
    p = read_instance(f)
    plan = solve(p, SolveParams(time_limit_s=0.5, workers=1, use_pyvrp=False))
    assert exact_time_check(p, plan) == []
    tight = replace(p, stops=(p.stops[0], replace(p.stops[1], windows=(TimeWindow(0, 500),))))
    assert any("too late" in e for e in exact_time_check(tight, plan))
