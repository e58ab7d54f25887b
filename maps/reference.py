"""A plain networkx reference for the compiled matrices: slow, simple, independent.

Used by ``bakfiets matrix`` to check a sample of rows and by ``make bench`` for the speed ratio.
It re-derives how a snapped point joins the network from the link's edges instead of sharing
:mod:`maps.matrix`'s attachment code, so a mistake there shows up as a mismatch here.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

from maps.graph import BikeGraph
from maps.snap import Snap


def reference_digraph(graph: BikeGraph) -> nx.DiGraph:
    """Simple digraph of the network weighted by ``travel_time_s`` (cheapest parallel edge)."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(graph.n_nodes))
    for u, v, t in zip(
        graph.edge_u.tolist(), graph.edge_v.tolist(), graph.edge_travel_time_s.tolist(), strict=True
    ):
        if not digraph.has_edge(u, v) or digraph[u][v]["travel_time_s"] > t:
            digraph.add_edge(u, v, travel_time_s=t)
    return digraph


def _joins(graph: BikeGraph, snap: Snap) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """(node, seconds) ways out of and into a snapped point."""
    out: list[tuple[int, float]] = []
    into: list[tuple[int, float]] = []
    for edge, along in zip(graph.link_edges[snap.link].tolist(), (True, False), strict=True):
        if edge < 0:
            continue
        t = float(graph.edge_travel_time_s[edge])
        done = snap.fraction if along else 1 - snap.fraction  # share behind the point
        out.append((int(graph.edge_v[edge]), (1 - done) * t))
        into.append((int(graph.edge_u[edge]), done * t))
    return out, into


def reference_durations(
    graph: BikeGraph, digraph: nx.DiGraph, snaps: Sequence[Snap], sources: Sequence[int]
) -> np.ndarray:
    """Riding seconds from ``snaps[i]`` for ``i`` in ``sources`` to every snap, by networkx.

    Parameters
    ----------
    graph : BikeGraph
        The network.
    digraph : nx.DiGraph
        From :func:`reference_digraph`.
    snaps : sequence of Snap
        All points.
    sources : sequence of int
        Rows to compute.

    Returns
    -------
    np.ndarray
        float64 [len(sources), len(snaps)].
    """
    joins = [_joins(graph, snap) for snap in snaps]
    result = np.empty((len(sources), len(snaps)))
    for row, i in enumerate(sources):
        best: dict[int, float] = {}
        for node, cost in joins[i][0]:
            lengths = nx.single_source_dijkstra_path_length(digraph, node, weight="travel_time_s")
            for target, t in lengths.items():
                if cost + t < best.get(target, np.inf):
                    best[target] = cost + t
        for j, snap in enumerate(snaps):
            result[row, j] = min(best[node] + cost for node, cost in joins[j][1])
            if snap.link == snaps[i].link:  # riding straight along a shared link
                fwd, bwd = graph.link_edges[snap.link].tolist()
                fi, fj = snaps[i].fraction, snap.fraction
                if i == j:
                    result[row, j] = 0.0
                elif fwd >= 0 and fj >= fi:
                    direct = (fj - fi) * float(graph.edge_travel_time_s[fwd])
                    result[row, j] = min(result[row, j], direct)
                elif bwd >= 0 and fj <= fi:
                    direct = (fi - fj) * float(graph.edge_travel_time_s[bwd])
                    result[row, j] = min(result[row, j], direct)
    return result
