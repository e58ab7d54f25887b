"""Li & Lim (2001) pickup-and-delivery instances with time windows (PDPTW)."""

from __future__ import annotations

from pathlib import Path

from planner.formats.common import SCALE, FormatError, euclidean_matrices
from planner.matrix import Matrix
from planner.problem import (
    Capacity,
    Load,
    Objective,
    Pair,
    Problem,
    Stop,
    StopKind,
    TimeWindow,
    Vehicle,
)


def read_lilim(path: str | Path) -> Problem:
    """Read a Li & Lim file into a :class:`~planner.problem.Problem` with one Pair per request.

    First line ``K Q S`` (vehicles, capacity, speed; speed is 1 in every published file), then
    ``id x y demand ready due service pickup delivery`` per node, node 0 the depot. A row with
    positive demand is a pickup whose partner is ``delivery``. Units as in
    :func:`~planner.formats.solomon.read_solomon`.

    Raises
    ------
    FormatError
        If the layout or the pairing is broken (the message names the file and the line).
    """
    lines = [ln for ln in Path(path).read_text(encoding="utf-8", errors="replace").splitlines()]
    body = [(no, ln.split()) for no, ln in enumerate(lines, start=1) if ln.strip()]
    if not body or len(body[0][1]) != 3:
        raise FormatError(f"{path}: first line must be 'vehicles capacity speed'")
    try:
        fleet, capacity = int(body[0][1][0]), int(body[0][1][1])
        rows = []
        for no, parts in body[1:]:
            if len(parts) != 9:
                raise FormatError(f"{path}: line {no} has {len(parts)} fields, expected 9")
            rows.append([float(x) for x in parts])
    except ValueError as exc:
        raise FormatError(f"{path}: {exc}") from exc
    if len(rows) < 3 or int(rows[0][0]) != 0:
        raise FormatError(f"{path}: expected the depot (node 0) and at least one request")
    coords = tuple((r[1], r[2]) for r in rows)
    duration, distance = euclidean_matrices(coords)
    stops, pairs = [], []
    for i, r in enumerate(rows[1:], start=1):
        demand = int(r[3])
        kind = StopKind.PICKUP if demand > 0 else StopKind.DELIVERY
        stops.append(
            Stop(
                id=str(int(r[0])),
                place=i,
                kind=kind,
                load=Load(parcels=abs(demand)),
                service_s=int(r[6] * SCALE),
                windows=(TimeWindow(int(r[4] * SCALE), int(r[5] * SCALE)),),
            )
        )
        if demand > 0:
            partner = int(r[8])
            if not 0 < partner < len(rows):
                raise FormatError(f"{path}: pickup {int(r[0])} has no delivery partner")
            pairs.append(Pair(str(int(r[0])), str(partner)))
    horizon = int(rows[0][5] * SCALE)
    vehicles = tuple(
        Vehicle(id=f"v{k + 1}", shift=TimeWindow(0, horizon), capacity=Capacity(parcels=capacity))
        for k in range(fleet)
    )
    return Problem(
        duration_s=Matrix(duration),
        distance_m=Matrix(distance),
        stops=tuple(stops),
        vehicles=vehicles,
        pairs=tuple(pairs),
        objective=Objective.DISTANCE,
        minimise_vehicles=True,
        name=Path(path).stem,
        coords=coords,
        scale=SCALE,
    )
