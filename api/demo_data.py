"""What the demo day is made of: shops of the extract and webshop orders to real addresses.

Plain request bodies for the API (see :mod:`api.demo_run`), drawn with one seeded random
generator, so the same seed gives the same day.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from depot.contracts import format_clock
from depot.demo_day import customer_windows
from maps.address_index import AddressRecord
from maps.graph import BikeGraph
from maps.sample import servable_shops
from maps.shops import Shop

FIRST = ("Anna", "Mads", "Sofie", "Frederik", "Ida", "Lars", "Maja", "Jonas", "Karen", "Peter",
         "Emma", "Mikkel", "Freja", "Rasmus", "Laura", "Søren", "Clara", "Anders")  # fmt: skip
LAST = ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
        "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
        "Thomsen", "Møller", "Poulsen", "Johansen", "Knudsen", "Mortensen")  # fmt: skip


class DemoSizeError(ValueError):
    """The extract has fewer usable shops or addresses than the demo asks for.

    Parameters
    ----------
    option : str
        The command-line option asking for too many (``--shops``, ``--orders``).
    reason : str
    """

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"{option}: {reason}")
        self.option = option
        self.reason = reason


def pick_shops(graph: BikeGraph, shops: list[Shop], n: int, rng: random.Random) -> list[Shop]:
    """``n`` named shops with a street address, near a bikeable way, distinct names."""
    named: dict[str, Shop] = {}
    for shop in servable_shops(graph, shops):
        if shop.address and shop.name != shop.kind.replace("_", " ") and " " in shop.address:
            named.setdefault(shop.name.casefold(), shop)
    pool = sorted(named.values(), key=lambda s: s.osm_id)
    if len(pool) < n:
        raise DemoSizeError("--shops", f"{n} asked but the extract has {len(pool)} usable shops")
    return rng.sample(pool, n)


def shop_body(ref: str, shop: Shop) -> dict[str, Any]:
    """Registration of an OSM shop: its tagged address, its position, open 10:00–17:00."""
    street, _, number = shop.address.rpartition(" ")
    return {
        "ref": ref,
        "name": shop.name[:200],
        "address": {"street": street, "housenumber": number},
        "lat": shop.lat,
        "lon": shop.lon,
        "pickup_windows": [{"start": "10:00", "end": "17:00"}],
    }


def _windows(rng: random.Random) -> list[dict[str, str]]:
    """The windows :mod:`depot.demo_day` draws (half any time 09–17, a fifth mornings, a fifth
    afternoons, a tenth a two-hour slot), as the webshop sends them."""
    return [{"start": format_clock(a), "end": format_clock(b)} for a, b in customer_windows(rng)]


def _parcels(rng: random.Random) -> list[dict[str, int]]:
    """One or two webshop parcels, log-normal around 2 kg, 2–6 ml per gram."""
    parcels = []
    for _ in range(rng.choice((1, 1, 1, 2))):
        weight_g = max(100, min(25_000, int(rng.lognormvariate(7.6, 0.8))))
        parcels.append(
            {"weight_g": weight_g, "volume_ml": max(500, int(weight_g * rng.uniform(2, 6)))}
        )
    return parcels


def order_bodies(
    addresses: list[AddressRecord],
    refs: list[str],
    dropoff: set[str],
    *,
    n: int,
    day: date,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """``n`` webshop orders: 85 % from one shop, 15 % from two; one in twenty is a second order
    of an earlier customer (same person and door, another shop, the same windows)."""
    if n > len(addresses):
        raise DemoSizeError("--orders", f"{n} asked but only {len(addresses)} addresses are served")
    bodies: list[dict[str, Any]] = []
    homes = iter(rng.sample(addresses, n))
    for i in range(n):
        if bodies and rng.random() < 0.05:
            earlier = rng.choice(bodies)
            customer, address, windows = earlier["customer"], earlier["address"], earlier["windows"]
        else:
            home = next(homes)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            customer = {
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{i}@example.dk".lower(),
                "phone": f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
            }
            address = {"street": home.street, "housenumber": home.housenumber}
            address |= {"postcode": home.postcode} if home.postcode else {}
            address |= {"city": home.city} if home.city else {}
            windows = _windows(rng)
        shops = rng.sample(refs, 2 if rng.random() < 0.15 else 1)
        lines = [
            {
                "shop": ref,
                "handover": "dropoff" if ref in dropoff else "pickup",
                "parcels": _parcels(rng),
            }
            for ref in shops
        ]
        bodies.append(
            {
                "external_id": f"DEMO-{i + 1:04d}",
                "delivery_date": day.isoformat(),
                "customer": customer,
                "address": address,
                "windows": windows,
                "lines": lines,
            }
        )
    return bodies
