"""Speed of the road graph: build, cached load, snapping and the 1000x1000 matrix vs networkx.

Run with ``make bench`` or ``python -m bench.maps_bench --osm FILE``. Prints figures; asserts
nothing. Medians over several runs; the networkx reference runs once (it takes ~20 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from maps.address_index import read_address_records
from maps.graph import load_graph
from maps.matrix import attach_points, augmented_graph, travel_matrix
from maps.profiles import PEDAL
from maps.sample import record_points, sample_addresses
from maps.snap import snap_points


def _median_s(fn, runs: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def main() -> None:
    """Print the maps benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--osm", type=Path, required=True)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        cache_dir = Path(cache)
        build_s, _ = _median_s(lambda: load_graph(args.osm, PEDAL, cache_dir=None), 3)
        load_graph(args.osm, PEDAL, cache_dir=cache_dir)
        cached_s, _ = _median_s(lambda: load_graph(args.osm, PEDAL, cache_dir=cache_dir), 5)
        graph = load_graph(args.osm, PEDAL, cache_dir=cache_dir)
    print(
        f"graph: {graph.n_nodes} nodes, {graph.n_edges} edges, "
        f"{graph.stats.contraflow_edges} contraflow"
    )
    print(
        f"build from {args.osm.name}: median {build_s:.3f} s (3 runs); "
        f"cached load: median {cached_s * 1000:.1f} ms (5 runs)"
    )

    records = read_address_records(args.osm)
    points = record_points(sample_addresses(graph, records, args.points, seed=args.seed))
    snap_points(graph, points[:10])  # build the snap index outside the timing
    snap_s, _ = _median_s(lambda: snap_points(graph, points), args.runs)
    snaps = snap_points(graph, points)
    print(f"snap {args.points} addresses to edges: median {snap_s * 1000:.1f} ms")

    for workers in (1, 2):
        median_s, runs = _median_s(
            lambda w=workers: travel_matrix(graph, snaps=snaps, workers=w), args.runs
        )
        print(
            f"{args.points}x{args.points} matrix (time + distance), {workers} process(es): "
            f"median {median_s:.3f} s over {args.runs} runs "
            f"[{', '.join(f'{t:.3f}' for t in runs)}] (goal <= 0.5 s)"
        )
    ours_s = median_s

    # networkx: the same augmented graph (a source and a sink per point), seconds as weights.
    csgraph = augmented_graph(graph, attach_points(graph, snaps), len(snaps)).tocoo()
    packed = csgraph.data.astype(np.int64)
    digraph = nx.DiGraph()
    digraph.add_weighted_edges_from(
        zip(
            csgraph.row.tolist(),
            csgraph.col.tolist(),
            ((packed >> 25) / 1000.0).tolist(),
            strict=True,
        )
    )
    n, p = graph.n_nodes, len(snaps)
    started = time.perf_counter()
    check = np.empty((p, p))
    for i in range(p):
        lengths = nx.single_source_dijkstra_path_length(digraph, n + i)
        check[i] = [lengths[n + p + j] for j in range(p)]
    nx_s = time.perf_counter() - started
    ours = travel_matrix(graph, snaps=snaps).duration_s
    # Two points on one link ride straight along it, which the augmented graph alone cannot.
    links = np.array([s.link for s in snaps])
    off = links[:, None] != links[None, :]
    print(
        f"networkx per-source Dijkstra, same {p} points: {nx_s:.2f} s; "
        f"ratio {nx_s / ours_s:.0f}x (goal >= 40x); "
        f"max difference {np.abs(check - ours)[off].max():.4f} s"
    )


if __name__ == "__main__":
    main()
