"""Travel-time and distance matrices and routes between snapped points.

Shortest paths run in scipy's compiled Dijkstra (``scipy.sparse.csgraph``), one source per
point, split over the machine's cores. Each point joins the graph as two virtual nodes: a source
with edges to the ends of its link it can ride towards, and a sink reached from the link ends it
can be ridden to, each edge costing the part of the link it covers. Trips between two points on
the same link ride along it directly when the direction allows.

Paths minimise travel time; the distance reported is the length of that fastest path. Both are
found in one Dijkstra run by packing them into one exact integer weight,
``time_ms * 2**25 + length_cm`` (float64 holds integers up to 2**53 exactly, so neither part
rounds beyond its unit): the time decides, and among equally fast paths the shorter wins.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from maps.geo import Point
from maps.graph import BikeGraph
from maps.snap import DEFAULT_SNAP_LIMIT_M, Snap, snap_points

_LENGTH_BITS = 25  # length field holds up to 2**25 cm = 335 km
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1
_MIN_SOURCES_PER_PROCESS = 100  # below this a process costs more than it saves
_CAN_FORK = hasattr(os, "fork")


@dataclass(frozen=True)
class TravelMatrix:
    """Directed travel matrices between points; row = from, column = to.

    Attributes
    ----------
    duration_s : np.ndarray
        float64 [P, P] riding time in seconds (A→B may differ from B→A on one-ways).
    distance_m : np.ndarray
        float64 [P, P] length in metres of the fastest path.
    snaps : list of Snap
        Where each point joined the network.
    """

    duration_s: np.ndarray
    distance_m: np.ndarray
    snaps: list[Snap]


def _pack(time_s: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Exact integer weights (as float64) that order by time, then by length."""
    time_ms = np.rint(np.asarray(time_s) * 1000.0).astype(np.int64)
    length_cm = np.rint(np.asarray(length_m) * 100.0).astype(np.int64)
    return ((time_ms << _LENGTH_BITS) + length_cm).astype(np.float64)


def _unpack(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    packed = weight.astype(np.int64)
    return (packed >> _LENGTH_BITS) / 1000.0, (packed & _LENGTH_MASK) / 100.0


def edge_weights(graph: BikeGraph) -> np.ndarray:
    """Packed time+length weight of every edge (memoised on the graph)."""
    result: np.ndarray = graph.derived(
        "edge_weight",
        lambda: np.maximum(_pack(graph.edge_travel_time_s, graph.edge_length_m), 1.0),
    )
    return result


@dataclass(frozen=True)
class Attachments:
    """Virtual edges joining points to the graph: (point, node, packed weight)."""

    exit_point: np.ndarray
    exit_node: np.ndarray
    exit_weight: np.ndarray
    entry_point: np.ndarray
    entry_node: np.ndarray
    entry_weight: np.ndarray


def partial_weights(graph: BikeGraph, edges: np.ndarray, share: np.ndarray | float) -> np.ndarray:
    """Packed weight of riding ``share`` (0..1) of each edge."""
    return np.maximum(
        _pack(graph.edge_travel_time_s[edges] * share, graph.edge_length_m[edges] * share), 1.0
    )


def attach_points(graph: BikeGraph, snaps: Sequence[Snap]) -> Attachments:
    """Virtual edges by which each snapped point leaves and joins the graph."""
    link = np.array([s.link for s in snaps], dtype=np.int64)
    frac = np.array([s.fraction for s in snaps])
    points = np.arange(len(snaps))
    fwd, bwd = graph.link_edges[link, 0], graph.link_edges[link, 1]
    has_f, has_b = fwd >= 0, bwd >= 0
    # Leaving a point: ride the rest of the link forward, or back to its start.
    exit_point = np.concatenate([points[has_f], points[has_b]])
    exit_node = np.concatenate([graph.edge_v[fwd[has_f]], graph.edge_v[bwd[has_b]]])
    exit_weight = np.concatenate(
        [
            partial_weights(graph, fwd[has_f], 1 - frac[has_f]),
            partial_weights(graph, bwd[has_b], frac[has_b]),
        ]
    )
    # Reaching a point: come in from the link's start riding forward, or from its end backward.
    entry_node = np.concatenate([graph.edge_u[fwd[has_f]], graph.edge_u[bwd[has_b]]])
    entry_weight = np.concatenate(
        [
            partial_weights(graph, fwd[has_f], frac[has_f]),
            partial_weights(graph, bwd[has_b], 1 - frac[has_b]),
        ]
    )
    return Attachments(exit_point, exit_node, exit_weight, exit_point, entry_node, entry_weight)


def augmented_graph(
    graph: BikeGraph, att: Attachments, n_points: int, *, sinks: bool = True
) -> csr_matrix:
    """Graph plus a source node (N + i) and, if ``sinks``, a sink node (N + P + i) per point."""
    n = graph.n_nodes
    parts = [
        (graph.edge_u, graph.edge_v, edge_weights(graph)),
        (n + att.exit_point, att.exit_node, att.exit_weight),
    ]
    if sinks:
        parts.append((att.entry_node, n + n_points + att.entry_point, att.entry_weight))
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    weights = np.concatenate([p[2] for p in parts])
    # Parallel edges: keep the cheapest (csr_matrix would add them up).
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    size = n + (2 if sinks else 1) * n_points
    return csr_matrix((weights[first], (rows[first], cols[first])), shape=(size, size))


def _same_link_direct(graph: BikeGraph, snaps: Sequence[Snap]) -> list[tuple[int, int, float]]:
    """Direct rides between points on the same link, where the direction is allowed."""
    by_link: dict[int, list[int]] = {}
    for i, snap in enumerate(snaps):
        by_link.setdefault(snap.link, []).append(i)
    direct = []
    for link, members in by_link.items():
        fwd, bwd = graph.link_edges[link]
        for i in members:
            for j in members:
                fi, fj = snaps[i].fraction, snaps[j].fraction
                if i == j:
                    direct.append((i, j, 0.0))
                elif fwd >= 0 and fj >= fi:
                    direct.append(
                        (i, j, float(partial_weights(graph, np.array([fwd]), fj - fi)[0]))
                    )
                elif bwd >= 0 and fj <= fi:
                    direct.append(
                        (i, j, float(partial_weights(graph, np.array([bwd]), fi - fj)[0]))
                    )
    return direct


# Set just before the worker processes fork, so they inherit it instead of unpickling it.
_FORK_STATE: dict[str, np.ndarray | csr_matrix] = {}


def _dijkstra_rows(sources: np.ndarray) -> np.ndarray:
    """Packed weights from each source to each point: best of its (1-2) entry edges."""
    state = _FORK_STATE
    reached = dijkstra(state["csgraph"], directed=True, indices=sources)
    via_entry = reached[:, state["entry_node"]] + state["entry_weight"]
    rows: np.ndarray = np.minimum.reduceat(via_entry, state["entry_start"], axis=1)
    return rows


def _run_dijkstra(
    csgraph: csr_matrix, sources: np.ndarray, att: Attachments, workers: int
) -> np.ndarray:
    """Dijkstra from every source, read at the points' entries; rows split over processes.

    Points are reached through their entry edges after the run instead of as sink nodes inside
    it, which keeps the graph searched ~15 % smaller. scipy's Dijkstra holds the GIL, so threads
    do not help; forked children share the graph copy-on-write and send back only their rows.
    """
    order = np.argsort(att.entry_point, kind="stable")
    entry_point = att.entry_point[order]
    _FORK_STATE.update(
        csgraph=csgraph,
        entry_node=att.entry_node[order],
        entry_weight=att.entry_weight[order],
        entry_start=np.flatnonzero(np.r_[True, entry_point[1:] != entry_point[:-1]]),
    )
    try:
        if workers <= 1 or len(sources) < _MIN_SOURCES_PER_PROCESS * 2 or not _CAN_FORK:
            return _dijkstra_rows(sources)
        n_points = len(_FORK_STATE["entry_start"])
        return _forked_rows(np.array_split(sources, workers), n_points)
    finally:
        _FORK_STATE.clear()


def _forked_rows(chunks: list[np.ndarray], n_points: int) -> np.ndarray:
    """Rows of the first chunk here, of the others in forked children sending raw bytes back.

    A child that fails (or is killed) is not fatal: its rows are computed here instead.
    """
    children = []
    for chunk in chunks[1:]:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: compute, send, leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read_fd)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(np.ascontiguousarray(_dijkstra_rows(chunk)).tobytes())
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        children.append((pid, read_fd, chunk))
    parts = [_dijkstra_rows(chunks[0])]
    for pid, read_fd, chunk in children:
        with os.fdopen(read_fd, "rb") as inp:
            data = inp.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or len(data) != len(chunk) * n_points * 8:
            parts.append(_dijkstra_rows(chunk))
        else:
            parts.append(np.frombuffer(data, dtype=np.float64).reshape(len(chunk), n_points))
    return np.vstack(parts)


def travel_matrix(
    graph: BikeGraph,
    points: Sequence[Point] | None = None,
    *,
    snaps: Sequence[Snap] | None = None,
    snap_limit_m: float = DEFAULT_SNAP_LIMIT_M,
    workers: int | None = None,
) -> TravelMatrix:
    """Directed riding time and distance between every pair of points.

    Parameters
    ----------
    graph : BikeGraph
        The network.
    points : sequence of Point, optional
        Positions (``lat`` / ``lon`` degrees); snapped with :func:`maps.snap.snap_points`.
    snaps : sequence of Snap, optional
        Already snapped points, instead of ``points``.
    snap_limit_m : float
        Farthest a point may lie from a way, metres.
    workers : int, optional
        Processes for the Dijkstra runs; defaults to the number of cores.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    SnapError
        If a point is farther than ``snap_limit_m`` from every bikeable way.
    ValueError
        If neither or both of ``points`` and ``snaps`` are given.
    """
    if (points is None) == (snaps is None):
        raise ValueError("give either points or snaps")
    snapped = (
        list(snaps) if snaps is not None else snap_points(graph, points or [], limit_m=snap_limit_m)
    )
    p = len(snapped)
    if p == 0:
        empty = np.zeros((0, 0))
        return TravelMatrix(empty, empty.copy(), [])
    att = attach_points(graph, snapped)
    csgraph = augmented_graph(graph, att, p, sinks=False)
    workers = max(1, min(workers or os.cpu_count() or 1, p))
    packed = _run_dijkstra(csgraph, graph.n_nodes + np.arange(p), att, workers)
    for i, j, weight in _same_link_direct(graph, snapped):
        packed[i, j] = min(packed[i, j], weight)
    if not np.isfinite(packed).all():
        raise RuntimeError("unreachable pair in a strongly connected graph: the graph is corrupt")
    duration_s, distance_m = _unpack(packed)
    return TravelMatrix(duration_s, distance_m, snapped)
