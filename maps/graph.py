"""The cargo-bike road graph of a city, built from OSM and cached.

A :class:`BikeGraph` is compact and array-based so that matrices run on compiled code:

* **nodes** are OSM nodes where ways meet or end (intersections and dead ends);
* **links** are the stretches of one OSM way between two nodes, with their full geometry in the
  way's node order — what a stop snaps to and what a map draws;
* **edges** are the directions a bike may ride a link: ``forward`` follows the way's node order.
  A link of a two-way street has two edges, of a one-way street one, and of a one-way street
  with contraflow cycling two, the one against traffic marked ``edge_contraflow``.

An edge never spans two OSM ways, so every edge can be traced back to the way it came from.
Only the largest strongly connected part is kept, so every node can reach every other.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from maps.cache import cache_key, cached, file_sha256
from maps.geo import LocalProjection, haversine_m
from maps.osm_read import GraphSourceError, RawWay, check_osm_file, read_bike_ways
from maps.profiles import PEDAL, BikeProfile

GRAPH_FORMAT = "bikegraph-1"


@dataclass
class GraphStats:
    """What a build read and kept; printed by ``bakfiets graph build``."""

    source: str
    highway_ways: int
    bike_ways: int
    nodes: int
    edges: int
    contraflow_edges: int
    dropped_nodes: int
    build_s: float


@dataclass
class BikeGraph:
    """A directed cargo-bike network (see module docstring for nodes, links and edges).

    All coordinates are WGS84 degrees; lengths in metres; travel times in seconds.
    """

    profile: BikeProfile
    stats: GraphStats
    node_osm_id: np.ndarray  # int64 [N]
    node_lat: np.ndarray  # float64 [N]
    node_lon: np.ndarray  # float64 [N]
    link_way_id: np.ndarray  # int64 [L]
    link_offsets: np.ndarray  # int64 [L+1], into coord_lat / coord_lon
    coord_lat: np.ndarray  # float64 [C]
    coord_lon: np.ndarray  # float64 [C]
    link_length_m: np.ndarray  # float64 [L]
    link_highway: list[str]
    link_name: list[str]
    link_speed_class: list[str]
    link_edges: np.ndarray  # int64 [L, 2]: forward edge id, backward edge id, -1 if none
    edge_u: np.ndarray  # int64 [E]
    edge_v: np.ndarray  # int64 [E]
    edge_link: np.ndarray  # int64 [E]
    edge_forward: np.ndarray  # bool [E]
    edge_length_m: np.ndarray  # float64 [E]
    edge_travel_time_s: np.ndarray  # float64 [E]
    edge_contraflow: np.ndarray  # bool [E]
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_derived"] = {}  # indexes are rebuilt on demand, never pickled
        return state

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_lat)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    @property
    def projection(self) -> LocalProjection:
        """Metric projection centred on the graph."""
        return LocalProjection(float(self.node_lat.mean()), float(self.node_lon.mean()))

    def derived(self, name: str, build: Any) -> Any:
        """Memoise an index derived from the graph (snap tree, sparse matrices)."""
        if name not in self._derived:
            self._derived[name] = build()
        return self._derived[name]

    def link_coords(self, link: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lat, lon)`` arrays of a link's geometry in the way's node order."""
        start, end = self.link_offsets[link], self.link_offsets[link + 1]
        return self.coord_lat[start:end], self.coord_lon[start:end]

    def edge_coords(self, edge: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lat, lon)`` arrays of an edge's geometry in riding direction."""
        lat, lon = self.link_coords(int(self.edge_link[edge]))
        if self.edge_forward[edge]:
            return lat, lon
        return lat[::-1], lon[::-1]

    def edge_way_id(self, edge: int) -> int:
        """OSM way id the edge comes from."""
        return int(self.link_way_id[self.edge_link[edge]])

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph as a networkx MultiDiGraph (node keys are node indexes).

        Edge attributes: ``length_m``, ``travel_time_s``, ``way_id``, ``contraflow``; node
        attributes ``lat``, ``lon``, ``osmid``. Meant for checks and comparisons, not speed.
        """
        graph = nx.MultiDiGraph()
        for node in range(self.n_nodes):
            graph.add_node(
                node,
                lat=float(self.node_lat[node]),
                lon=float(self.node_lon[node]),
                osmid=int(self.node_osm_id[node]),
            )
        for edge in range(self.n_edges):
            graph.add_edge(
                int(self.edge_u[edge]),
                int(self.edge_v[edge]),
                key=edge,
                length_m=float(self.edge_length_m[edge]),
                travel_time_s=float(self.edge_travel_time_s[edge]),
                way_id=self.edge_way_id(edge),
                contraflow=bool(self.edge_contraflow[edge]),
            )
        return graph


def _split_points(ways: Sequence[RawWay]) -> set[int]:
    """OSM node ids where a link must end: shared by two ways (or twice by one) or way ends."""
    all_ids = np.concatenate([w.node_ids for w in ways])
    ids, counts = np.unique(all_ids, return_counts=True)
    split = set(ids[counts > 1].tolist())
    for way in ways:
        split.add(int(way.node_ids[0]))
        split.add(int(way.node_ids[-1]))
    return split


def build_graph(
    ways: Sequence[RawWay], profile: BikeProfile, *, source: str, highway_ways: int
) -> BikeGraph:
    """Build a :class:`BikeGraph` from bikeable ways.

    Parameters
    ----------
    ways : sequence of RawWay
        Output of :func:`maps.osm_read.read_bike_ways`.
    profile : BikeProfile
        Speeds per speed class.
    source : str
        Where the ways came from (for stats and messages).
    highway_ways : int
        How many highway ways the source had, for stats.

    Returns
    -------
    BikeGraph
        Its largest strongly connected part.

    Raises
    ------
    GraphSourceError
        If no two places are connected by bikeable ways.
    """
    started = time.perf_counter()
    split = _split_points(ways)
    # Links: pieces of a way between split points.
    link_way, link_a, link_b, link_rows = [], [], [], []
    for w_index, way in enumerate(ways):
        cuts = [i for i, node in enumerate(way.node_ids.tolist()) if node in split]
        for start, end in itertools.pairwise(cuts):
            link_way.append(w_index)
            link_a.append(int(way.node_ids[start]))
            link_b.append(int(way.node_ids[end]))
            link_rows.append((start, end))
    node_ids = np.unique(np.array(link_a + link_b, dtype=np.int64))
    index_of = {int(osm): i for i, osm in enumerate(node_ids)}

    edge_u, edge_v, edge_link, edge_forward, edge_contra = [], [], [], [], []
    for link, w_index in enumerate(link_way):
        rule = ways[w_index].rule
        a, b = index_of[link_a[link]], index_of[link_b[link]]
        for forward, allowed in ((True, rule.forward), (False, rule.backward)):
            if allowed:
                edge_u.append(a if forward else b)
                edge_v.append(b if forward else a)
                edge_link.append(link)
                edge_forward.append(forward)
                edge_contra.append(rule.contraflow == ("forward" if forward else "backward"))
    n_all = len(node_ids)
    adjacency = csr_matrix(
        (np.ones(len(edge_u)), (np.array(edge_u), np.array(edge_v))), shape=(n_all, n_all)
    )
    _, labels = connected_components(adjacency, directed=True, connection="strong")
    biggest = np.bincount(labels).argmax()
    keep_node = labels == biggest
    if keep_node.sum() < 2:
        raise GraphSourceError(source, "its bikeable ways do not connect any two places")

    e_u, e_v = np.array(edge_u, dtype=np.int64), np.array(edge_v, dtype=np.int64)
    keep_edge = keep_node[e_u] & keep_node[e_v]
    new_index = np.cumsum(keep_node) - 1
    e_link = np.array(edge_link, dtype=np.int64)[keep_edge]
    kept_links = np.unique(e_link)
    link_new = np.full(len(link_way), -1, dtype=np.int64)
    link_new[kept_links] = np.arange(len(kept_links))

    lats, lons, offsets, lengths, highways, names, classes, way_ids = (
        [],
        [],
        [0],
        [],
        [],
        [],
        [],
        [],
    )
    for link in kept_links.tolist():
        way = ways[link_way[link]]
        start, end = link_rows[link]
        lat, lon = way.lat[start : end + 1], way.lon[start : end + 1]
        lats.append(lat)
        lons.append(lon)
        offsets.append(offsets[-1] + len(lat))
        lengths.append(float(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()))
        highways.append(way.highway)
        names.append(way.name)
        classes.append(way.rule.speed_class)
        way_ids.append(way.way_id)
    link_length_m = np.array(lengths)
    speed_mps = np.array([profile.speed_kph[c] / 3.6 for c in classes])

    final_link = link_new[e_link]
    forward = np.array(edge_forward, dtype=bool)[keep_edge]
    link_edges = np.full((len(kept_links), 2), -1, dtype=np.int64)
    link_edges[final_link[forward], 0] = np.flatnonzero(forward)
    link_edges[final_link[~forward], 1] = np.flatnonzero(~forward)
    edge_length_m = link_length_m[final_link]
    contraflow = np.array(edge_contra, dtype=bool)[keep_edge]
    kept_nodes = np.flatnonzero(keep_node)
    coord_lat, coord_lon = np.concatenate(lats), np.concatenate(lons)
    node_lat = np.empty(len(kept_nodes))
    node_lon = np.empty(len(kept_nodes))
    u_new, v_new = new_index[e_u[keep_edge]], new_index[e_v[keep_edge]]
    starts = np.array(offsets[:-1])[final_link]
    ends = np.array(offsets[1:])[final_link] - 1
    first = np.where(forward, starts, ends)
    node_lat[u_new], node_lon[u_new] = coord_lat[first], coord_lon[first]
    stats = GraphStats(
        source=source,
        highway_ways=highway_ways,
        bike_ways=len({w.way_id for w in ways}),
        nodes=len(kept_nodes),
        edges=int(keep_edge.sum()),
        contraflow_edges=int(contraflow.sum()),
        dropped_nodes=int(n_all - len(kept_nodes)),
        build_s=0.0,
    )
    graph = BikeGraph(
        profile=profile,
        stats=stats,
        node_osm_id=node_ids[kept_nodes],
        node_lat=node_lat,
        node_lon=node_lon,
        link_way_id=np.array(way_ids, dtype=np.int64),
        link_offsets=np.array(offsets, dtype=np.int64),
        coord_lat=coord_lat,
        coord_lon=coord_lon,
        link_length_m=link_length_m,
        link_highway=highways,
        link_name=names,
        link_speed_class=classes,
        link_edges=link_edges,
        edge_u=u_new,
        edge_v=v_new,
        edge_link=final_link,
        edge_forward=forward,
        edge_length_m=edge_length_m,
        edge_travel_time_s=edge_length_m / speed_mps[final_link],
        edge_contraflow=contraflow,
    )
    graph.stats.build_s = time.perf_counter() - started
    return graph


def load_graph(
    osm_file: Path | str,
    profile: BikeProfile = PEDAL,
    *,
    cache_dir: Path | None = None,
) -> BikeGraph:
    """Load the cargo-bike graph of an OSM file, from the cache when it was built before.

    Parameters
    ----------
    osm_file : Path or str
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file.
    profile : BikeProfile
        Speeds and pedestrian-zone treatment; part of the cache key.
    cache_dir : Path, optional
        Where built graphs are kept, keyed by the file's SHA-256 and the profile. ``None``
        builds every time.

    Returns
    -------
    BikeGraph

    Raises
    ------
    GraphSourceError
        Missing, unreadable, empty or corrupt file, or no bikeable ways in it.
    """
    path = Path(osm_file)
    check_osm_file(path)
    started = time.perf_counter()
    key = cache_key(GRAPH_FORMAT, file_sha256(path), profile.cache_token())

    def build() -> BikeGraph:
        ways, highway_ways = read_bike_ways(path, profile.pedestrian_zones)
        graph = build_graph(ways, profile, source=str(path), highway_ways=highway_ways)
        graph.stats.build_s = time.perf_counter() - started
        return graph

    return cached(cache_dir, "graph", key, build)
