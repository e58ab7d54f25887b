"""Delivery slots at checkout with a full day booked: latency of ``GET /api/v1/slots``.

Run with ``make bench`` or::

    python -m bench.slots_bench --osm ../shared/data/osm/copenhagen.osm.bz2 [--orders 1000]

What it does: a fresh SQLite database (or ``--database-url``), the real offline geocoder and
service area; a depot by the Central Station, ``--bikes`` bikes with a courier each (08:00–16:00,
a 30-minute break between 11:30 and 13:30, 100 kg / 400 l, three trips); ``--orders`` webshop
orders to real Copenhagen addresses through the API (the shops bring the parcels to the depot;
windows as the demo day draws them: half any time 09–17, a fifth mornings, a fifth afternoons,
a tenth a two-hour slot; 1–3 parcels of 0.2–2.5 kg); the day planned (``deliveries``,
``--time-limit`` seconds, in-process). Then the checkout asks for the slots of ``--queries``
other random real addresses, one after another, in-process through the ASGI app (no network).
The first answer after the plan (which builds the day's slot cache: the matrix of the plan's
places) is timed apart.

Printed: orders booked, the plan's planned and unassigned, the first answer's time, then p50,
p95 and max latency of the answers, their status codes, and how many windows were offered.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from api.main import create_app
from depot.contracts import ShopIn
from depot.locate import build_locator
from depot.settings import Settings
from depot.shops import register_shop
from depot.users import create_user
from maps.address_index import AddressRecord, read_address_records
from maps.graph import load_graph
from maps.profiles import PEDAL
from maps.sample import sample_addresses
from models import Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

SHOPS = [
    ("S001", "Nørregade Boghandel", "Nørregade", "12", "1165"),
    ("S002", "Vesterbro Vin", "Vesterbrogade", "60B", "1620"),
    ("S003", "Kongens Blomster", "Store Kongensgade", "40", "1264"),
]
DEPOT = {
    "name": "Bakfiets City Depot",
    "address": {"lat": 55.6738, "lon": 12.5646},
    "reload_s": 600,
}


def _one_line(a: AddressRecord) -> str:
    return f"{a.street} {a.housenumber}, {a.postcode or ''} {a.city or 'København'}".strip()


def _windows(rng: random.Random) -> list[dict[str, str]]:
    draw = rng.random()
    if draw < 0.5:
        return [{"start": "09:00", "end": "17:00"}]
    if draw < 0.7:
        return [{"start": "09:00", "end": "12:00"}]
    if draw < 0.9:
        return [{"start": "13:00", "end": "17:00"}]
    start = rng.randint(9, 15)
    return [{"start": f"{start:02d}:00", "end": f"{start + 2:02d}:00"}]


def _order(n: int, a: AddressRecord, day: date, rng: random.Random) -> dict[str, Any]:
    parcels = rng.choice((1, 1, 1, 2, 2, 3))
    return {
        "external_id": f"SLOTS-{n}",
        "delivery_date": day.isoformat(),
        "customer": {"name": f"Kunde {n}", "phone": None, "email": f"kunde{n}@example.dk"},
        "address": {
            "street": a.street,
            "housenumber": a.housenumber,
            "postcode": a.postcode or "",
            "city": a.city or "København",
        },
        "windows": _windows(rng),
        "lines": [
            {
                "shop": rng.choice(["S001", "S002", "S003"]),
                "handover": "dropoff",
                "parcels": [
                    {"weight_g": rng.randint(200, 2500), "volume_ml": 6000, "count": parcels}
                ],
            }
        ],
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    """Book and plan the day, then time the slot answers (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, required=True)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--bikes", type=int, default=15)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--time-limit", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="slots-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bakfiets.db'}"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    locator = build_locator(args.osm, profile=PEDAL, cache_dir=args.cache_dir, snap_limit_m=250.0)
    graph = load_graph(args.osm, PEDAL, cache_dir=args.cache_dir)
    settings = Settings(database_url=url, osm_file=args.osm, data_dir=args.cache_dir.parent)
    app = create_app(settings, locator=locator, session_factory=sessions)
    tz = ZoneInfo(settings.timezone)
    day = datetime.now(tz).date() + timedelta(days=1)
    with sessions() as session:
        for ref, name, street, number, postcode in SHOPS:
            address = {
                "street": street,
                "housenumber": number,
                "postcode": postcode,
                "city": "København",
            }
            register_shop(
                session=session, shop=ShopIn(ref=ref, name=name, address=address), locator=locator
            )
        tokens = {
            role: create_user(session=session, name=f"bench {role.value}", role=role)[1]
            for role in (Role.DEPOT, Role.INTEGRATION)
        }
        couriers = [
            create_user(session=session, name=f"courier {i}", role=Role.COURIER)[0].id
            for i in range(args.bikes)
        ]
    depot = TestClient(app, headers={"Authorization": f"Bearer {tokens[Role.DEPOT]}"})
    shop = TestClient(app, headers={"Authorization": f"Bearer {tokens[Role.INTEGRATION]}"})
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    for i, courier in enumerate(couriers):
        bike = {"ref": f"B{i:02d}", "capacity_kg": 100, "capacity_l": 400, "max_trips": 3}
        assert depot.post("/api/v1/bikes", json=bike).status_code == 201
        shift = {
            "courier_id": courier,
            "bike": f"B{i:02d}",
            "date": day.isoformat(),
            "start": "08:00",
            "end": "16:00",
            "breaks": [{"start": "11:30", "end": "13:30", "duration_min": 30}],
        }
        assert depot.post("/api/v1/shifts", json=shift).status_code == 201

    records = read_address_records(args.osm)
    sample = sample_addresses(graph, records, args.orders + args.queries, seed=args.seed)
    booked, asked = sample[: args.orders], sample[args.orders :]
    rng = random.Random(args.seed)
    started = time.perf_counter()
    statuses = Counter(
        shop.post("/api/v1/orders", json=_order(n, a, day, rng)).json().get("status", "refused")
        for n, a in enumerate(booked)
    )
    print(f"{args.orders} orders booked in {time.perf_counter() - started:.0f} s: {dict(statuses)}")

    started = time.perf_counter()
    body = {"date": day.isoformat(), "kind": "deliveries", "time_limit_s": args.time_limit}
    url_plan = depot.post("/api/v1/plans", json=body).json()["status_url"]
    while (plan := depot.get(url_plan).json())["status"] in ("queued", "running"):
        time.sleep(1.0)
    summary = plan.get("summary") or {}
    print(
        f"plan {plan['status']} in {time.perf_counter() - started:.0f} s: "
        f"{summary.get('stops_planned')} stops planned, {len(plan.get('unassigned') or [])} "
        f"unassigned, {len(plan.get('rounds') or [])} rounds"
    )

    def ask(a: AddressRecord) -> tuple[float, Any]:
        t0 = time.perf_counter()
        answer = shop.get(
            "/api/v1/slots", params={"date": day.isoformat(), "address": _one_line(a)}
        )
        return time.perf_counter() - t0, answer

    first_s, first = ask(asked[0])
    print(
        f"first answer after the plan (builds the slot cache): {first_s * 1000:.0f} ms "
        f"({first.status_code})"
    )
    if first.status_code == 200:
        print(f"  basis: {first.json()['basis']['note']}")
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    offered: Counter[int] = Counter()
    for a in asked[1:]:
        took, answer = ask(a)
        latencies.append(took)
        codes[answer.status_code] += 1
        if answer.status_code == 200:
            offered[sum(1 for s in answer.json()["slots"] if s["available"])] += 1
    ms = [x * 1000 for x in latencies]
    print(
        f"GET /api/v1/slots over {len(ms)} real addresses: p50 {statistics.median(ms):.0f} ms, "
        f"p95 {_percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms; statuses {dict(codes)}"
    )
    print(f"windows offered per answer (of 4): {dict(sorted(offered.items()))}")


if __name__ == "__main__":
    main()
