"""The demo day after its morning plan: the depot runs it to the end, through the API.

The combined plan of the morning delivers what it can straight away: depot → customer for the
parcels dropped off at the depot, shop → customer pairs for a customer whose parcels all wait at
one collected shop. A customer whose parcels come from several shops, some collected by bike,
waits for the depot (``via_depot``): the morning rounds collect those parcels and bring them
back. The depot then does what it would do on a real day:

1. in the morning, the drop-off shops' parcels arrive and are scanned in (``POST /scans``);
2. each round, when it is due to leave, is loaded (``POST /rounds/{id}/load-out`` with its
   parcels' codes) and started (``POST /rounds/{id}/start``);
3. when rounds bring back parcels of via-depot orders, those are scanned in and the day is
   planned again from that time (``POST /plans`` with ``now``): the started rounds stay as they
   are, and the via-depot customers go out from the depot in later rounds, on bikes back by
   then. Returns within :data:`MERGE_S` of each other make one re-plan, at most
   :data:`MAX_REPLANS` in all (the last waits for every return), and none before a bike is
   back at the depot to take them.

What still cannot be delivered (a window already over when the parcels are in, no bike left)
stays unassigned with the planner's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from depot.contracts import format_clock

#: Returns at most this far apart (seconds) are scanned in and re-planned together.
MERGE_S = 3600
#: Re-plans of the day at most; the last waits until every collecting round is back.
MAX_REPLANS = 3
SCAN_BATCH = 500

Plan = dict[str, Any]
Say = Callable[[str], None]


class Caller(Protocol):
    """What the demo's HTTP client offers (:class:`api.demo_run.Api`)."""

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> Any: ...


@dataclass(frozen=True)
class Wave:
    """One re-plan of the day: when, what had come back, and the plan it made."""

    at_s: int
    parcels_in: int
    orders_in: int
    plan_id: int
    version: int
    planned: int
    still_out: int


def clock_s(stamp: str) -> int:
    """Seconds after local midnight of an ISO time of the plan's date."""
    moment = datetime.fromisoformat(stamp)
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def via_depot(plan: Plan) -> dict[int, int]:
    """The parcels of the plan's via-depot stops, with the order of each."""
    return {
        parcel_id: item["order_ids"][0]
        for item in plan["unassigned"]
        if item["code"] == "via_depot"
        for parcel_id in item["parcel_ids"]
    }


def delivered_orders(plan: Plan) -> set[int]:
    """The orders on the plan's delivery stops."""
    return {
        order_id
        for round_ in plan["rounds"]
        for stop in round_["stops"]
        if stop["kind"] == "delivery"
        for order_id in stop["order_ids"]
    }


def returns(rounds: Iterable[dict[str, Any]], parcel_ids: set[int]) -> dict[int, int]:
    """When each of ``parcel_ids`` collected on one of ``rounds`` reaches the depot: the end of
    the trip of the pickup stop carrying it (the next reload, or the round's end)."""
    back: dict[int, int] = {}
    for round_ in rounds:
        stops = round_["stops"]
        for n, stop in enumerate(stops):
            if stop["kind"] != "pickup":
                continue
            reload = next((s for s in stops[n + 1 :] if s["kind"] == "reload"), None)
            at_s = clock_s(reload["eta"] if reload else round_["end"])
            for parcel_id in stop["parcel_ids"]:
                if parcel_id in parcel_ids:
                    back[parcel_id] = at_s
    return back


def first_free_s(rounds: Sequence[dict[str, Any]], at_s: int) -> int:
    """``at_s`` if a bike of ``rounds`` is at the depot then (no round under way), else when
    the first one is back: a re-plan before that could give nobody anything."""
    busy: dict[str, int] = {}
    for round_ in rounds:
        end_s = clock_s(round_["end"])
        if clock_s(round_["start"]) <= at_s < end_s:
            busy[round_["vehicle"]] = max(busy.get(round_["vehicle"], 0), end_s)
    if {r["vehicle"] for r in rounds} - set(busy):
        return at_s
    return min(busy.values())


def scan_in(depot: Caller, codes: list[str]) -> None:
    """Scan parcels in at the depot, :data:`SCAN_BATCH` codes a request."""
    for start in range(0, len(codes), SCAN_BATCH):
        depot.ok("POST", "/api/v1/scans", {"codes": codes[start : start + SCAN_BATCH]})


def send_out(
    depot: Caller, plan: Plan, until_s: int, started: list[dict[str, Any]], say: Say
) -> None:
    """Load and start every round of ``plan`` leaving by ``until_s`` (not started yet); each
    is added to ``started`` as its courier got it."""
    for round_ in plan["rounds"]:
        if round_["started"] or clock_s(round_["start"]) > until_s:
            continue
        stops = [s for s in round_["stops"] if s["kind"] != "reload"]
        collected = {c for s in stops if s["kind"] == "pickup" for c in s["label_codes"]}
        load = [c for s in stops if s["kind"] == "delivery" for c in s["label_codes"]]
        answer = depot.ok(
            "POST",
            f"/api/v1/rounds/{round_['id']}/load-out",
            {"codes": [c for c in load if c not in collected]},
        )
        if not answer["released"]:
            say(f"{round_['vehicle']}: load-out {answer['message']}")
        depot.ok("POST", f"/api/v1/rounds/{round_['id']}/start")
        started.append(round_)


def run_day(
    depot: Caller,
    plan: Plan,
    *,
    codes: dict[int, str],
    dropped_off: list[int],
    time_limit_s: int,
    wait: Callable[[int], Plan],
    say: Say,
) -> tuple[Plan, list[Wave]]:
    """Run the day after its first plan (see the module docstring); the last plan and the
    re-plans made.

    Parameters
    ----------
    depot : Caller
        The depot desk's API client.
    plan : dict
        The day's first (combined) plan, done.
    codes : dict
        Label code of every parcel of the day, by parcel id.
    dropped_off : list of int
        The parcels the drop-off shops bring to the depot in the morning.
    time_limit_s : int
        Search time of each re-plan.
    wait : callable
        Waits for a plan by id and returns it, done.
    say : callable
        Progress lines.
    """
    day = date.fromisoformat(plan["date"])
    scan_in(depot, [codes[p] for p in dropped_off])
    say(f"morning: {len(dropped_off)} parcels dropped off by shops scanned in at the depot")
    waiting = set(via_depot(plan).values())
    started: list[dict[str, Any]] = []
    scanned: set[int] = set()
    waves: list[Wave] = []
    for n in range(MAX_REPLANS):
        out = {p: o for p, o in via_depot(plan).items() if p not in scanned}
        # Started rounds as their couriers got them; a re-plan keeps them (its own times for
        # them are not what the courier rides).
        rounds = started + [r for r in plan["rounds"] if not r["started"]]
        back = returns(rounds, set(out))
        if not back:
            break
        first = min(back.values())
        at_s = max(back.values()) if n == MAX_REPLANS - 1 else first + MERGE_S
        at_s = first_free_s(rounds, max(t for t in back.values() if t <= at_s))
        send_out(depot, plan, at_s, started, say)
        arrived = sorted(p for p, t in back.items() if t <= at_s)
        scan_in(depot, [codes[p] for p in arrived])
        scanned.update(arrived)
        body = {
            "date": day.isoformat(),
            "kind": "combined",
            "time_limit_s": time_limit_s,
            "now": format_clock(at_s),
        }
        plan = wait(depot.ok("POST", "/api/v1/plans", body)["id"])
        wave = Wave(
            at_s,
            len(arrived),
            len({out[p] for p in arrived}),
            plan["id"],
            plan["version"],
            len(delivered_orders(plan) & waiting),
            len(set(via_depot(plan).values())),
        )
        waves.append(wave)
        say(
            f"{format_clock(at_s)}: {wave.parcels_in} parcels of {wave.orders_in} via-depot "
            f"orders back and scanned in; plan v{wave.version}: {wave.planned} of "
            f"{len(waiting)} via-depot orders on delivery rounds, {wave.still_out} waiting"
        )
    return plan, waves
