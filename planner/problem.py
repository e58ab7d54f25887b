"""What the planner is asked to solve: stops, bikes and the travel matrices between places.

Conventions (stated once, used everywhere in :mod:`planner`):

* every quantity is an integer: durations and clock times in seconds (``*_s``), distances in metres
  (``*_m``), weights in grams (``*_g``), volumes in millilitres (``*_ml``), parcels as a count;
* places are indices into the two square matrices ``duration_s[i][j]`` and ``distance_m[i][j]``
  (travel from place ``i`` to place ``j``; asymmetric allowed, the diagonal is ignored);
* time windows are inclusive: a visit may *start* at ``start_s`` and at ``end_s``;
* a *delivery* leaves the depot on the bike, a *pickup* rides back to the depot, and a
  :class:`Pair` is collected at one stop and handed over at another by the same bike, pickup first.

Benchmark readers (:mod:`planner.formats`) scale their fractional distances to integers; the
scale is kept on :attr:`Problem.scale` so figures can be reported in the instance's own units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from numpy.typing import NDArray

from planner.matrix import Matrix


class StopKind(StrEnum):
    """What happens to the goods at a stop."""

    DELIVERY = "delivery"
    PICKUP = "pickup"


class Objective(StrEnum):
    """What the planner minimises after penalties (and after the number of bikes, if asked)."""

    DURATION = "duration"
    DISTANCE = "distance"


@dataclass(frozen=True)
class Load:
    """An amount of goods in every dimension the planner knows.

    Used both for what a stop hands over and for what a bike can carry; ``None`` in a capacity
    means "no limit in this dimension".
    """

    weight_g: int = 0
    volume_ml: int = 0
    parcels: int = 0


@dataclass(frozen=True)
class Capacity:
    """What a bike can carry at once; ``None`` means unlimited in that dimension."""

    weight_g: int | None = None
    volume_ml: int | None = None
    parcels: int | None = None


LOAD_DIMENSIONS: tuple[str, ...] = ("weight_g", "volume_ml", "parcels")


@dataclass(frozen=True)
class TimeWindow:
    """An inclusive interval of clock times in seconds in which a visit may start."""

    start_s: int
    end_s: int


@dataclass(frozen=True)
class Break:
    """A courier break: ``duration_s`` seconds starting somewhere inside ``window``."""

    window: TimeWindow
    duration_s: int


@dataclass(frozen=True)
class Stop:
    """One place to visit.

    Parameters
    ----------
    id : str
        Unique name, used in plans and reasons.
    place : int
        Index into the problem's matrices.
    kind : StopKind
        Delivery (goods come from the depot) or pickup (goods go to the depot, or to the partner
        stop of a :class:`Pair`).
    load : Load
        Goods handed over at this stop.
    service_s : int
        Time spent at the stop.
    windows : tuple of TimeWindow
        Allowed start times; empty means any time within the bike's shift.
    skills : frozenset of str
        Skills the bike must have (``"cold"``, ``"trailer"``).
    penalty : int or None
        Cost of leaving the stop unplanned (same unit as the objective); ``None`` uses
        :attr:`Problem.default_penalty`. Higher means more important.
    """

    id: str
    place: int
    kind: StopKind = StopKind.DELIVERY
    load: Load = Load()
    service_s: int = 0
    windows: tuple[TimeWindow, ...] = ()
    skills: frozenset[str] = frozenset()
    penalty: int | None = None


@dataclass(frozen=True)
class Pair:
    """A shipment collected at ``pickup_id`` and delivered at ``delivery_id`` by one bike."""

    pickup_id: str
    delivery_id: str


@dataclass(frozen=True)
class Vehicle:
    """One cargo bike and its courier for one shift.

    Parameters
    ----------
    id : str
        Unique name.
    start_place, end_place : int
        Matrix indices of where the shift starts and ends (usually the depot).
    shift : TimeWindow
        Earliest departure and latest return, in seconds.
    capacity : Capacity
        What the bike carries at once.
    skills : frozenset of str
        What the bike offers (``"cold"`` box, ``"trailer"``).
    max_duration_s, max_distance_m : int or None
        Upper bounds on the round's length in time and in metres (battery range).
    fixed_cost : int
        Cost of using the bike at all (objective units).
    breaks : tuple of Break
        Courier breaks; each is taken inside its window, between visits.
    max_trips : int
        Trips per shift; above 1 the bike may come back to ``end_place`` to reload.
    reload_s : int
        Time a reload at the depot takes.
    """

    id: str
    start_place: int = 0
    end_place: int = 0
    shift: TimeWindow = TimeWindow(0, 24 * 3600)
    capacity: Capacity = Capacity()
    skills: frozenset[str] = frozenset()
    max_duration_s: int | None = None
    max_distance_m: int | None = None
    fixed_cost: int = 0
    breaks: tuple[Break, ...] = ()
    max_trips: int = 1
    reload_s: int = 0


@dataclass(frozen=True)
class FrozenRoute:
    """Visits a bike has done or is doing: they stay on ``vehicle_id`` first, in this order.

    Frozen visits are history or under way: they are always kept, on this bike, in this order,
    whatever their windows say (a window that has passed is not a reason to drop a parcel that
    is already on the bike). The partner of a frozen pickup stays on the same bike too.

    Parameters
    ----------
    vehicle_id : str
    stop_ids : tuple of str
        Done or started visits, in the order they were made.
    position_place : int or None
        Where the bike is at :attr:`Problem.now_s` (a matrix index, e.g. its last GPS fix
        snapped to the network); ``None``: at its last frozen stop.
    """

    vehicle_id: str
    stop_ids: tuple[str, ...]
    position_place: int | None = None


@dataclass(frozen=True)
class Problem:
    """A complete planning question. Build it with :meth:`from_matrices` or directly.

    ``duration_s`` and ``distance_m`` are square integer matrices indexed by place (any nested
    sequence or numpy array; stored as a read-only :class:`~planner.matrix.Matrix`, so
    ``duration_s[i][j]`` is an ``int``). ``minimise_vehicles`` puts "fewest bikes" above
    everything but dropped stops. ``now_s`` (a re-plan during the day) is the clock time before
    which no visit that is not frozen may start.
    ``coords`` optionally keeps the original (x, y) of each place for benchmark reporting;
    ``scale`` is the factor that turned instance distance units into the integers used here.
    """

    duration_s: Matrix = field(compare=False)
    distance_m: Matrix = field(compare=False)
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    pairs: tuple[Pair, ...] = ()
    frozen: tuple[FrozenRoute, ...] = ()
    objective: Objective = Objective.DURATION
    minimise_vehicles: bool = False
    default_penalty: int = 10_000_000
    name: str = ""
    coords: tuple[tuple[float, float], ...] = ()
    scale: int = 1
    now_s: int | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("duration_s", "distance_m"):
            value = getattr(self, name)
            if not isinstance(value, Matrix):
                try:
                    value = Matrix(value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from exc
                object.__setattr__(self, name, value)
        n = len(self.duration_s)
        if len(self.distance_m) != n:
            raise ValueError("duration_s and distance_m must be square matrices of the same size")
        index = {s.id: i for i, s in enumerate(self.stops)}
        if len(index) != len(self.stops):
            raise ValueError("stop ids must be unique")
        if len({v.id for v in self.vehicles}) != len(self.vehicles):
            raise ValueError("vehicle ids must be unique")
        for s in self.stops:
            if not 0 <= s.place < n:
                raise ValueError(f"stop {s.id!r}: place {s.place} is outside the matrices")
        for v in self.vehicles:
            if not (0 <= v.start_place < n and 0 <= v.end_place < n):
                raise ValueError(f"vehicle {v.id!r}: depot place is outside the matrices")
            if v.max_trips < 1:
                raise ValueError(f"vehicle {v.id!r}: max_trips must be at least 1")
        vehicle_ids = {v.id for v in self.vehicles}
        frozen_seen: set[str] = set()
        for fr in self.frozen:
            if fr.vehicle_id not in vehicle_ids:
                raise ValueError(f"frozen route: unknown vehicle {fr.vehicle_id!r}")
            for sid in fr.stop_ids:
                if sid not in index:
                    raise ValueError(f"frozen route of {fr.vehicle_id}: unknown stop {sid!r}")
                if sid in frozen_seen:
                    raise ValueError(f"frozen route of {fr.vehicle_id}: stop {sid!r} frozen twice")
                frozen_seen.add(sid)
            if fr.position_place is not None and not 0 <= fr.position_place < n:
                raise ValueError(f"frozen route of {fr.vehicle_id}: position outside the matrices")
        for p in self.pairs:
            for sid in (p.pickup_id, p.delivery_id):
                if sid not in index:
                    raise ValueError(f"pair refers to unknown stop {sid!r}")
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_matrices(
        cls,
        *,
        duration_s: Sequence[Sequence[int]] | NDArray[Any] | Matrix,
        distance_m: Sequence[Sequence[int]] | NDArray[Any] | Matrix,
        stops: Sequence[Stop],
        vehicles: Sequence[Vehicle],
        pairs: Sequence[Pair] = (),
        frozen: Sequence[FrozenRoute] = (),
        objective: Objective = Objective.DURATION,
        minimise_vehicles: bool = False,
        default_penalty: int = 10_000_000,
        name: str = "",
        now_s: int | None = None,
    ) -> Problem:
        """Build a problem from travel-time and distance matrices (integer seconds and metres).

        Parameters
        ----------
        duration_s, distance_m : sequence of sequence of int
            Square matrices, ``[i][j]`` is travel from place ``i`` to ``j``; numpy arrays work.
        stops, vehicles, pairs, frozen
            See :class:`Stop`, :class:`Vehicle`, :class:`Pair`, :class:`FrozenRoute`.

        Raises
        ------
        ValueError
            If the matrices are not square, ids repeat, or a place or pair is unknown.
        """
        return cls(
            duration_s=Matrix(duration_s),
            distance_m=Matrix(distance_m),
            stops=tuple(stops),
            vehicles=tuple(vehicles),
            pairs=tuple(pairs),
            frozen=tuple(frozen),
            objective=objective,
            minimise_vehicles=minimise_vehicles,
            default_penalty=default_penalty,
            name=name,
            now_s=now_s,
        )

    def stop_index(self, stop_id: str) -> int:
        """Position of ``stop_id`` in :attr:`stops` (``KeyError`` if unknown)."""
        return self._index[stop_id]

    def stop(self, stop_id: str) -> Stop:
        """The stop called ``stop_id`` (``KeyError`` if unknown)."""
        return self.stops[self._index[stop_id]]

    def penalty_of(self, stop: Stop) -> int:
        """Cost of leaving ``stop`` unplanned."""
        return self.default_penalty if stop.penalty is None else stop.penalty

    def live_position(self, vehicle_id: str) -> tuple[int, int] | None:
        """Where a bike's round resumes: ``(visits done, place)``, or ``None``.

        A bike with a live position (:attr:`FrozenRoute.position_place`) rides its first new
        visit from that place, leaving no earlier than :attr:`now_s`; its ridden distance
        counts the way from its last frozen visit to that place.
        """
        for fr in self.frozen:
            if fr.vehicle_id == vehicle_id and fr.position_place is not None:
                return len(fr.stop_ids), fr.position_place
        return None

    def ridden_places(self, vehicle_index: int, visit_places: Sequence[int]) -> list[int]:
        """The places bike ``vehicle_index`` rides through: start, visits (its live position
        after the frozen ones), end."""
        v = self.vehicles[vehicle_index]
        places = [v.start_place, *visit_places, v.end_place]
        live = self.live_position(v.id)
        if live is not None:
            places.insert(1 + live[0], live[1])
        return places

    def frozen_ids(self) -> set[str]:
        """Ids of every frozen visit."""
        return {sid for fr in self.frozen for sid in fr.stop_ids}

    def partner(self) -> dict[str, str]:
        """Map each paired stop id to the id of its partner."""
        out: dict[str, str] = {}
        for p in self.pairs:
            out[p.pickup_id] = p.delivery_id
            out[p.delivery_id] = p.pickup_id
        return out
