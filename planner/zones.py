"""Split a large day into parts that can be planned apart (here in processes, later as jobs).

Stops are grouped around ``k`` seed stops chosen far apart on the riding-time matrix
(farthest-point seeding, then two rounds of re-centring on each part's medoid), each part
holding about the same number of stops; both halves of a pair always go to the same part.
Bikes are dealt to parts in proportion to their stops, bike types mixed evenly. Each part is a
complete :class:`~planner.problem.Problem` sharing the day's matrices (no copy), so a part can
be shipped to another machine with its sub-matrix and planned like any day.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from planner.problem import Problem

PART_STOPS = 1000  # stops per part above which a day is split


def parts_needed(n_stops: int, part_stops: int = PART_STOPS) -> int:
    """How many parts a day of ``n_stops`` is split into (1: not split)."""
    return max(1, math.ceil(n_stops / (part_stops * 1.25)))


def split_day(problem: Problem, k: int) -> list[tuple[Problem, list[int]]]:
    """Split ``problem`` into ``k`` parts of nearby stops.

    Parameters
    ----------
    problem : Problem
        Frozen bikes are kept with the part holding most of their frozen stops.
    k : int
        Number of parts.

    Returns
    -------
    list of (Problem, list of int)
        Each part, and the positions of its bikes in ``problem.vehicles``.
    """
    if k <= 1:
        return [(problem, list(range(len(problem.vehicles))))]
    p = problem
    partner = p.partner()
    # One "unit" per stop, pairs as one unit located at the delivery.
    units: list[list[str]] = []
    seen: set[str] = set()
    for s in p.stops:
        if s.id in seen:
            continue
        group = [s.id] + ([partner[s.id]] if s.id in partner else [])
        seen.update(group)
        units.append(group)
    places = np.array([p.stop(u[-1]).place for u in units])
    d = p.duration_s.array
    sym = d[np.ix_(places, places)] + d[np.ix_(places, places)].T
    depot = p.vehicles[0].start_place if p.vehicles else 0
    from_depot = d[depot, places] + d[places, depot]
    seeds = [int(from_depot.argmax())]
    nearest = sym[seeds[0]].astype(np.float64)
    while len(seeds) < k:
        nxt = int(nearest.argmax())
        seeds.append(nxt)
        nearest = np.minimum(nearest, sym[nxt])
    size = [len(u) for u in units]
    cap = math.ceil(sum(size) / k * 1.05)
    assign = np.zeros(len(units), dtype=int)
    for _ in range(3):
        cost = sym[:, seeds]  # units x k
        order = np.argsort(cost.min(axis=1) - np.sort(cost, axis=1)[:, min(1, k - 1)])
        load = [0] * k
        for u in order:
            for part in np.argsort(cost[u]):
                if load[part] + size[u] <= cap or part == np.argsort(cost[u])[-1]:
                    assign[u] = part
                    load[part] += size[u]
                    break
        new_seeds = []
        for part in range(k):
            members = np.flatnonzero(assign == part)
            if len(members) == 0:
                new_seeds.append(seeds[part])
                continue
            sub = sym[np.ix_(members, members)]
            new_seeds.append(int(members[sub.sum(axis=1).argmin()]))
        seeds = new_seeds
    stops_of: list[set[str]] = [set() for _ in range(k)]
    for u, part in zip(units, assign.tolist(), strict=True):
        stops_of[part].update(u)
    # Bikes: frozen ones follow their stops; the rest dealt by type in proportion to stops.
    vehicles_of: list[list[int]] = [[] for _ in range(k)]
    frozen_of = {fr.vehicle_id: fr.stop_ids for fr in p.frozen}
    free: list[int] = []
    for vi, v in enumerate(p.vehicles):
        done = frozen_of.get(v.id, ())
        if done:
            part = max(range(k), key=lambda q: sum(1 for s in done if s in stops_of[q]))
            vehicles_of[part].append(vi)
            # Every frozen stop (and its partner) rides with its bike's part.
            moved = set(done) | {partner[s] for s in done if s in partner}
            for q in range(k):
                stops_of[q] -= moved
            stops_of[part] |= moved
        else:
            free.append(vi)
    free.sort(key=lambda vi: (p.vehicles[vi].shift.start_s, p.vehicles[vi].shift.end_s))
    share = [len(s) for s in stops_of]
    total = sum(share) or 1
    for vi in free:
        # Give the next bike to the part furthest below its share of the fleet.
        n_total = sum(len(v) for v in vehicles_of) + 1
        part = max(range(k), key=lambda q: share[q] / total * n_total - len(vehicles_of[q]))
        vehicles_of[part].append(vi)
    out = []
    for part in range(k):
        ids: set[str] = stops_of[part]
        vids = {p.vehicles[vi].id for vi in vehicles_of[part]}
        sub = replace(
            p,
            stops=tuple(s for s in p.stops if s.id in ids),
            vehicles=tuple(p.vehicles[vi] for vi in vehicles_of[part]),
            pairs=tuple(pr for pr in p.pairs if pr.pickup_id in ids),
            frozen=tuple(fr for fr in p.frozen if fr.vehicle_id in vids),
            name=f"{p.name} part {part + 1}/{k}",
        )
        out.append((sub, vehicles_of[part]))
    return out
