"""VROOM format in and out: reading, writing, round trips through the planner and the CLI.

The problems are small enough to check by hand: five places on a 600/900-second grid, a depot at
place 0, two bikes. Every answer is judged by the independent checker
``../shared/tools/vroom_check.py`` (run as a subprocess), which shares no code with ours.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import _register, app
from planner.formats.common import FormatError
from planner.formats.vroom import DEFAULT_PENALTY, read_vroom
from planner.formats.vroom_write import write_vroom
from planner.portfolio import RawResult, RawRoute, to_plan
from planner.problem import StopKind, TimeWindow
from planner.solve import SolveParams, solve
from planner.validate import explain_drop
from tests.conftest import SHARED

_register()
runner = CliRunner()
CHECKER = SHARED / "tools" / "vroom_check.py"

# Riding seconds and metres between places 0..4 (depot 0): 600 s / 2 km or 900 s / 3 km.
DURATIONS = [
    [0, 600, 900, 600, 900],
    [600, 0, 600, 900, 600],
    [900, 600, 0, 600, 900],
    [600, 900, 600, 0, 600],
    [900, 600, 900, 600, 0],
]
DISTANCES = [[d * 10 // 3 for d in row] for row in DURATIONS]
H8, H10, H11, H12 = 8 * 3600, 10 * 3600, 11 * 3600, 12 * 3600


def day() -> dict[str, Any]:
    """Two bikes 08:00-12:00. Bike 1 has skill 1 and a 30-minute break starting 10:00-10:30;
    bike 2 carries 4 units (jobs are 3) but may make 3 trips with a 5-minute reload. Jobs 1
    and 2 need skill 1, job 1 only early (08:00-08:30), job 2 only late (11:00-12:00), so bike
    1 is out during its break; job 3 has two windows; a shipment shares id 1 with job 1."""
    return {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "capacity": [10, 100],
                "skills": [1],
                "time_window": [H8, H12],
                "breaks": [{"id": 7, "time_windows": [[H10, H10 + 1800]], "service": 1800}],
            },
            {
                "id": 2,
                "start_index": 0,
                "end_index": 0,
                "capacity": [4, 100],
                "time_window": [H8, H12],
                "max_trips": 3,
                "reload_service": 300,
            },
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 300, "delivery": [3, 10],
             "skills": [1], "time_windows": [[H8, H8 + 1800]]},
            {"id": 2, "location_index": 2, "service": 300, "delivery": [3, 10],
             "skills": [1], "time_windows": [[H11, H12]]},
            {"id": 3, "location_index": 3, "service": 300, "delivery": [3, 10],
             "time_windows": [[H8, H8 + 600], [H8 + 5400, H10]]},
            {"id": 4, "location_index": 4, "service": 300, "delivery": [3, 10], "priority": 50,
             "time_windows": [[H8, H12]]},
        ],
        "shipments": [
            {"amount": [2, 5], "skills": [1],
             "pickup": {"id": 1, "location_index": 1, "service": 120, "time_windows": [[H8, H12]]},
             "delivery": {"id": 1, "location_index": 4, "service": 120,
                          "time_windows": [[H8, H12]]}},
        ],
        "matrices": {"bike": {"durations": DURATIONS, "distances": DISTANCES}},
    }  # fmt: skip


def check_with_vroom_checker(tmp_path: Path, problem: dict[str, Any], answer: Any) -> dict:
    """Run the independent checker; return its JSON verdict (exit status 0 means no violation)."""
    p, a = tmp_path / "problem.json", tmp_path / "answer.json"
    p.write_text(json.dumps(problem))
    a.write_text(answer if isinstance(answer, str) else json.dumps(answer))
    done = subprocess.run(
        [sys.executable, str(CHECKER), str(p), str(a)], capture_output=True, text=True, check=False
    )
    verdict = json.loads(done.stdout)
    assert done.returncode == 0, verdict
    return verdict


def hand_plan() -> tuple[Any, Any]:
    """The day planned by hand (times from the matrix above, see each line)."""
    vp = read_vroom(day())
    raw = RawResult(
        "hand",
        (
            RawRoute(
                0,
                (
                    ("job-1", H8 + 600),  # 08:10 after a 600 s ride
                    ("pickup-1", H8 + 900),  # same place, after job 1's 300 s
                    ("delivery-1", H8 + 1620),  # +120 service +600 ride
                    ("job-2", H11),  # rides 900 s, break 10:00-10:30, waits for 11:00
                ),
                H8,
                H11 + 300 + 900,
                ((H10, 1800),),
            ),
            RawRoute(
                1,
                (
                    ("job-3", H8 + 600),  # first window 08:00-08:10, reached 08:10
                    (None, H8 + 1500),  # +300 service +600 back to the depot
                    ("job-4", H8 + 2700),  # +300 reload +900 ride
                ),
                H8,
                H8 + 3900,  # +300 service +900 ride home
            ),
        ),
    )
    return vp, to_plan(vp.problem, raw, explain_drop, 0.0)


def steps_of(answer: dict[str, Any], vehicle: int) -> list[dict[str, Any]]:
    return next(r for r in answer["routes"] if r["vehicle"] == vehicle)["steps"]


# --- reading ---------------------------------------------------------------------------------


def test_reader_maps_ids_amounts_skills_windows_and_extensions() -> None:
    """Job 1 and shipment steps 1 become distinct stops; amounts fill weight then volume;
    skills become strings; priority 50 costs 51 priority-0 tasks; both windows of job 3 stay;
    max_trips / reload_service reach the bike; the break keeps its window and length."""
    vp = read_vroom(day())
    p = vp.problem
    assert {s.id for s in p.stops} == {"job-1", "job-2", "job-3", "job-4", "pickup-1", "delivery-1"}
    assert (vp.tasks["pickup-1"].type, vp.tasks["pickup-1"].id) == ("pickup", 1)
    assert (vp.tasks["job-1"].type, vp.tasks["job-1"].id) == ("job", 1)
    assert [(x.pickup_id, x.delivery_id) for x in p.pairs] == [("pickup-1", "delivery-1")]
    assert p.stop("pickup-1").kind is StopKind.PICKUP
    assert (p.stop("job-1").load.weight_g, p.stop("job-1").load.volume_ml) == (3, 10)
    assert p.stop("job-1").skills == frozenset({"1"})
    assert p.stop("job-4").penalty == DEFAULT_PENALTY * 51
    assert p.stop("job-3").penalty == DEFAULT_PENALTY
    assert p.stop("job-3").windows == (TimeWindow(H8, H8 + 600), TimeWindow(H8 + 5400, H10))
    bike1, bike2 = p.vehicles
    assert (bike2.max_trips, bike2.reload_s, bike2.capacity.weight_g) == (3, 300, 4)
    assert bike1.breaks[0].window == TimeWindow(H10, H10 + 1800)
    assert bike1.breaks[0].duration_s == 1800
    assert p.duration_s[1][2] == 600 and p.distance_m[1][4] == 2000


def test_legacy_amount_pickup_jobs_and_touching_break_windows() -> None:
    """VROOM reads a job's deprecated ``amount`` as a delivery; a job with ``pickup`` amounts
    is a pickup stop; break windows that touch are one window."""
    doc = day()
    doc["jobs"][2] = {"id": 3, "location_index": 3, "amount": [1, 2]}
    doc["jobs"][3] = {"id": 4, "location_index": 4, "pickup": [5, 6], "delivery": [0, 0]}
    doc["vehicles"][0]["breaks"][0]["time_windows"] = [[H10, H10 + 600], [H10 + 601, H11]]
    vp = read_vroom(doc)
    job = vp.problem.stop("job-3")
    assert job.kind is StopKind.DELIVERY and (job.load.weight_g, job.load.volume_ml) == (1, 2)
    job = vp.problem.stop("job-4")
    assert job.kind is StopKind.PICKUP and (job.load.weight_g, job.load.volume_ml) == (5, 6)
    assert vp.problem.vehicles[0].breaks[0].window == TimeWindow(H10, H11)


def test_open_route_ends_at_its_last_task() -> None:
    """A vehicle without ``end`` rides to a virtual place at no cost: its answer ends where the
    last task is, with no ride home in the distance."""
    doc = {
        "vehicles": [{"id": 5, "start_index": 0, "time_window": [H8, H12]}],
        "jobs": [{"id": 1, "location_index": 2, "service": 60}],
        "matrices": {"car": {"durations": DURATIONS, "distances": DISTANCES}},
    }
    vp = read_vroom(doc)
    plan = solve(vp.problem, SolveParams(time_limit_s=1, workers=1, use_pyvrp=False))
    answer = write_vroom(vp, plan, solving_s=0.0, violations=plan.check(vp.problem))
    assert answer["code"] == 0, answer.get("error")
    steps = steps_of(answer, 5)
    assert [s["type"] for s in steps] == ["start", "job", "end"]
    assert steps[-1]["location_index"] == 2  # the job's place, as VROOM reports it
    assert steps[-1]["arrival"] == steps[1]["arrival"] + steps[1]["waiting_time"] + 60
    assert answer["summary"]["distance"] == 3000  # depot -> place 2 only


# --- writing ---------------------------------------------------------------------------------


def test_writer_on_a_hand_plan_passes_the_checker(tmp_path: Path) -> None:
    """The hand plan written as VROOM: ids back to VROOM's, a break step at 10:00 before the
    ride to job 2, a reload step with the load reset to the next trip, totals that add up."""
    vp, plan = hand_plan()
    answer = write_vroom(vp, plan, solving_s=0.5)
    assert answer["code"] == 0
    bike1 = steps_of(answer, 1)
    assert [(s["type"], s.get("id")) for s in bike1] == [
        ("start", None), ("job", 1), ("pickup", 1), ("delivery", 1), ("break", 7), ("job", 2),
        ("end", None),
    ]  # fmt: skip
    brk, job2 = bike1[4], bike1[5]
    assert (brk["arrival"], brk["service"], brk["waiting_time"]) == (H10, 1800, 0)
    # After the break (10:30) the 900 s ride: arrives 10:45, waits 15 minutes for 11:00.
    assert (job2["arrival"], job2["waiting_time"]) == (H10 + 1800 + 900, 900)
    assert [s["load"] for s in bike1] == [
        [6, 20], [3, 10], [5, 15], [3, 10], [3, 10], [0, 0], [0, 0]
    ]  # fmt: skip
    bike2 = steps_of(answer, 2)
    assert [s["type"] for s in bike2] == ["start", "job", "reload", "job", "end"]
    assert [s["load"] for s in bike2] == [[3, 10], [0, 0], [3, 10], [0, 0], [0, 0]]
    assert bike2[2]["location_index"] == 0 and bike2[2]["service"] == 300
    s = answer["summary"]
    assert (s["duration"], s["distance"]) == (6000, 20000)
    assert s["service"] == (300 + 120 + 120 + 300 + 1800) + (300 + 300 + 300)
    # Bike 1 idles 5,460 s before its break and 900 s before job 2; bike 2 never waits.
    assert s["waiting_time"] == 5460 + 900
    assert s["delivery"] == [3 * 4 + 2, 4 * 10 + 5] and s["pickup"] == [2, 5]
    assert s["unassigned"] == 0 and answer["unassigned"] == []
    verdict = check_with_vroom_checker(tmp_path, day(), answer)
    assert verdict["planned"] == verdict["total"] == 6


def test_writer_lists_left_out_tasks_with_type_code_and_reason(tmp_path: Path) -> None:
    """Bike 2 alone without reloads: the unassigned come back with VROOM type and id, a code
    and a reason; shipment halves as ``pickup`` and ``delivery``."""
    vp, plan = hand_plan()
    plan = type(plan)(
        tuple(r for r in plan.routes if r.vehicle_id == "vehicle-2"),
        tuple(
            explain_drop(vp.problem, sid) for sid in ("job-1", "job-2", "pickup-1", "delivery-1")
        ),
        plan.summary,
    )
    answer = write_vroom(vp, plan, solving_s=0.0)
    left = {(u["type"], u["id"]): u for u in answer["unassigned"]}
    assert set(left) == {("job", 1), ("job", 2), ("pickup", 1), ("delivery", 1)}
    assert all(u["code"] and u["reason"] for u in left.values())
    assert left[("job", 2)]["location_index"] == 2
    check_with_vroom_checker(tmp_path, day(), answer)


def test_writer_reports_a_failed_check_loudly() -> None:
    """Violations from Plan.check make ``code`` 1 with an ``error`` that quotes them."""
    vp, plan = hand_plan()
    answer = write_vroom(vp, plan, solving_s=0.0, violations=["bike vehicle-1: something"])
    assert answer["code"] == 1 and "something" in answer["error"]


# --- round trips through the planner ---------------------------------------------------------


def test_round_trip_with_breaks_shipments_skills_windows_and_reloads(tmp_path: Path) -> None:
    """read -> solve -> write: all six tasks planned, the plan passes its own check and the
    independent checker (break in its window, pair on one trip, loads per trip, windows)."""
    vp = read_vroom(day())
    plan = solve(vp.problem, SolveParams(time_limit_s=2, workers=1, use_pyvrp=False))
    violations = plan.check(vp.problem)
    answer = write_vroom(vp, plan, solving_s=plan.summary.solve_s, violations=violations)
    assert violations == []
    verdict = check_with_vroom_checker(tmp_path, day(), answer)
    assert verdict["planned"] == 6, answer["unassigned"]
    reloads = [s for s in steps_of(answer, 2) if s["type"] == "reload"]
    assert len(reloads) >= 1  # 4 units of room, two jobs of 3: bike 2 must reload


def test_priority_decides_who_waits(tmp_path: Path) -> None:
    """One bike, room for one job of two: the priority-80 job is planned, the other waits."""
    doc = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [3],
                      "time_window": [H8, H12]}],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 60, "delivery": [3]},
            {"id": 2, "location_index": 3, "service": 60, "delivery": [3], "priority": 80},
        ],
        "shipments": [],
        "matrices": {"bike": {"durations": DURATIONS, "distances": DISTANCES}},
    }  # fmt: skip
    vp = read_vroom(doc)
    plan = solve(vp.problem, SolveParams(time_limit_s=1, workers=1, use_pyvrp=False))
    answer = write_vroom(vp, plan, solving_s=0.0, violations=plan.check(vp.problem))
    assert [(s["type"], s.get("id")) for s in steps_of(answer, 1)][1] == ("job", 2)
    assert [(u["type"], u["id"]) for u in answer["unassigned"]] == [("job", 1)]
    check_with_vroom_checker(tmp_path, doc, answer)


# --- bad input -------------------------------------------------------------------------------


def _set(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(day())
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _drop(path: list[Any]) -> dict[str, Any]:
    doc = copy.deepcopy(day())
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return doc


BAD = [
    (_set(["vehicles", 0, "breaks", 0, "time_windows"], [[H10, H10 + 60], [H11, H11 + 60]]),
     "vehicles[0].breaks[0].time_windows: "),
    (_set(["jobs", 1, "delivery"], [3]), "jobs[1].delivery: 1 dimensions"),
    (_set(["vehicles", 0, "capacity"], [1, 2, 3, 4]), "vehicles[0].capacity: 4 amount dimensions"),
    (_set(["jobs", 2, "priority"], 101), "jobs[2].priority: must be between 0 and 100"),
    (_set(["jobs", 0, "time_windows"], [[H12, H8]]), "jobs[0].time_windows[0]: starts at"),
    (_set(["shipments", 0, "pickup", "location_index"], 9),
     "shipments[0].pickup.location_index: 9 is outside"),
    (_set(["matrices", "bike", "durations", 2], [0, 1]), "matrices.bike.durations[2]: 2 values"),
    (_set(["matrices", "bike", "distances", 0, 1], -5), "matrices.bike.distances[0][1]: must be"),
    (_drop(["vehicles", 1, "end_index"]), "vehicles[1].max_trips: reload trips need an end"),
    (_set(["jobs", 3, "setup"], 60), "jobs[3].setup: "),
    (_set(["jobs", 0, "time_window"], [H8, H12]), "jobs[0].time_window: unknown key"),
    (_set(["jobs", 0, "pickup"], [1, 1]), "jobs[0]: both delivery and pickup"),
    (_set(["jobs", 1, "id"], 1), "jobs[1].id: job id 1 is used twice"),
    (_set(["vehicles", 1, "profile"], "bike"), "vehicles[1].profile: "),
    (_set(["vehicles", 0, "max_tasks"], 2), "vehicles[0].max_tasks: 2 would limit"),
    (_drop(["jobs", 0, "location_index"]), "jobs[0].location_index: missing"),
    (_set(["vehicles", 0, "skills"], ["cold"]), "vehicles[0].skills[0]: expected an integer"),
]  # fmt: skip


@pytest.mark.parametrize(("doc", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_input_names_the_field(doc: dict[str, Any], message: str) -> None:
    """Each malformed or unsupported field is refused with its path first."""
    with pytest.raises(FormatError) as caught:
        read_vroom(doc)
    assert str(caught.value).startswith(message), str(caught.value)


# --- the command line ------------------------------------------------------------------------


def test_cli_solves_a_vroom_file_and_writes_the_answer(tmp_path: Path) -> None:
    """``bakfiets solve FILE.json --out ANSWER.json``: exit 0, the answer passes the checker."""
    doc = day()
    del doc["vehicles"][0]["breaks"]
    f = tmp_path / "day.json"
    f.write_text(json.dumps(doc))
    out = tmp_path / "answer.json"
    args = ["solve", str(f), "--time-limit", "1", "--workers", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    verdict = check_with_vroom_checker(tmp_path, doc, out.read_text())
    assert verdict["planned"] == 6


def test_cli_bad_vroom_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    """A break with two separate windows: exit status 2, the field's path on stderr."""
    f = tmp_path / "day.json"
    f.write_text(json.dumps(BAD[0][0]))
    result = runner.invoke(app, ["solve", str(f), "--time-limit", "1"])
    assert result.exit_code == 2
    assert "vehicles[0].breaks[0].time_windows" in result.stderr


def test_cli_locations_without_osm_exits_2_naming_osm(tmp_path: Path) -> None:
    """Locations but no matrices and no --osm: exit 2 naming --osm."""
    f = tmp_path / "day.json"
    f.write_text(json.dumps(copenhagen_day()))
    result = runner.invoke(app, ["solve", str(f), "--time-limit", "1"])
    assert result.exit_code == 2
    assert "--osm" in result.stderr


# Real places in inner Copenhagen as VROOM writes them: [lon, lat].
HALMTORVET = [12.5612, 55.6699]
PLACES = {
    1: [12.5683, 55.6761],  # Rådhuspladsen
    2: [12.5903, 55.6797],  # Nyhavn
    3: [12.5856, 55.6804],  # Kongens Nytorv
    4: [12.5716, 55.6834],  # Nørreport
}


def copenhagen_day() -> dict[str, Any]:
    """One bike from Halmtorvet, three jobs and a shipment Nørreport -> Nyhavn, by location."""
    return {
        "vehicles": [{"id": 1, "start": HALMTORVET, "end": HALMTORVET, "capacity": [20],
                      "time_window": [H8, H12]}],
        "jobs": [{"id": j, "location": PLACES[j], "service": 120, "delivery": [2]}
                 for j in (1, 2, 3)],
        "shipments": [{"amount": [1],
                       "pickup": {"id": 9, "location": PLACES[4], "service": 60},
                       "delivery": {"id": 9, "location": PLACES[2], "service": 60}}],
    }  # fmt: skip


@pytest.mark.slow
def test_cli_locations_on_the_copenhagen_bike_graph(tmp_path: Path, osm_path: Path) -> None:
    """``--osm``: riding times on the real extract; every task planned, locations echoed
    lon-first, and the answer passes the checker against the same places as a matrix problem
    (matrix computed separately with maps.travel_matrix)."""
    from depot.settings import Settings
    from maps.geo import Point
    from maps.graph import load_graph
    from maps.matrix import travel_matrix
    from maps.profiles import get_profile

    doc = copenhagen_day()
    f = tmp_path / "cph.json"
    f.write_text(json.dumps(doc))
    out = tmp_path / "answer.json"
    args = ["solve", str(f), "--osm", str(osm_path), "--time-limit", "1", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    answer = json.loads(out.read_text())
    steps = steps_of(answer, 1)
    assert steps[0]["location"] == HALMTORVET
    for s in steps:
        if s["type"] == "job":
            assert s["location"] == PLACES[s["id"]]
    assert answer["summary"]["distance"] > 2000  # Halmtorvet to Nyhavn alone is over 2 km
    # The same day with matrices, places in order depot, 1, 2, 3, 4, for the checker.
    graph = load_graph(osm_path, get_profile("pedal"), cache_dir=Settings().cache_dir)
    order = [HALMTORVET, PLACES[1], PLACES[2], PLACES[3], PLACES[4]]
    m = travel_matrix(graph, [Point(lat=lat, lon=lon) for lon, lat in order])
    as_matrix = copy.deepcopy(doc)
    as_matrix["vehicles"][0].update(start_index=0, end_index=0)
    for j in as_matrix["jobs"]:
        j["location_index"] = j["id"]
    as_matrix["shipments"][0]["pickup"].update(location_index=4, time_windows=[[0, 10**9]])
    as_matrix["shipments"][0]["delivery"].update(location_index=2, time_windows=[[0, 10**9]])
    as_matrix["matrices"] = {"bike": {"durations": m.duration_s.round().astype(int).tolist()}}
    verdict = check_with_vroom_checker(tmp_path, as_matrix, answer)
    assert verdict["planned"] == verdict["total"] == 5


@pytest.mark.slow
def test_cli_location_off_the_network_names_the_field(tmp_path: Path, osm_path: Path) -> None:
    """A job in the Øresund, far from any bikeable way: exit 2 naming ``jobs[2].location``."""
    doc = copenhagen_day()
    doc["jobs"][2]["location"] = [12.70, 55.70]
    f = tmp_path / "cph.json"
    f.write_text(json.dumps(doc))
    result = runner.invoke(app, ["solve", str(f), "--osm", str(osm_path), "--time-limit", "1"])
    assert result.exit_code == 2
    assert "jobs[2].location: [12.7, 55.7]" in result.stderr
