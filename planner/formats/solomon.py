"""Solomon (1987) and Gehring-Homberger (1999) VRPTW instances (same text layout)."""

from __future__ import annotations

from pathlib import Path

from planner.formats.common import SCALE, FormatError, euclidean_matrices
from planner.matrix import Matrix
from planner.problem import Capacity, Load, Objective, Problem, Stop, TimeWindow, Vehicle


def read_solomon(path: str | Path) -> Problem:
    """Read a Solomon / Gehring-Homberger file into a :class:`~planner.problem.Problem`.

    Node 0 is the depot (its due date ends every shift); each customer becomes a delivery
    ``Stop`` named by its number, with the demand in ``Load.parcels``. Times and distances are
    scaled by :data:`~planner.formats.common.SCALE`. The fleet is the file's ``NUMBER`` of
    identical bikes; the objective is fewest vehicles, then distance.

    Raises
    ------
    FormatError
        If the file does not follow the layout (the message names the file and the line).
    """
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    name = lines[0].strip() if lines else ""
    try:
        vi = next(i for i, ln in enumerate(lines) if ln.strip().upper().startswith("VEHICLE"))
        k_str, q_str = next(ln for ln in lines[vi + 1 :] if ln.strip()[:1].isdigit()).split()[:2]
        fleet, capacity = int(k_str), int(q_str)
        ci = next(i for i, ln in enumerate(lines) if ln.strip().upper().startswith("CUSTOMER"))
    except (StopIteration, ValueError) as exc:
        raise FormatError(f"{path}: no VEHICLE / CUSTOMER blocks ({exc})") from exc
    rows = []
    for no, ln in enumerate(lines[ci + 1 :], start=ci + 2):
        parts = ln.split()
        if not parts or not parts[0].isdigit():
            continue
        if len(parts) < 7:
            raise FormatError(f"{path}: line {no} has {len(parts)} fields, expected 7")
        try:
            rows.append([float(x) for x in parts[:7]])
        except ValueError as exc:
            raise FormatError(f"{path}: line {no}: {exc}") from exc
    if len(rows) < 2 or int(rows[0][0]) != 0:
        raise FormatError(f"{path}: expected the depot (node 0) and at least one customer")
    coords = tuple((r[1], r[2]) for r in rows)
    duration, distance = euclidean_matrices(coords)
    horizon = int(rows[0][5] * SCALE)
    stops = tuple(
        Stop(
            id=str(int(r[0])),
            place=i,
            load=Load(parcels=int(r[3])),
            service_s=int(r[6] * SCALE),
            windows=(TimeWindow(int(r[4] * SCALE), int(r[5] * SCALE)),),
        )
        for i, r in enumerate(rows)
        if i > 0
    )
    vehicles = tuple(
        Vehicle(id=f"v{k + 1}", shift=TimeWindow(0, horizon), capacity=Capacity(parcels=capacity))
        for k in range(fleet)
    )
    return Problem(
        duration_s=Matrix(duration),
        distance_m=Matrix(distance),
        stops=stops,
        vehicles=vehicles,
        objective=Objective.DISTANCE,
        minimise_vehicles=True,
        name=name,
        coords=coords,
        scale=SCALE,
    )
