"""A date's rounds as the checkout sees them: the current plan, and what was booked since.

A :class:`SlotDay` holds, in memory, the planner's problem of one date (its bikes, the stops of
the current plan and their riding times on the bike network) and each bike's round as planned.
Stops booked after the plan (later orders, held slots) are put into the rounds one by one
where they first fit, so the room they take is counted. A new address is then checked per
delivery window by trying its stop in every round (:func:`planner.insertion.first_insertion`):
a window is offered only when some round provably rides with the stop in it, every other stop
kept in its window. Nothing here touches the database (:mod:`depot.slots` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from depot.consolidation import DOOR_PER_PARCEL_S, DOOR_S
from depot.day import clock
from depot.planning import PreparedDay
from maps.graph import BikeGraph
from maps.probe import PointProbe, RowColumn
from maps.snap import Snap
from planner.insertion import RoundSlack, first_insertion, without_idle_reloads
from planner.matrix import Matrix
from planner.problem import Load, Problem, Stop, StopKind, TimeWindow
from planner.reasons import closest
from planner.schedule import Failure, RouteTimer, check_static

Window = tuple[int, int]


@dataclass(frozen=True)
class Goods:
    """What a stop hands over: grams, millilitres and parcels."""

    weight_g: int
    volume_ml: int
    parcels: int

    @property
    def service_s(self) -> int:
        """Time at the door (as consolidation counts it for a delivery stop)."""
        return DOOR_S + DOOR_PER_PARCEL_S * max(0, self.parcels - 1)


@dataclass(frozen=True)
class Extra:
    """A delivery booked after the plan was made: a later order or a held slot.

    ``id`` is ``order-<id>`` or ``hold-<id>``; ``snap`` is where it joins the network (``None``:
    beyond the snap limit, so it takes no room and is reported).
    """

    id: str
    snap: Snap | None
    windows: tuple[Window, ...]
    goods: Goods


@dataclass(frozen=True)
class WindowAnswer:
    """One delivery window for one address: offered or not, and why not.

    ``bike`` is the bike whose round takes the stop when it is offered (``vehicle`` index too).
    """

    start_s: int
    end_s: int
    available: bool
    code: str | None = None
    reason: str | None = None
    bike: str | None = None
    vehicle: int | None = None
    sequence: tuple[str | None, ...] = ()


class SlotDay:
    """The rounds of one date with the stops booked since its plan (see the module docstring).

    Parameters
    ----------
    graph : BikeGraph
    prepared : PreparedDay
        The plan's stops and the fleet on the network (``prepare_day``, ``now_s`` unset).
    sequences : dict of str to list of (str or None)
        Each bike's planned round by vehicle id (``None``: a reload at the depot).
    key : tuple
        What the day was built from (plan id, fleet): a different key means rebuild.
    """

    def __init__(
        self,
        graph: BikeGraph,
        prepared: PreparedDay,
        sequences: dict[str, list[str | None]],
        key: tuple[object, ...],
    ) -> None:
        self.key = key
        self.problem = prepared.problem
        self.probe = PointProbe(graph, prepared.snaps)
        self.dur = np.array(self.problem.duration_s.array)
        self.dist = np.array(self.problem.distance_m.array)
        known = {s.id for s in self.problem.stops}
        self.routes: dict[int, tuple[str | None, ...]] = {}
        orphans: list[str] = []  # planned on a shift that is gone: placed again below
        vindex = {v.id: vi for vi, v in enumerate(self.problem.vehicles)}
        for vid, planned in sequences.items():
            kept = [s for s in planned if s is None or s in known]
            if vid in vindex:
                self.routes[vindex[vid]] = without_idle_reloads(kept)
            else:
                orphans += [s for s in kept if s is not None]
        for vi in range(len(self.problem.vehicles)):
            self.routes.setdefault(vi, ())
        self.slack: dict[int, RoundSlack] = {}
        self.stuck: dict[int, Failure] = {}  # rounds that do not ride as planned, and why
        for vi, seq in list(self.routes.items()):
            self._set_route(vi, seq)
        self.extras: dict[str, Extra] = {}
        self.without_room: dict[str, str] = {}  # stop id -> why it found no room
        for sid in orphans:
            self._put(self.problem, self.problem.stop(sid))

    # --- what is in the rounds -----------------------------------------------------------

    def where(self, stop_id: str) -> int | None:
        """The bike whose round holds ``stop_id``, or None."""
        for vi, seq in self.routes.items():
            if stop_id in seq:
                return vi
        return None

    def broken(self, now_s: int | None) -> dict[int, Failure]:
        """Rounds that do not ride as planned (``now_s``: the clock today, when a round may
        have fallen behind), and why."""
        if now_s is None:
            return self.stuck
        problem = replace(self.problem, now_s=now_s)
        out = {}
        for vi, seq in self.routes.items():
            failure = _fails(problem, vi, seq)
            if failure is not None:
                out[vi] = failure
        return out

    def _set_route(self, vi: int, seq: Sequence[str | None]) -> None:
        """Make ``seq`` bike ``vi``'s round (its slack and whether it rides with it)."""
        self.routes[vi] = tuple(seq)
        self.slack[vi] = RoundSlack(self.problem, vi, seq)
        failure = _fails(self.problem, vi, seq)
        if failure is None:
            self.stuck.pop(vi, None)
        else:
            self.stuck[vi] = failure

    # --- adding and removing later bookings ------------------------------------------------

    def _add_places(self, snaps: Sequence[Snap]) -> list[int]:
        """Give each snap a place (a row and a column of the matrices); their indices."""
        n0 = len(self.dur)
        m = len(snaps)
        dur = np.zeros((n0 + m, n0 + m), dtype=np.int64)
        dist = np.zeros((n0 + m, n0 + m), dtype=np.int64)
        dur[:n0, :n0], dist[:n0, :n0] = self.dur, self.dist
        for k, snap in enumerate(snaps):
            n = n0 + k
            rc = self.probe.measure(snap)
            dur[n, :n], dur[:n, n] = _seconds(rc.duration_from_s), _seconds(rc.duration_to_s)
            dist[n, :n], dist[:n, n] = _seconds(rc.distance_from_m), _seconds(rc.distance_to_m)
            self.probe.add([snap])
        self.dur, self.dist = dur, dist
        return list(range(n0, n0 + m))

    def place(self, extras: Sequence[Extra], now_s: int | None) -> None:
        """Put later bookings into the rounds, each where it first fits, in the given order.

        One that fits nowhere takes no room; it is kept in :attr:`without_room` with the reason.
        """
        located = [e for e in extras if e.snap is not None]
        for e in extras:
            self.extras[e.id] = e
            if e.snap is None:
                self.without_room[e.id] = "its address is too far from any way a cargo bike uses"
        if not located:
            return
        places = self._add_places([e.snap for e in located if e.snap is not None])
        stops = [
            _stop(e.id, place, e.goods, e.windows) for e, place in zip(located, places, strict=True)
        ]
        self.problem = replace(
            self.problem,
            duration_s=Matrix(self.dur),
            distance_m=Matrix(self.dist),
            stops=(*self.problem.stops, *stops),
        )
        self._refresh_slack()
        problem = self.problem if now_s is None else replace(self.problem, now_s=now_s)
        for stop in stops:
            self._put(problem, stop)

    def _put(self, problem: Problem, stop: Stop) -> bool:
        failures: list[tuple[int, Failure]] = []
        broken = self.broken(problem.now_s)
        for vi in self._nearest(self.dur[stop.place]):
            if vi in broken:
                continue
            found = first_insertion(problem, vi, self.routes[vi], stop.id, slack=self.slack[vi])
            if found.insertion is not None:
                self._set_route(vi, found.insertion.sequence)
                self.without_room.pop(stop.id, None)
                return True
            failures += [(vi, f) for f in found.failures]
        worst = closest(failures)
        self.without_room[stop.id] = worst.reason if worst else "no bike is on shift that day"
        return False

    def remove(self, extra_id: str) -> None:
        """Take a later booking out of the rounds (a hold that expired or was let go)."""
        self.extras.pop(extra_id, None)
        self.without_room.pop(extra_id, None)
        vi = self.where(extra_id)
        if vi is not None:
            self._set_route(vi, without_idle_reloads([s for s in self.routes[vi] if s != extra_id]))

    def swap(self, old_id: str, new: Extra, now_s: int | None) -> None:
        """Let ``new`` take the place of ``old_id`` in its round (an order using its hold); if
        the round does not ride with ``new``'s goods and windows, ``new`` is placed afresh."""
        vi = self.where(old_id)
        old = self.extras.get(old_id)
        if vi is None or old is None or old.snap is None:
            self.remove(old_id)
            self.place([new], now_s)
            return
        place = self.problem.stop(old_id).place
        stop = _stop(new.id, place, new.goods, new.windows)
        self.problem = replace(self.problem, stops=(*self.problem.stops, stop))
        self.extras[new.id] = Extra(new.id, old.snap, new.windows, new.goods)
        seq = tuple(new.id if s == old_id else s for s in self.routes[vi])
        problem = self.problem if now_s is None else replace(self.problem, now_s=now_s)
        failure = _fails(problem, vi, seq)
        self.remove(old_id)
        if failure is None:
            self._set_route(vi, seq)
        else:
            self._refresh_slack()
            self._put(problem, stop)

    def _refresh_slack(self) -> None:
        """Slack again after the problem changed (new stops: the rounds' own are unchanged)."""
        for vi, seq in self.routes.items():
            self.slack[vi] = RoundSlack(self.problem, vi, seq)

    def _nearest(self, row: np.ndarray) -> list[int]:
        """Bikes in order of how close their round (or depot) comes to a place."""
        p = self.problem

        def reach(vi: int) -> int:
            v = p.vehicles[vi]
            places = [v.start_place, *(p.stop(s).place for s in self.routes[vi] if s)]
            return int(row[places].min())

        return sorted(range(len(p.vehicles)), key=reach)

    # --- checking a new address ------------------------------------------------------------

    def check(
        self,
        snap: Snap,
        goods: Goods,
        windows: Sequence[Window],
        now_s: int | None,
    ) -> list[WindowAnswer]:
        """Which ``windows`` a bike can still serve a new stop at ``snap`` in.

        Parameters
        ----------
        snap : Snap
            The address on the network.
        goods : Goods
        windows : sequence of (start_s, end_s)
            Candidate windows, local clock seconds (inclusive).
        now_s : int or None
            The clock, when the date is today: nothing new starts before it.

        Returns
        -------
        list of WindowAnswer
            One per window, in order.
        """
        rc = self.probe.measure(snap)
        n = len(self.dur)
        stops = [
            _stop(f"this address ({clock(a)}–{clock(b)})", n, goods, ((a, b),)) for a, b in windows
        ]
        problem = self._with_place(rc, stops, now_s)
        order = self._nearest(np.append(_seconds(rc.duration_from_s), 0))
        broken = self.broken(now_s)
        timers: dict[int, RouteTimer] = {}
        return [
            self._window(problem, stop, window, order, broken, timers)
            for stop, window in zip(stops, windows, strict=True)
        ]

    def _with_place(self, rc: RowColumn, stops: list[Stop], now_s: int | None) -> Problem:
        """The day's problem with one more place (``rc``) and ``stops`` at it."""
        n = len(self.dur)
        out = []
        for base, row, col in (
            (self.dur, rc.duration_from_s, rc.duration_to_s),
            (self.dist, rc.distance_from_m, rc.distance_to_m),
        ):
            m = np.zeros((n + 1, n + 1), dtype=np.int64)
            m[:n, :n] = base
            m[n, :n], m[:n, n] = _seconds(row), _seconds(col)
            m.setflags(write=False)
            out.append(m)
        return replace(
            self.problem,
            duration_s=Matrix(out[0]),
            distance_m=Matrix(out[1]),
            stops=(*self.problem.stops, *stops),
            now_s=now_s,
        )

    def _window(
        self,
        problem: Problem,
        stop: Stop,
        window: Window,
        order: list[int],
        broken: dict[int, Failure],
        timers: dict[int, RouteTimer],
    ) -> WindowAnswer:
        a, b = window
        now_s = problem.now_s
        if now_s is not None and b < now_s:
            why = f"the window ended at {clock(b)}; it is {clock(now_s)} now"
            return WindowAnswer(a, b, False, "past", why)
        on_shift = [
            vi
            for vi in order
            if problem.vehicles[vi].shift.start_s <= b and a <= problem.vehicles[vi].shift.end_s
        ]
        if not on_shift:
            return WindowAnswer(
                a, b, False, "no_shift", f"no bike is on shift between {clock(a)} and {clock(b)}"
            )
        failures: list[tuple[int, Failure]] = []
        for vi in on_shift:
            if vi in broken:
                failures.append((vi, broken[vi]))
                continue
            timer = timers.setdefault(vi, RouteTimer(problem, vi))
            found = first_insertion(
                problem, vi, self.routes[vi], stop.id, slack=self.slack[vi], timer=timer
            )
            if found.insertion is not None:
                v = problem.vehicles[vi]
                return WindowAnswer(
                    a, b, True, bike=v.id, vehicle=vi, sequence=found.insertion.sequence
                )
            failures += [(vi, f) for f in found.failures]
        worst = closest(failures)
        assert worst is not None
        return WindowAnswer(
            a,
            b,
            False,
            worst.code,
            f"no bike's round can take it between {clock(a)} and {clock(b)}: {worst.reason}",
        )


def _seconds(values: np.ndarray) -> np.ndarray:
    """Whole seconds (or metres), as the day's problem has them."""
    return np.rint(values).astype(np.int64)


def _stop(stop_id: str, place: int, goods: Goods, windows: Sequence[Window]) -> Stop:
    return Stop(
        id=stop_id,
        place=place,
        kind=StopKind.DELIVERY,
        load=Load(goods.weight_g, goods.volume_ml, goods.parcels),
        service_s=goods.service_s,
        windows=tuple(TimeWindow(a, b) for a, b in windows),
    )


def _fails(problem: Problem, vi: int, seq: Sequence[str | None]) -> Failure | None:
    """Why bike ``vi`` cannot ride ``seq`` as given, or None."""
    if not seq:
        return None
    timed = check_static(problem, vi, seq) or RouteTimer(problem, vi).time(
        seq, least_working_time=False
    )
    return timed if isinstance(timed, Failure) else None
