"""Reproducible samples of real addresses for demos, benchmarks and tests."""

from __future__ import annotations

import random
from collections.abc import Sequence

from maps.address_index import AddressRecord
from maps.geo import Point
from maps.graph import BikeGraph
from maps.shops import Shop
from maps.snap import DEFAULT_SNAP_LIMIT_M, nearest_way_distance_m


def servable_addresses(
    graph: BikeGraph,
    records: Sequence[AddressRecord],
    *,
    limit_m: float = DEFAULT_SNAP_LIMIT_M,
) -> list[AddressRecord]:
    """Distinct addresses within ``limit_m`` of a bikeable way, in a stable order.

    Addresses at the clipped edge of an extract can lie farther than the snap limit from any
    way that was kept; a sample meant to be planned leaves them out.
    """
    unique = sorted({r.label: r for r in records}.values(), key=lambda r: (r.label, r.osm_id))
    distance_m = nearest_way_distance_m(graph, [Point(r.lat, r.lon) for r in unique])
    return [r for r, d in zip(unique, distance_m.tolist(), strict=True) if d <= limit_m]


def servable_shops(
    graph: BikeGraph, shops: Sequence[Shop], *, limit_m: float = DEFAULT_SNAP_LIMIT_M
) -> list[Shop]:
    """Shops within ``limit_m`` of a bikeable way, in the given order."""
    distance_m = nearest_way_distance_m(graph, [Point(s.lat, s.lon) for s in shops])
    return [s for s, d in zip(shops, distance_m.tolist(), strict=True) if d <= limit_m]


def sample_addresses(
    graph: BikeGraph,
    records: Sequence[AddressRecord],
    n: int,
    *,
    seed: int,
    limit_m: float = DEFAULT_SNAP_LIMIT_M,
) -> list[AddressRecord]:
    """``n`` distinct servable addresses chosen by ``seed`` (same seed, same sample).

    Raises
    ------
    ValueError
        If fewer than ``n`` servable addresses exist; the message says how many do.
    """
    pool = servable_addresses(graph, records, limit_m=limit_m)
    if n > len(pool):
        raise ValueError(
            f"{n} addresses asked but only {len(pool)} lie within {limit_m:.0f} m of a way"
        )
    return random.Random(seed).sample(pool, n)


def record_points(records: Sequence[AddressRecord]) -> list[Point]:
    """The records' positions as named points."""
    return [Point(r.lat, r.lon) for r in records]
