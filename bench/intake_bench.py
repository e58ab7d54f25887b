"""Intake under load: concurrent webshop orders against uvicorn and PostgreSQL, each sent twice.

Run with ``make bench`` or::

    python -m bench.intake_bench --osm ../shared/data/osm/copenhagen.osm.bz2 [--seconds 60]

What it does: creates a throwaway PostgreSQL database on 127.0.0.1:5432 (dropped at the end),
migrates it, registers three real shops, starts the API with uvicorn (``--workers``) on the real
offline geocoder and service area, then for ``--seconds`` keeps ``--concurrency`` clients
sending orders to real Copenhagen addresses (``POST /api/v1/orders``, or Shopify webhooks with
``--endpoint shopify``). Every order is sent twice: by default both copies at the same moment
(``--duplicates together``: two webhook subscriptions, or a retry racing a slow first answer),
where a ``409`` (the first copy still in flight) is retried after 50 ms, and a connection the
server dropped is sent again, as a client should; or the second copy once the first is answered
(``--duplicates after``: a plain retry).

Printed: stored orders per second, p50/p95 latency of the answers (each copy, retries
included), how many copies were answered from the first answer, and then, read back from the
database: **lost** (sent and not refused, but not stored) and **duplicated** (stored more than
once). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from sqlalchemy import func, select

from bench.raw_http import Answer, Connection, ConnectionLostError
from depot.contracts import ShopIn
from depot.locate import build_locator
from depot.shops import register_shop
from depot.users import create_user
from depot.webshop.common import sign_body
from maps.address_index import read_address_records
from maps.graph import load_graph
from maps.profiles import PEDAL
from maps.sample import sample_addresses
from models import Customer, Order, Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

SHOPS = [
    ("S001", "Nørregade Boghandel", "Nørregade", "12", "1165"),
    ("S002", "Vesterbro Vin", "Vesterbrogade", "60B", "1620"),
    ("S003", "Kongens Blomster", "Store Kongensgade", "40", "1264"),
]
SHOPIFY_SECRET = "bench-shopify-secret"
RETRY_409_S = 0.05


@dataclass
class Tally:
    """What the clients saw."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    replayed: int = 0
    retries_409: int = 0
    transport_retries: int = 0
    answers_differ: int = 0
    failures: list[str] = field(default_factory=list)


def _order_body(n: int, run: str, address: Any, day: str, rng: random.Random) -> dict[str, Any]:
    shops = rng.sample(["S001", "S002", "S003"], rng.randint(1, 3))
    start = rng.choice([9, 10, 12, 14, 16])
    return {
        "external_id": f"B{run}-{n}",
        "delivery_date": day,
        "customer": {"name": f"Bench {run} {n}", "phone": "+45 20 30 40 50", "email": None},
        "address": {
            "street": address.street,
            "housenumber": address.housenumber,
            "postcode": address.postcode or "",
            "city": address.city or "København",
        },
        "windows": [{"start": f"{start:02d}:00", "end": f"{start + 2:02d}:00"}],
        "lines": [
            {
                "shop": shop,
                "parcels": [{"weight_g": rng.randint(200, 8000), "volume_ml": 6000}],
            }
            for shop in shops
        ],
    }


def _shopify_body(order: dict[str, Any]) -> dict[str, Any]:
    """The same order as a Shopify ``orders/create`` payload (vendors map to the shops)."""
    address = order["address"]
    return {
        "id": order["external_id"],
        "name": f"#{order['external_id']}",
        "email": "bench@example.dk",
        "cancelled_at": None,
        "note_attributes": [
            {"name": "Checkout-Method", "value": "delivery"},
            {"name": "Delivery-Date", "value": order["delivery_date"]},
            {
                "name": "Delivery-Time",
                "value": f"{order['windows'][0]['start']} - {order['windows'][0]['end']}",
            },
        ],
        "shipping_address": {
            "name": order["customer"]["name"],
            "address1": f"{address['street']} {address['housenumber']}",
            "zip": address["postcode"],
            "city": address["city"],
            "country_code": "DK",
            "phone": order["customer"]["phone"],
        },
        "line_items": [
            {
                "name": "Vare",
                "quantity": 1,
                "grams": line["parcels"][0]["weight_g"],
                "vendor": line["shop"],
                "sku": "",
                "requires_shipping": True,
            }
            for line in order["lines"]
        ],
    }


async def _send(
    connection: Connection, request: tuple[str, bytes, dict[str, str]], tally: Tally
) -> Answer | None:
    url, content, headers = request
    started = time.perf_counter()
    transport_errors = 0
    for _ in range(200):
        try:
            answer = await connection.post(url, content, headers)
        except ConnectionLostError as exc:
            # A kept-alive connection closed by the server as it was reused: send again, as a
            # webshop does (the repeat is answered from the first answer if that one arrived).
            transport_errors += 1
            tally.transport_retries += 1
            if transport_errors > 3:
                tally.failures.append(f"{type(exc).__name__}: {exc}")
                return None
            continue
        if answer.status_code != 409:
            break
        tally.retries_409 += 1
        await asyncio.sleep(RETRY_409_S)
    tally.latencies_s.append(time.perf_counter() - started)
    tally.statuses[answer.status_code] += 1
    tally.replayed += answer.headers.get("idempotent-replayed") == "true"
    return answer


async def _client_loop(
    connections: tuple[Connection, Connection],
    *,
    next_number: Any,
    deadline: float,
    make_request: Any,
    together: bool,
    tally: Tally,
) -> None:
    while time.perf_counter() < deadline:
        n = next(next_number)
        external_id, request = make_request(n)
        tally.sent.append(external_id)
        if together:
            first, second = await asyncio.gather(
                _send(connections[0], request, tally), _send(connections[1], request, tally)
            )
        else:
            first = await _send(connections[0], request, tally)
            second = await _send(connections[1], request, tally)
        if first is None or second is None:
            continue
        if 400 <= first.status_code < 500:
            tally.refused.add(external_id)
        if first.status_code >= 300:
            tally.failures.append(f"{first.status_code}: {first.text[:200]}")
        if (first.status_code, first.content) != (second.status_code, second.content):
            tally.answers_differ += 1


async def _load(
    port: int,
    *,
    seconds: float,
    concurrency: int,
    make_request: Any,
    together: bool,
    tally: Tally,
) -> float:
    counter = iter(range(10**9))
    pairs = [
        (Connection("127.0.0.1", port), Connection("127.0.0.1", port)) for _ in range(concurrency)
    ]
    started = time.perf_counter()
    deadline = started + seconds
    try:
        await asyncio.gather(
            *(
                _client_loop(
                    pair,
                    next_number=counter,
                    deadline=deadline,
                    make_request=make_request,
                    together=together,
                    tally=tally,
                )
                for pair in pairs
            )
        )
        return time.perf_counter() - started
    finally:
        for pair in pairs:
            for connection in pair:
                await connection.close()


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with status {server.returncode} before answering")
        try:
            if httpx.get(f"{base_url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"uvicorn did not answer within {timeout_s:.0f} s")


def _process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pids(server_pid: int, pg_admin_dsn: str, database: str) -> dict[str, list[int]]:
    """The uvicorn processes (the parent and its workers) and the PostgreSQL backends serving
    ``database``, to count their CPU time."""
    workers = [server_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == server_pid:
            workers.append(int(stat.parent.name))
    with psycopg.connect(pg_admin_dsn + " dbname=postgres", autocommit=True) as conn:
        backends = [
            int(row[0])
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
            )
        ]
    return {"uvicorn": workers, "postgres": backends}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> None:
    """Run the intake load benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--osm", type=Path, required=True, help="OSM extract of the city")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send orders")
    parser.add_argument("--concurrency", type=int, default=24, help="clients sending at once")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--endpoint", choices=["orders", "shopify"], default="orders")
    parser.add_argument("--duplicates", choices=["together", "after"], default="together")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--pg", default="host=127.0.0.1 port=5432 user=postgres", help="PostgreSQL admin DSN"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    cache_dir = Path("var/cache")
    name = f"bakfiets_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    host = dict(part.split("=", 1) for part in args.pg.split())
    url = (
        f"postgresql+psycopg://{host.get('user', 'postgres')}@{host.get('host', '127.0.0.1')}:"
        f"{host.get('port', '5432')}/{name}"
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        upgrade(url)
        locator = build_locator(args.osm, profile=PEDAL, cache_dir=cache_dir, snap_limit_m=250.0)
        graph = load_graph(args.osm, PEDAL, cache_dir=cache_dir)
        # Addresses as a webshop has them: with a postcode (some OSM ones have none).
        records = [r for r in read_address_records(args.osm) if r.postcode]
        addresses = sample_addresses(graph, records, 2000, seed=args.seed)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            for ref, shop_name, street, number, postcode in SHOPS:
                body = {
                    "ref": ref,
                    "name": shop_name,
                    "address": {
                        "street": street,
                        "housenumber": number,
                        "postcode": postcode,
                        "city": "København",
                    },
                    "pickup_windows": [{"start": "08:00", "end": "18:00"}],
                }
                register_shop(session=session, shop=ShopIn(**body), locator=locator)
            _user, token = create_user(session=session, name="bench", role=Role.INTEGRATION)

        env = dict(os.environ)
        env.update(
            BAKFIETS_DATABASE_URL=url,
            BAKFIETS_OSM_FILE=str(args.osm),
            BAKFIETS_DATA_DIR="var",
            BAKFIETS_SHOPIFY_WEBHOOK_SECRET=SHOPIFY_SECRET,
            BAKFIETS_WEBSHOP_VENDOR_SHOPS=json.dumps({ref: ref for ref, *_ in SHOPS}),
        )
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "api.main:app_from_env",
                "--host", "127.0.0.1", "--port", str(args.port), "--workers", str(args.workers),
                "--log-level", "warning", "--no-access-log",
            ],
            env=env,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{args.port}"
        _wait_ready(base_url, server)

        run = uuid.uuid4().hex[:6]
        rng = random.Random(args.seed)
        day = (datetime.now(ZoneInfo("Europe/Copenhagen")).date() + timedelta(days=2)).isoformat()

        def make_request(n: int) -> tuple[str, tuple[str, bytes, dict[str, str]]]:
            order = _order_body(n, run, rng.choice(addresses), day, rng)
            if args.endpoint == "orders":
                raw = json.dumps(order).encode()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                return order["external_id"], ("/api/v1/orders", raw, headers)
            raw = json.dumps(_shopify_body(order)).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Event-Id": f"evt-{order['external_id']}",
                "X-Shopify-Hmac-Sha256": sign_body(raw, SHOPIFY_SECRET),
            }
            return order["external_id"], ("/api/v1/webhooks/shopify", raw, headers)

        tally = Tally()
        pids = _server_pids(server.pid, args.pg, name)
        cpu_before = {pid: _process_cpu_s(pid) for group in pids.values() for pid in group}
        client_cpu_s = time.process_time()
        elapsed_s = asyncio.run(
            _load(
                args.port,
                seconds=args.seconds,
                concurrency=args.concurrency,
                make_request=make_request,
                together=args.duplicates == "together",
                tally=tally,
            )
        )
        client_cpu_s = time.process_time() - client_cpu_s
        # Backends opened during the run count from zero; every one is read again now.
        pids = _server_pids(server.pid, args.pg, name)
        cpu_s = {
            group: sum(_process_cpu_s(pid) - cpu_before.get(pid, 0.0) for pid in group_pids)
            for group, group_pids in pids.items()
        }
        cpu_s["client"] = client_cpu_s

        with make_sessionmaker(engine)() as session:
            stored_ids = set(session.scalars(select(Order.external_id)))
            stored_rows = session.scalar(select(func.count()).select_from(Order)) or 0
            per_customer = session.execute(
                select(Customer.name, func.count(Order.id))
                .join(Order, Order.customer_id == Customer.id)
                .group_by(Customer.name)
                .having(func.count(Order.id) > 1)
            ).all()
            attention = session.scalar(
                select(func.count()).select_from(Order).where(Order.attention_reason.is_not(None))
            )
        engine.dispose()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        with psycopg.connect(args.pg + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    sent = set(tally.sent)
    # Lost: sent and not refused, yet not stored (a refusal names its field and is not a loss).
    lost = len(sent - stored_ids - tally.refused)
    duplicated = (stored_rows - len(stored_ids)) + sum(count - 1 for _name, count in per_customer)
    latencies_ms = [s * 1000 for s in tally.latencies_s]
    print(
        f"intake load ({args.endpoint}, PostgreSQL, uvicorn --workers {args.workers}, "
        f"{args.concurrency} clients, each order sent twice ({args.duplicates}), "
        f"{elapsed_s:.1f} s)"
    )
    print(f"  orders sent / stored          {len(sent)} / {len(stored_ids & sent)}")
    print(f"  orders/s (stored)             {len(stored_ids & sent) / elapsed_s:.1f}")
    print(f"  requests/s (both copies)      {len(latencies_ms) / elapsed_s:.1f}")
    print(
        f"  latency p50 / p95             {statistics.median(latencies_ms):.1f} / "
        f"{_percentile(latencies_ms, 0.95):.1f} ms (per copy, 409 retries included)"
    )
    print(f"  answers                       {dict(sorted(tally.statuses.items()))}")
    print(
        f"  copies answered as replays    {tally.replayed}; 409 retries {tally.retries_409}; "
        f"resent after a dropped connection {tally.transport_retries}"
    )
    print(f"  copies whose answers differ   {tally.answers_differ}")
    stored = max(1, len(stored_ids & sent))
    print(
        "  CPU per stored order          "
        + ", ".join(f"{group} {1000 * used / stored:.1f} ms" for group, used in cpu_s.items())
        + f" (busy cores: {sum(cpu_s.values()) / elapsed_s:.2f})"
    )
    print(f"  orders needing attention      {attention}")
    print(f"  refused (4xx, with the field) {len(tally.refused)}")
    print(f"  lost                          {lost}")
    print(f"  duplicated                    {duplicated}")
    if tally.failures:
        print(f"  failures                      {len(tally.failures)}, first: {tally.failures[0]}")
    # The machine may be shared: the load says how much of it the run had.
    print(f"  load average after the run    {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
