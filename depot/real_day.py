"""A realistic day on the real Copenhagen network, ready to plan: for benchmarks and slow tests.

Builds (and caches per process) the bike graph, the servable addresses and shops of an extract,
draws a demo day (:func:`depot.demo_day.make_demo_day`) and prepares its problem (snapping and
the riding matrix). ``tight=True`` gives every customer a two-hour window (the "tight day").
"""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from depot.day import DayRequest, ParcelStop
from depot.demo_day import HOUR_S, central_depot, make_demo_day
from depot.planning import PreparedDay, prepare_day
from maps.address_index import AddressRecord
from maps.geocode import OfflineGeocoder
from maps.graph import BikeGraph, load_graph
from maps.profiles import get_profile
from maps.sample import servable_addresses, servable_shops
from maps.shops import Shop, read_shops


@lru_cache(maxsize=2)
def city(osm: Path, cache_dir: Path) -> tuple[BikeGraph, list[AddressRecord], list[Shop]]:
    """The graph, servable addresses and servable shops of ``osm`` (cached per process)."""
    graph = load_graph(osm, get_profile("pedal"), cache_dir=cache_dir)
    addresses = OfflineGeocoder.from_osm(osm, cache_dir=cache_dir).addresses
    servable = servable_addresses(graph, addresses)
    shops = servable_shops(graph, read_shops(osm))
    return graph, servable, shops


def tighten(request: DayRequest, seed: int) -> DayRequest:
    """Every customer gets a two-hour window between 09:00 and 17:00 (shop pickups keep theirs)."""
    rng = random.Random(seed)
    stops: list[ParcelStop] = []
    for s in request.stops:
        if s.kind == "delivery":
            start_h = rng.randint(9, 15)
            s = replace(s, windows=((start_h * HOUR_S, (start_h + 2) * HOUR_S),))
        stops.append(s)
    return replace(request, stops=tuple(stops))


def real_day(
    osm: Path,
    *,
    n_stops: int,
    n_bikes: int,
    seed: int = 1,
    tight: bool = False,
    cache_dir: Path = Path("var/cache"),
) -> tuple[BikeGraph, DayRequest, PreparedDay]:
    """Draw and prepare a day of ``n_stops`` stops and ``n_bikes`` bikes on ``osm``.

    Returns
    -------
    graph, request, prepared day
        ``prepared.problem`` is what the planner solves; ``prepared.matrix_s`` the matrix time.
    """
    graph, addresses, shops = city(osm, cache_dir)
    request = make_demo_day(
        addresses,
        shops,
        central_depot(graph, addresses),
        n_stops=n_stops,
        n_bikes=n_bikes,
        seed=seed,
    )
    if tight:
        request = tighten(request, seed)
    return graph, request, prepare_day(graph, request)
