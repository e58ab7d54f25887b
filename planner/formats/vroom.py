"""Read a problem in VROOM's input format (``docs/API.md`` of VROOM-Project/vroom).

What is read, and how it maps onto :mod:`planner.problem`:

* ``jobs`` become stops named ``job-<id>``; a job with ``pickup`` amounts is a pickup, any other
  a delivery (the legacy ``amount`` of a job is a delivery, as in VROOM). A job with both
  non-zero ``delivery`` and ``pickup`` is refused: a Bakfiets stop either delivers or collects.
* ``shipments`` become a :class:`~planner.problem.Pair` of stops ``pickup-<id>`` and
  ``delivery-<id>`` (VROOM lets a job and a shipment step share a number; the prefixes keep
  them apart and :class:`VroomProblem` maps every stop back to its VROOM type and id).
* amounts (``capacity``, ``delivery``, ``pickup``, ``amount``) map dimension by dimension onto
  ``Load(weight_g, volume_ml, parcels)``: dimension 0 is read as grams, 1 as millilitres, 2 as
  a parcel count; more than three dimensions is an error. As in VROOM, a vehicle without
  ``capacity`` carries nothing when amounts are used.
* ``skills`` (integers) become strings; ``priority`` ``p`` (0..100) becomes
  ``Stop.penalty = default_penalty * (1 + p)``: leaving a priority-``p`` task out costs as much
  as leaving out ``1 + p`` priority-0 tasks.
* ``time_windows`` (several allowed) are kept; a vehicle's ``time_window`` is its shift. Without
  one, the shift is ``[0, H]`` with ``H`` a bound no route can reach (VROOM: no limit).
* ``breaks`` keep their ``id``; a break has one window in Bakfiets, so several ``time_windows``
  are merged when they overlap or touch and refused otherwise. A break without windows may
  start at any time of the shift.
* ``max_distance`` is the bike's range. ``max_tasks`` is accepted only where it cannot bind
  (at least the number of tasks): the planner has no limit on stops per bike yet.
* Open routes: a vehicle without ``end`` (or without ``start``) ends (starts) at a *virtual
  place*, one extra row and column of zeros in both matrices: the round stops at its last task
  (starts at its first), as in VROOM. Reloads need a real end, so ``max_trips > 1`` without
  ``end`` is refused.
* ``matrices`` are per profile (``car`` by default); all vehicles must share one profile. When
  the vehicles name no profile and only one profile has matrices, that one is used. Without
  ``distances`` every distance is 0 and the answer reports none.
* Without matrices, tasks and vehicles give ``location`` as ``[lon, lat]`` (VROOM's order; it
  is turned into named ``lat`` / ``lon`` here) and the caller passes ``matrix_from_points`` to
  compute travel on its own network (the CLI uses the OSM bike graph).

Extensions beyond VROOM (on a vehicle): ``max_trips`` (trips per shift, default 1; above 1 the
bike comes back to its ``end`` to reload) and ``reload_service`` (seconds a reload takes).

Refused, each with an error naming the field: keys this reader does not know (a typo would
otherwise be ignored silently), ``setup``, ``*_per_type``, vehicle ``steps``, ``speed_factor``
other than 1, ``max_travel_time``, ``costs`` other than ``fixed``, break ``max_load`` and
``matrices.<profile>.costs``. Every error is a :class:`FormatError` whose message starts with
the path of the field, e.g. ``vehicles[2].breaks[0].time_windows: ...``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.formats.common import FormatError
from planner.formats.vroom_fields import (
    LatLon,
    as_int,
    as_list,
    as_lonlat,
    as_object,
    as_skills,
    as_str,
    as_window,
    as_windows,
    error,
    one_window,
)
from planner.formats.vroom_matrices import (
    MatrixFromPoints,
    horizon_s,
    read_matrices,
)
from planner.matrix import Matrix
from planner.problem import (
    LOAD_DIMENSIONS,
    Break,
    Capacity,
    Load,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)

DEFAULT_PENALTY = 10_000_000
"""Penalty of a priority-0 task (objective units: seconds of round time)."""

_JOB_KEYS = {
    "id", "description", "location", "location_index", "service", "delivery", "pickup",
    "amount", "skills", "priority", "time_windows",
}  # fmt: skip
_STEP_KEYS = {"id", "description", "location", "location_index", "service", "time_windows"}
_SHIPMENT_KEYS = {"pickup", "delivery", "amount", "skills", "priority"}
_VEHICLE_KEYS = {
    "id", "profile", "description", "start", "start_index", "end", "end_index", "capacity",
    "costs", "skills", "type", "time_window", "breaks", "speed_factor", "max_tasks",
    "max_distance", "max_trips", "reload_service",
}  # fmt: skip
_BREAK_KEYS = {"id", "time_windows", "service", "description"}


@dataclass(frozen=True)
class TaskRef:
    """Where a stop came from: VROOM ``type`` (job, pickup, delivery), ``id`` and echo fields."""

    type: str
    id: int
    priority: int
    delivery: tuple[int, ...]
    pickup: tuple[int, ...]
    location_index: int | None = None
    location: LatLon | None = None
    description: str | None = None


@dataclass(frozen=True)
class VehicleRef:
    """Where a bike came from: the VROOM id, its break ids and its start and end as given."""

    id: int
    break_ids: tuple[int, ...]
    start_index: int | None = None
    end_index: int | None = None
    start: LatLon | None = None
    end: LatLon | None = None
    has_start: bool = True
    has_end: bool = True
    description: str | None = None
    priority: int = 0


@dataclass(frozen=True)
class VroomProblem:
    """A VROOM problem read into a :class:`~planner.problem.Problem`, with the way back.

    Attributes
    ----------
    problem : Problem
    tasks : dict of str to TaskRef
        Stop id to the VROOM task it stands for.
    vehicles : dict of str to VehicleRef
        Vehicle id (``vehicle-<id>``) to the VROOM vehicle.
    dimensions : int
        Number of amount dimensions in the input (0 to 3).
    has_distances : bool
        Whether distances were given (or computed): only then is ``distance`` reported.
    uses_locations : bool
        Whether places were given as coordinates (echoed as ``location`` in the answer).
    loading_s : float
        Seconds spent reading the input and building the matrices.
    """

    problem: Problem
    tasks: dict[str, TaskRef]
    vehicles: dict[str, VehicleRef]
    dimensions: int
    has_distances: bool
    uses_locations: bool
    loading_s: float = 0.0
    places: tuple[LatLon, ...] = field(default=(), repr=False)


# ---------------------------------------------------------------------------------------------


class _Reader:
    """One pass over a VROOM document; collects places, stops, pairs and vehicles."""

    def __init__(self, doc: Any, matrix_from_points: MatrixFromPoints | None) -> None:
        if not isinstance(doc, dict):
            raise FormatError("(top level): expected a JSON object with jobs, shipments, vehicles")
        self.doc = doc
        self.matrix_from_points = matrix_from_points
        self.has_matrices = "matrices" in doc or "matrix" in doc
        self.first_amount_field = ""
        self.dimensions = self._dimensions()
        self.points: list[LatLon] = []
        self.point_index: dict[LatLon, int] = {}
        self.point_field: list[str] = []
        self.max_index = -1
        self.index_field = ""

    # -- amounts -------------------------------------------------------------------------------

    def _dimensions(self) -> int:
        """Number of amount dimensions: the first amount array found sets it."""
        found: list[tuple[str, Any]] = []
        for k, v in enumerate(self.doc.get("vehicles") or []):
            if isinstance(v, dict) and "capacity" in v:
                found.append((f"vehicles[{k}].capacity", v["capacity"]))
        for k, j in enumerate(self.doc.get("jobs") or []):
            if isinstance(j, dict):
                for key in ("delivery", "pickup", "amount"):
                    if key in j:
                        found.append((f"jobs[{k}].{key}", j[key]))
        for k, s in enumerate(self.doc.get("shipments") or []):
            if isinstance(s, dict) and "amount" in s:
                found.append((f"shipments[{k}].amount", s["amount"]))
        if not found:
            return 0
        path, first = found[0]
        n = len(as_list(first, path))
        if n > len(LOAD_DIMENSIONS):
            raise error(
                path,
                f"{n} amount dimensions; Bakfiets knows {len(LOAD_DIMENSIONS)} "
                "(weight_g, volume_ml, parcels, in this order)",
            )
        self.first_amount_field = path
        return n

    def amount(self, value: Any, path: str) -> tuple[int, ...]:
        items = as_list(value, path)
        if len(items) != self.dimensions:
            raise error(
                path,
                f"{len(items)} dimensions, but {self.first_amount_field} has {self.dimensions}",
            )
        return tuple(as_int(x, f"{path}[{k}]") for k, x in enumerate(items))

    def zero(self) -> tuple[int, ...]:
        return (0,) * self.dimensions

    @staticmethod
    def load(amount: Sequence[int]) -> Load:
        return Load(**dict(zip(LOAD_DIMENSIONS, amount, strict=False)))

    def capacity(self, amount: Sequence[int]) -> Capacity:
        return Capacity(**dict(zip(LOAD_DIMENSIONS, amount, strict=False)))

    # -- places --------------------------------------------------------------------------------

    def place(
        self, obj: dict[str, Any], path: str, index_key: str, coord_key: str
    ) -> tuple[int | None, LatLon | None]:
        """Matrix index (given, or assigned to a new coordinate) and the coordinate if any."""
        coord = as_lonlat(obj[coord_key], f"{path}.{coord_key}") if coord_key in obj else None
        if self.has_matrices:
            if index_key not in obj:
                raise error(f"{path}.{index_key}", "missing: required when matrices are given")
            index = as_int(obj[index_key], f"{path}.{index_key}")
            if index > self.max_index:
                self.max_index, self.index_field = index, f"{path}.{index_key}"
            return index, coord
        if coord is None:
            raise error(f"{path}.{coord_key}", "missing: give matrices, or a [lon, lat] location")
        if coord not in self.point_index:
            self.point_index[coord] = len(self.points)
            self.points.append(coord)
            self.point_field.append(f"{path}.{coord_key}")
        return self.point_index[coord], coord


def read_vroom(
    doc: Any,
    *,
    matrix_from_points: MatrixFromPoints | None = None,
    name: str = "",
) -> VroomProblem:
    """Read a parsed VROOM input document (a dict, as from ``json.load``) into a problem.

    Parameters
    ----------
    doc : dict
        The VROOM input: ``jobs``, ``shipments``, ``vehicles``, ``matrices`` (see module doc).
    matrix_from_points : callable, optional
        Needed when the document gives ``location`` coordinates instead of matrices: receives
        the distinct places (named ``lat`` / ``lon``) and returns integer duration (seconds)
        and distance (metres) matrices; raises :class:`LocationError` for a place it cannot use.
    name : str
        Name of the problem (e.g. the file name).

    Returns
    -------
    VroomProblem
        The problem and the mapping back to VROOM ids.

    Raises
    ------
    FormatError
        For the first malformed or unsupported field; the message starts with its path.
    """
    started = time.perf_counter()
    r = _Reader(doc, matrix_from_points)
    for key in doc:
        if key not in {"jobs", "shipments", "vehicles", "matrices", "matrix"}:
            raise error(key, "unknown key (expected jobs, shipments, vehicles, matrices)")
    jobs = as_list(doc.get("jobs", []), "jobs")
    shipments = as_list(doc.get("shipments", []), "shipments")
    vehicles_in = as_list(doc.get("vehicles", []), "vehicles")
    if not vehicles_in:
        raise error("vehicles", "at least one vehicle is needed")
    stops: list[Stop] = []
    tasks: dict[str, TaskRef] = {}
    pairs: list[Pair] = []
    seen: dict[str, set[int]] = {"job": set(), "pickup": set(), "delivery": set()}

    def task_id(kind: str, obj: dict[str, Any], path: str) -> int:
        if "id" not in obj:
            raise error(f"{path}.id", "missing")
        tid = as_int(obj["id"], f"{path}.id")
        if tid in seen[kind]:
            raise error(f"{path}.id", f"{kind} id {tid} is used twice")
        seen[kind].add(tid)
        return tid

    def penalty(priority: int) -> int:
        return DEFAULT_PENALTY * (1 + priority)

    for k, raw in enumerate(jobs):
        path = f"jobs[{k}]"
        j = as_object(raw, path, _JOB_KEYS)
        jid = task_id("job", j, path)
        index, coord = r.place(j, path, "location_index", "location")
        delivery = r.amount(j["delivery"], f"{path}.delivery") if "delivery" in j else r.zero()
        pickup = r.amount(j["pickup"], f"{path}.pickup") if "pickup" in j else r.zero()
        if "amount" in j:
            legacy = r.amount(j["amount"], f"{path}.amount")
            if "delivery" not in j and "pickup" not in j:
                delivery = legacy  # VROOM's reading of the deprecated key
        if any(delivery) and any(pickup):
            raise error(
                path,
                "both delivery and pickup amounts are non-zero; a Bakfiets stop either "
                "delivers or collects: split it into two jobs",
            )
        priority = as_int(j.get("priority", 0), f"{path}.priority", high=100)
        kind = StopKind.PICKUP if any(pickup) else StopKind.DELIVERY
        sid = f"job-{jid}"
        assert index is not None
        stops.append(
            Stop(
                id=sid,
                place=index,
                kind=kind,
                load=r.load(pickup if kind is StopKind.PICKUP else delivery),
                service_s=as_int(j.get("service", 0), f"{path}.service"),
                windows=as_windows(j["time_windows"], f"{path}.time_windows")
                if "time_windows" in j
                else (),
                skills=as_skills(j.get("skills", []), f"{path}.skills"),
                penalty=penalty(priority),
            )
        )
        desc = _description(j, path)
        tasks[sid] = TaskRef(
            "job",
            jid,
            priority,
            delivery,
            pickup,
            index if r.has_matrices else None,
            coord,
            desc,
        )

    for k, raw in enumerate(shipments):
        path = f"shipments[{k}]"
        s = as_object(raw, path, _SHIPMENT_KEYS)
        amount = r.amount(s["amount"], f"{path}.amount") if "amount" in s else r.zero()
        skills = as_skills(s.get("skills", []), f"{path}.skills")
        priority = as_int(s.get("priority", 0), f"{path}.priority", high=100)
        ids: dict[str, str] = {}
        for kind_name, kind in (("pickup", StopKind.PICKUP), ("delivery", StopKind.DELIVERY)):
            spath = f"{path}.{kind_name}"
            if kind_name not in s:
                raise error(spath, "missing")
            step = as_object(s[kind_name], spath, _STEP_KEYS)
            tid = task_id(kind_name, step, spath)
            index, coord = r.place(step, spath, "location_index", "location")
            assert index is not None
            sid = f"{kind_name}-{tid}"
            stops.append(
                Stop(
                    id=sid,
                    place=index,
                    kind=kind,
                    load=r.load(amount),
                    service_s=as_int(step.get("service", 0), f"{spath}.service"),
                    windows=as_windows(step["time_windows"], f"{spath}.time_windows")
                    if "time_windows" in step
                    else (),
                    skills=skills,
                    penalty=penalty(priority),
                )
            )
            desc = _description(step, spath)
            tasks[sid] = TaskRef(
                kind_name,
                tid,
                priority,
                amount if kind is StopKind.DELIVERY else r.zero(),
                amount if kind is StopKind.PICKUP else r.zero(),
                index if r.has_matrices else None,
                coord,
                desc,
            )
            ids[kind_name] = sid
        pairs.append(Pair(ids["pickup"], ids["delivery"]))

    vehicles_raw = [_vehicle_fields(r, raw, f"vehicles[{k}]") for k, raw in enumerate(vehicles_in)]
    duration, distance, has_distances = read_matrices(r, vehicles_raw)
    n = len(duration)
    if r.has_matrices and r.max_index >= n:
        raise error(r.index_field, f"{r.max_index} is outside the {n}x{n} matrices")
    needs_virtual = any(not v["has_start"] or not v["has_end"] for v in vehicles_raw)
    virtual = n if needs_virtual else None
    if virtual is not None:
        duration = np.pad(duration, ((0, 1), (0, 1)))
        distance = np.pad(distance, ((0, 1), (0, 1)))
    horizon = horizon_s(stops, vehicles_raw, duration)
    vehicles: list[Vehicle] = []
    refs: dict[str, VehicleRef] = {}
    seen_vehicles: set[int] = set()
    for k, v in enumerate(vehicles_raw):
        path = f"vehicles[{k}]"
        if v["id"] in seen_vehicles:
            raise error(f"{path}.id", f"vehicle id {v['id']} is used twice")
        seen_vehicles.add(v["id"])
        if v["max_tasks"] is not None and v["max_tasks"] < len(stops):
            raise error(
                f"{path}.max_tasks",
                f"{v['max_tasks']} would limit this vehicle (there are {len(stops)} tasks); "
                "a limit on tasks per vehicle is not modelled yet",
            )
        if v["max_distance"] is not None and not has_distances:
            raise error(f"{path}.max_distance", "needs distances in the matrices")
        shift = v["time_window"] or TimeWindow(0, horizon)
        breaks = tuple(Break(w if w is not None else shift, d) for _, w, d in v["breaks"])
        vid = f"vehicle-{v['id']}"
        start = v["start_index"] if v["has_start"] else virtual
        end = v["end_index"] if v["has_end"] else virtual
        assert start is not None and end is not None
        vehicles.append(
            Vehicle(
                id=vid,
                start_place=start,
                end_place=end,
                shift=shift,
                capacity=r.capacity(v["capacity"]),
                skills=v["skills"],
                max_distance_m=v["max_distance"],
                fixed_cost=v["fixed"],
                breaks=breaks,
                max_trips=v["max_trips"],
                reload_s=v["reload_service"],
            )
        )
        refs[vid] = VehicleRef(
            id=v["id"],
            break_ids=tuple(b for b, _, _ in v["breaks"]),
            start_index=v["start_index"] if r.has_matrices and v["has_start"] else None,
            end_index=v["end_index"] if r.has_matrices and v["has_end"] else None,
            start=v["start"],
            end=v["end"],
            has_start=v["has_start"],
            has_end=v["has_end"],
            description=v["description"],
        )
    try:
        problem = Problem(
            duration_s=Matrix(duration),
            distance_m=Matrix(distance),
            stops=tuple(stops),
            vehicles=tuple(vehicles),
            pairs=tuple(pairs),
            default_penalty=DEFAULT_PENALTY,
            name=name,
        )
    except ValueError as exc:  # the checks above should make this unreachable
        raise FormatError(f"(problem): {exc}") from exc
    return VroomProblem(
        problem=problem,
        tasks=tasks,
        vehicles=refs,
        dimensions=r.dimensions,
        has_distances=has_distances,
        uses_locations=not r.has_matrices,
        loading_s=time.perf_counter() - started,
        places=tuple(r.points),
    )


def _description(obj: dict[str, Any], path: str) -> str | None:
    return as_str(obj["description"], f"{path}.description") if "description" in obj else None


def _vehicle_fields(r: _Reader, raw: Any, path: str) -> dict[str, Any]:
    v = as_object(raw, path, _VEHICLE_KEYS)
    if "id" not in v:
        raise error(f"{path}.id", "missing")
    out: dict[str, Any] = {"id": as_int(v["id"], f"{path}.id")}
    out["profile"] = as_str(v["profile"], f"{path}.profile") if "profile" in v else None
    out["description"] = _description(v, path)
    out["has_start"] = "start" in v or "start_index" in v
    out["has_end"] = "end" in v or "end_index" in v
    if not out["has_start"] and not out["has_end"]:
        raise error(path, "needs a start or an end (start / start_index, end / end_index)")
    out["start_index"] = out["start"] = out["end_index"] = out["end"] = None
    if out["has_start"]:
        out["start_index"], out["start"] = r.place(v, path, "start_index", "start")
    if out["has_end"]:
        out["end_index"], out["end"] = r.place(v, path, "end_index", "end")
    out["capacity"] = r.amount(v["capacity"], f"{path}.capacity") if "capacity" in v else r.zero()
    out["skills"] = as_skills(v.get("skills", []), f"{path}.skills")
    out["time_window"] = (
        as_window(v["time_window"], f"{path}.time_window") if "time_window" in v else None
    )
    if "speed_factor" in v:
        factor = v["speed_factor"]
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor != 1:
            raise error(
                f"{path}.speed_factor", "only 1 is supported (one travel matrix for all bikes)"
            )
    out["fixed"] = 0
    if "costs" in v:
        costs = as_object(
            v["costs"], f"{path}.costs", {"fixed", "per_hour", "per_km", "per_task_hour"}
        )
        out["fixed"] = as_int(costs.get("fixed", 0), f"{path}.costs.fixed")
        for key, default in (("per_hour", 3600), ("per_km", 0), ("per_task_hour", 0)):
            if key in costs and costs[key] != default:
                raise error(
                    f"{path}.costs.{key}",
                    f"only the default {default} is supported (the cost is round time)",
                )
    out["max_tasks"] = as_int(v["max_tasks"], f"{path}.max_tasks") if "max_tasks" in v else None
    out["max_distance"] = (
        as_int(v["max_distance"], f"{path}.max_distance") if "max_distance" in v else None
    )
    out["max_trips"] = as_int(v.get("max_trips", 1), f"{path}.max_trips", low=1)
    out["reload_service"] = as_int(v.get("reload_service", 0), f"{path}.reload_service")
    if out["max_trips"] > 1 and not out["has_end"]:
        raise error(f"{path}.max_trips", "reload trips need an end (the depot to reload at)")
    if "reload_service" in v and out["max_trips"] == 1:
        raise error(f"{path}.reload_service", "given, but max_trips is 1 (no reloads)")
    breaks: list[tuple[int, TimeWindow | None, int]] = []
    seen: set[int] = set()
    for k, raw_b in enumerate(as_list(v.get("breaks", []), f"{path}.breaks")):
        bpath = f"{path}.breaks[{k}]"
        b = as_object(raw_b, bpath, _BREAK_KEYS)
        if "id" not in b:
            raise error(f"{bpath}.id", "missing")
        bid = as_int(b["id"], f"{bpath}.id")
        if bid in seen:
            raise error(f"{bpath}.id", f"break id {bid} is used twice on this vehicle")
        seen.add(bid)
        window = None
        if "time_windows" in b:
            window = one_window(
                as_windows(b["time_windows"], f"{bpath}.time_windows"), f"{bpath}.time_windows"
            )
        breaks.append((bid, window, as_int(b.get("service", 0), f"{bpath}.service")))
    out["breaks"] = breaks
    return out
