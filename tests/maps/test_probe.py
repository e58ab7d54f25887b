"""One new point's row and column against known points, on the real Copenhagen network."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from maps.address_index import read_address_records
from maps.graph import BikeGraph
from maps.matrix import travel_matrix
from maps.probe import PointProbe
from maps.sample import record_points, sample_addresses
from maps.snap import snap_points


def test_row_and_column_equal_the_full_matrix(osm_path: Path, cph_graph: BikeGraph) -> None:
    """For 60 real addresses, each point measured against the others (one-way streets and all)
    gets exactly the riding times and distances of the full matrix, both ways; two points on
    the same link ride straight along it, as in the matrix."""
    points = record_points(sample_addresses(cph_graph, read_address_records(osm_path), 60, seed=11))
    snaps = snap_points(cph_graph, points)
    # Two more points on the link of the first: a direct ride along it must be found.
    first = snaps[0]
    snaps += [
        type(first)(first.lat, first.lon, first.snapped_lat, first.snapped_lon, 0.0, first.link, f)
        for f in (0.1, 0.9)
    ]
    full = travel_matrix(cph_graph, snaps=snaps)
    assert not np.allclose(full.duration_s, full.duration_s.T)  # one-ways make it asymmetric
    for i in (0, 5, 17, 60, 61):
        others = [s for j, s in enumerate(snaps) if j != i]
        cols = [j for j in range(len(snaps)) if j != i]
        rc = PointProbe(cph_graph, others).measure(snaps[i])
        assert np.array_equal(rc.duration_from_s, full.duration_s[i, cols])
        assert np.array_equal(rc.distance_from_m, full.distance_m[i, cols])
        assert np.array_equal(rc.duration_to_s, full.duration_s[cols, i])
        assert np.array_equal(rc.distance_to_m, full.distance_m[cols, i])


def test_added_points_are_measured_too(osm_path: Path, cph_graph: BikeGraph) -> None:
    """Points added to the probe after it was made are measured like the first ones."""
    points = record_points(sample_addresses(cph_graph, read_address_records(osm_path), 12, seed=3))
    snaps = snap_points(cph_graph, points)
    probe = PointProbe(cph_graph, snaps[:5])
    probe.add(snaps[5:11])
    rc = probe.measure(snaps[11])
    full = travel_matrix(cph_graph, snaps=snaps)
    assert np.array_equal(rc.duration_from_s, full.duration_s[11, :11])
    assert np.array_equal(rc.duration_to_s, full.duration_s[:11, 11])
