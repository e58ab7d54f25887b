"""Riding times between one new point and many known points: one row and one column of a
matrix, without computing the matrix again.

:func:`maps.matrix.travel_matrix` runs one Dijkstra per point. A checkout asking "could a bike
fit this address in?" needs only the new point's row (from it to every known point) and column
(from every known point to it): one Dijkstra on the network from the new point's way, and one
on the reversed network into it. The figures are the ones :func:`~maps.matrix.travel_matrix`
gives for the same snaps (the same packed weights, the same way of joining a point to its link,
the same direct ride along a shared link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from maps.graph import BikeGraph
from maps.matrix import _same_link_direct, _unpack, attach_points, edge_weights
from maps.snap import Snap


@dataclass(frozen=True)
class RowColumn:
    """Travel from a new point to each known point (``*_from``) and back (``*_to``).

    Attributes
    ----------
    duration_from_s, distance_from_m : np.ndarray
        float64 [P]: riding time (s) and length (m) from the new point to known point ``j``.
    duration_to_s, distance_to_m : np.ndarray
        float64 [P]: from known point ``j`` to the new point.
    """

    duration_from_s: np.ndarray
    distance_from_m: np.ndarray
    duration_to_s: np.ndarray
    distance_to_m: np.ndarray


def _forward(graph: BikeGraph) -> csr_matrix:
    def build() -> csr_matrix:
        n = graph.n_nodes
        weights = edge_weights(graph)
        # Parallel edges: keep the cheapest (csr_matrix would add them up).
        order = np.lexsort((weights, graph.edge_v, graph.edge_u))
        u, v, w = graph.edge_u[order], graph.edge_v[order], weights[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        return csr_matrix((w[first], (u[first], v[first])), shape=(n, n))

    result: csr_matrix = graph.derived("probe_forward", build)
    return result


def _backward(graph: BikeGraph) -> csr_matrix:
    result: csr_matrix = graph.derived("probe_backward", lambda: _forward(graph).T.tocsr())
    return result


class PointProbe:
    """Rows and columns of new points against a growing list of known points.

    Parameters
    ----------
    graph : BikeGraph
        The network the known points were snapped to.
    known : sequence of Snap
        The known points, in matrix order.
    """

    def __init__(self, graph: BikeGraph, known: Sequence[Snap]) -> None:
        self.graph = graph
        self.known: list[Snap] = list(known)
        self._attach()

    def _attach(self) -> None:
        att = attach_points(self.graph, self.known)
        self._exit = (att.exit_point, att.exit_node, att.exit_weight)
        self._entry = (att.entry_point, att.entry_node, att.entry_weight)

    def add(self, snaps: Sequence[Snap]) -> None:
        """Make ``snaps`` known points too (after the others, in this order)."""
        self.known.extend(snaps)
        self._attach()

    def measure(self, snap: Snap) -> RowColumn:
        """The new point's row and column against the known points.

        Parameters
        ----------
        snap : Snap
            The new point, snapped to the same graph.

        Returns
        -------
        RowColumn
        """
        graph = self.graph
        p = len(self.known)
        own = attach_points(graph, [snap])
        # From the new point: leave by its exit edges, reach each known point by its entries.
        reached = dijkstra(_forward(graph), directed=True, indices=own.exit_node)
        via = reached + own.exit_weight[:, None]
        from_node = via.min(axis=0)
        e_point, e_node, e_weight = self._entry
        row = np.full(p, np.inf)
        np.minimum.at(row, e_point, from_node[e_node] + e_weight)
        # Into the new point: on the reversed network from its entry edges, then each known
        # point's exit edges.
        back = dijkstra(_backward(graph), directed=True, indices=own.entry_node)
        to_node = (back + own.entry_weight[:, None]).min(axis=0)
        x_point, x_node, x_weight = self._exit
        column = np.full(p, np.inf)
        np.minimum.at(column, x_point, to_node[x_node] + x_weight)
        # Along a shared link, riding straight there may beat leaving it.
        same = [j for j, s in enumerate(self.known) if s.link == snap.link]
        if same:
            direct = _same_link_direct(graph, [snap, *(self.known[j] for j in same)])
            for a, b, weight in direct:
                if a == 0 and b > 0:
                    j = same[b - 1]
                    row[j] = min(row[j], weight)
                elif b == 0 and a > 0:
                    j = same[a - 1]
                    column[j] = min(column[j], weight)
        if not (np.isfinite(row).all() and np.isfinite(column).all()):
            raise RuntimeError(
                "unreachable pair in a strongly connected graph: the graph is corrupt"
            )
        duration_from, distance_from = _unpack(row)
        duration_to, distance_to = _unpack(column)
        return RowColumn(duration_from, distance_from, duration_to, distance_to)
