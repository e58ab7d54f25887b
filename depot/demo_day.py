"""A realistic synthetic day on real addresses, for the demo and for load tests.

What it draws, and why (figures from city-logistics pilots and webshop parcel statistics):

* customers: real addresses of the extract, each within the snap limit of a bikeable way;
* windows: half the customers accept any time 09:00–17:00, a fifth want the morning
  (09:00–12:00), a fifth the afternoon (13:00–17:00), one in ten booked a two-hour slot;
* parcels: 1–3 per stop; weights log-normal around 2 kg (webshop parcels), capped at 25 kg;
  volume 2–6 ml per gram (textiles are bulky, books dense);
* about a tenth of the stops are shop pickups delivered straight to a customer the same day
  (a pickup at a real shop of the extract, paired with its delivery);
* service: 2 minutes at the door plus 30 s per extra parcel; 3 minutes at a shop counter;
* bikes: 100 kg and 400 litres of box each, shift 08:00–16:00 (every third bike 10:00–18:00),
  a 30-minute break between 11:30 and 13:30, up to three trips with a 10-minute reload.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from depot.day import Bike, DayRequest, ParcelStop, Place
from maps.address_index import AddressRecord
from maps.geo import haversine_m
from maps.graph import BikeGraph
from maps.shops import Shop

HOUR_S = 3600
_WINDOWS = (
    ((9 * HOUR_S, 17 * HOUR_S),),
    ((9 * HOUR_S, 12 * HOUR_S),),
    ((13 * HOUR_S, 17 * HOUR_S),),
)
PAIR_SHARE = 0.1


def customer_windows(rng: random.Random) -> tuple[tuple[int, int], ...]:
    """A customer's delivery window, seconds after midnight: half any time 09:00–17:00, a fifth
    the morning, a fifth the afternoon, a tenth a two-hour slot."""
    draw = rng.random()
    if draw < 0.5:
        return _WINDOWS[0]
    if draw < 0.7:
        return _WINDOWS[1]
    if draw < 0.9:
        return _WINDOWS[2]
    start_h = rng.randint(9, 15)
    return ((start_h * HOUR_S, (start_h + 2) * HOUR_S),)


def _goods(rng: random.Random) -> tuple[int, int, int]:
    parcels = rng.choice((1, 1, 1, 2, 2, 3))
    weight_g = sum(min(25_000, int(rng.lognormvariate(7.6, 0.8))) for _ in range(parcels))
    volume_ml = int(weight_g * rng.uniform(2.0, 6.0))
    return max(weight_g, 100), max(volume_ml, 500), parcels


def make_demo_day(
    addresses: Sequence[AddressRecord],
    shops: Sequence[Shop],
    depot: Place,
    *,
    n_stops: int,
    n_bikes: int,
    seed: int,
) -> DayRequest:
    """Draw a day of ``n_stops`` stops for ``n_bikes`` bikes (same seed, same day).

    Parameters
    ----------
    addresses : sequence of AddressRecord
        Servable addresses to draw customers from (see :func:`maps.sample.servable_addresses`).
    shops : sequence of Shop
        Servable shops to draw pickups from; with none, every stop is a depot delivery.
    depot : Place
        The city depot.
    n_stops : int
        Total stops, pickups and their deliveries included.
    n_bikes : int
        Cargo bikes on duty.
    seed : int
        Random seed.

    Returns
    -------
    DayRequest

    Raises
    ------
    ValueError
        If a count is not positive or there are fewer addresses than stops.
    """
    if n_stops < 1:
        raise ValueError(f"stops: must be at least 1, got {n_stops}")
    if n_bikes < 1:
        raise ValueError(f"bikes: must be at least 1, got {n_bikes}")
    rng = random.Random(seed)
    n_pairs = int(n_stops * PAIR_SHARE / 2) if shops else 0
    n_customers = n_stops - n_pairs
    if n_customers > len(addresses):
        raise ValueError(
            f"stops: {n_stops} asked but only {len(addresses)} addresses can be served"
        )
    customers = rng.sample(list(addresses), n_customers)
    stops: list[ParcelStop] = []
    for i, record in enumerate(customers[: n_customers - n_pairs], start=1):
        weight_g, volume_ml, parcels = _goods(rng)
        place = Place(f"a{record.osm_id}", record.label, record.lat, record.lon)
        stops.append(
            ParcelStop(
                id=f"D{i:03d}",
                place=place,
                kind="delivery",
                weight_g=weight_g,
                volume_ml=volume_ml,
                parcels=parcels,
                service_s=120 + 30 * (parcels - 1),
                windows=customer_windows(rng),
            )
        )
    for i, record in enumerate(customers[n_customers - n_pairs :], start=1):
        shop = rng.choice(list(shops))
        weight_g, volume_ml, parcels = _goods(rng)
        label = f"{shop.name}, {shop.address}" if shop.address else shop.name
        pickup_id, delivery_id = f"P{i:03d}", f"C{i:03d}"
        stops.append(
            ParcelStop(
                id=pickup_id,
                place=Place(f"s{shop.osm_id}", label, shop.lat, shop.lon),
                kind="pickup",
                weight_g=weight_g,
                volume_ml=volume_ml,
                parcels=parcels,
                service_s=180,
                windows=((10 * HOUR_S, 16 * HOUR_S),),  # shop opening hours
                pair_with=delivery_id,
            )
        )
        stops.append(
            ParcelStop(
                id=delivery_id,
                place=Place(f"a{record.osm_id}", record.label, record.lat, record.lon),
                kind="delivery",
                weight_g=weight_g,
                volume_ml=volume_ml,
                parcels=parcels,
                service_s=120 + 30 * (parcels - 1),
                windows=((10 * HOUR_S, 18 * HOUR_S),),
                pair_with=pickup_id,
            )
        )
    bikes = tuple(
        Bike(
            id=f"bike-{k:02d}",
            capacity_weight_g=100_000,
            capacity_volume_ml=400_000,
            shift_start_s=(10 if k % 3 == 0 else 8) * HOUR_S,
            shift_end_s=(18 if k % 3 == 0 else 16) * HOUR_S,
            break_window=(int(11.5 * HOUR_S), int(13.5 * HOUR_S)),
            break_s=30 * 60,
            max_trips=3,
            reload_s=10 * 60,
        )
        for k in range(1, n_bikes + 1)
    )
    return DayRequest(depot=depot, stops=tuple(stops), bikes=bikes)


def central_depot(graph: BikeGraph, addresses: Sequence[AddressRecord]) -> Place:
    """The address nearest the network's centre, standing in for the city depot.

    Parameters
    ----------
    graph : BikeGraph
        The city's network; its median node position is the centre.
    addresses : sequence of AddressRecord
        Candidate addresses (servable ones).

    Raises
    ------
    ValueError
        If ``addresses`` is empty.
    """
    if not addresses:
        raise ValueError("addresses: none to place the depot at")
    lat = np.array([r.lat for r in addresses])
    lon = np.array([r.lon for r in addresses])
    centre_m = haversine_m(
        lat, lon, float(np.median(graph.node_lat)), float(np.median(graph.node_lon))
    )
    record = addresses[int(centre_m.argmin())]
    return Place("depot", f"City depot, {record.label}", record.lat, record.lon)
