"""The demo day: a real Copenhagen day run through the Bakfiets API on the embedded default.

A fresh SQLite database in the output folder, planning jobs on a thread of this process, no
Redis. The API is served by uvicorn on a free loopback port and everything below goes through
it over HTTP with bearer tokens, as a webshop, the depot and the couriers would:

1. the depot (the servable address nearest the network's centre), ``bikes`` cargo bikes and a
   courier's shift on each (08:00–16:00, every third 10:00–18:00, a 30-minute break);
2. ``shops`` shops of the extract's ``shop=*`` features (named, with a street address, within
   reach of a bikeable way); one in four is collected by bike, the others drop their parcels
   at the depot in the morning;
3. ``orders`` webshop orders to real addresses of the extract: windows as in
   :mod:`depot.demo_day`, one or two shops per order, and a few customers ordering twice
   (their orders become one stop);
4. one combined plan (pickups and deliveries): shop → customer pairs for parcels collected by
   bike, depot → customer for the rest; an order needing parcels from a collected shop and
   another shop waits for the depot (``via_depot``), as on a real day;
5. the day run to its end as the depot would (:mod:`api.demo_depot`): the drop-off parcels
   scanned in, each round loaded and started when it leaves, the via-depot parcels scanned in
   when their rounds bring them back, and the day planned again from then (the started rounds
   kept), so the via-depot customers go out in later rounds;
6. what the API gives back for the day's last plan: the plan, the map of its rounds, a
   manifest per round, the day's slips, and the impact figures of the plan's summary.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI

from api.demo_data import DemoSizeError, order_bodies, pick_shops, shop_body
from api.demo_depot import Wave, run_day
from api.main import create_app
from depot.demo_day import central_depot
from depot.impact import VAN_CO2_G_PER_KM
from depot.paper.service import write_atomically
from depot.settings import Settings
from depot.users import create_user
from depot.worker import graph_loader
from maps.address_index import AddressRecord
from maps.geocode import OfflineGeocoder
from maps.graph import BikeGraph
from maps.sample import servable_addresses
from maps.shops import read_shops
from models import Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

Say = Callable[[str], None]
#: A re-plan searches this share of the first plan's time (the day's frozen rounds stay).
REPLAN_SHARE = 12
COURIERS = ("Ida", "Mads", "Ole", "Sara", "Emil", "Nora", "Viggo", "Alma", "Carl", "Ella")


class DemoError(RuntimeError):
    """The API refused a step of the demo: the call and the API's own message."""


@dataclass(frozen=True)
class DemoOptions:
    """How big the demo day is, and where its files go."""

    osm: Path
    out: Path
    shops: int = 40
    orders: int = 300
    bikes: int = 8
    seed: int = 1
    time_limit_s: int = 60


@dataclass
class DemoResult:
    """What the demo did: the date, the day's first and last plan as the API answered them,
    the re-plans between, the files written."""

    day: date
    plan: dict[str, Any]
    orders: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)
    impact: dict[str, Any] = field(default_factory=dict)
    first_plan: dict[str, Any] = field(default_factory=dict)
    waves: list[Wave] = field(default_factory=list)


class Api:
    """A JSON client of the API over HTTP holding one bearer token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        # Loopback only: no proxy from the environment may stand in between.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(
        self, method: str, path: str, body: Any = None, **params: str
    ) -> tuple[int, bytes, str]:
        """Status, body and content type of one request (refusals are answers too)."""
        url = self.base_url + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=120) as answer:
                return answer.status, answer.read(), answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read(), refused.headers.get("Content-Type", "")

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        """The JSON answer of a call that must succeed; :class:`DemoError` otherwise."""
        status, content, _kind = self.call(method, path, body, **params)
        if status >= 300:
            raise DemoError(f"{method} {path}: {status} {content.decode('utf-8', 'replace')}")
        return json.loads(content) if content else None

    def document(self, path: str, **params: str) -> bytes:
        """The bytes of a document the API renders (a PDF, a page)."""
        status, content, _kind = self.call("GET", path, **params)
        if status != 200:
            raise DemoError(f"GET {path}: {status} {content.decode('utf-8', 'replace')}")
        return content


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port (a thread); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="bakfiets-demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise DemoError(f"the API did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


OUTPUTS = (
    "plan.json",
    "rounds.html",
    "slips-a6.pdf",
    "impact.json",
    "impact.svg",
    "impact.csv",
    "rounds.geojson",
)


def _fresh_database(out: Path) -> str:
    """A new SQLite database ``out/bakfiets.db``, migrated; an earlier demo's database and
    files in ``out`` are removed first, so nothing of two days mixes."""
    out.mkdir(parents=True, exist_ok=True)
    for name in (*OUTPUTS, "bakfiets.db", "bakfiets.db-wal", "bakfiets.db-shm"):
        (out / name).unlink(missing_ok=True)
    for stale in (out / "manifests").glob("*.pdf"):
        stale.unlink()
    url = f"sqlite:///{out / 'bakfiets.db'}"
    upgrade(url)
    return url


def _tokens(url: str, couriers: int) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """Tokens of the admin, the depot, the webshop and each courier (as ``bakfiets users
    create`` makes them)."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            staff = {
                Role.ADMIN: "demo admin",
                Role.DEPOT: "depot desk",
                Role.INTEGRATION: "webshop",
            }
            tokens = {
                role.value: create_user(session=session, name=name, role=role)[1]
                for role, name in staff.items()
            }
            riders = []
            for k in range(couriers):
                name = COURIERS[k % len(COURIERS)] + ("" if k < len(COURIERS) else f" {k}")
                user, token = create_user(session=session, name=name, role=Role.COURIER)
                riders.append((user.id, token))
    finally:
        engine.dispose()
    return tokens, riders


def set_up_fleet(
    depot_api: Api,
    graph: BikeGraph,
    homes: list[AddressRecord],
    riders: list[tuple[int, str]],
    day: date,
) -> None:
    """The depot, one bike and shift per courier."""
    place = central_depot(graph, homes)
    where = {"lat": place.lat, "lon": place.lon}
    depot_api.ok(
        "PUT", "/api/v1/depot", {"name": "Bakfiets City Depot", "address": where, "reload_s": 600}
    )
    for k, (courier_id, _token) in enumerate(riders, start=1):
        ref = f"B{k:02d}"
        depot_api.ok(
            "POST",
            "/api/v1/bikes",
            {"ref": ref, "capacity_kg": 100, "capacity_l": 400, "max_trips": 3},
        )
        late = k % 3 == 0
        depot_api.ok(
            "POST",
            "/api/v1/shifts",
            {
                "courier_id": courier_id,
                "bike": ref,
                "date": day.isoformat(),
                "start": "10:00" if late else "08:00",
                "end": "18:00" if late else "16:00",
                "breaks": [{"start": "11:30", "end": "13:30", "duration_min": 30}],
            },
        )


def wait_for_plan(depot_api: Api, plan_id: int, say: Say, limit_s: float) -> dict[str, Any]:
    """Poll the plan until it is finished, saying each new stage."""
    deadline = time.monotonic() + limit_s
    stage = ""
    while True:
        view: dict[str, Any] = depot_api.ok("GET", f"/api/v1/plans/{plan_id}")
        progress = view["progress"]
        if progress["stage"] != stage:
            stage = progress["stage"]
            say(f"plan {plan_id}: {view['status']}, {stage}")
        if view["status"] in ("done", "failed", "cancelled"):
            return view
        if time.monotonic() > deadline:
            raise DemoError(f"plan {plan_id} still {view['status']} after {limit_s:.0f} s")
        time.sleep(1.0)


def impact_figures(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan's own figures: bike km, parcels and stops, consolidation, CO₂ avoided (the
    rounds of the whole day: a re-plan keeps the rounds ridden before it)."""
    summary = plan["summary"]
    rounds = plan["rounds"]
    calls = [s for r in rounds for s in r["stops"] if s["kind"] != "reload"]
    delivered = [s for s in calls if s["kind"] == "delivery"]
    parcels = sum(len(s["parcel_ids"]) for s in delivered)
    return {
        "date": plan["date"],
        "plan_id": plan["id"],
        "plan_version": plan["version"],
        "rounds": len(rounds),
        "bikes_used": len({r["vehicle"] for r in rounds}),
        "bike_km": summary["bike_km"],
        "stops_planned": len(calls),
        "delivery_stops": len(delivered),
        "pickup_stops": len(calls) - len(delivered),
        "parcels_delivered": parcels,
        "orders_delivered": len({o for s in delivered for o in s["order_ids"]}),
        "stops_unassigned": len(plan["unassigned"]),
        "delivery_parcels_per_stop": round(parcels / len(delivered), 2) if delivered else None,
        "co2_avoided_kg": summary["co2_avoided_kg"],
        "co2_basis": f"a van over the same distance, {VAN_CO2_G_PER_KM:g} g CO2 per km "
        "(depot.impact.VAN_CO2_G_PER_KM, EEA 2022 new-van average)",
    }


def run_demo(options: DemoOptions, *, say: Say) -> DemoResult:
    """Run the demo day (see the module docstring) and write its files under ``options.out``.

    Raises
    ------
    DemoError
        A step the API refused (its answer is in the message), or the plan failed.
    DemoSizeError
        The extract has fewer usable shops or addresses than asked for.
    """
    out = options.out
    rng = random.Random(options.seed)
    settings = Settings(osm_file=options.osm, broker_url="", environment="development")
    day = datetime.now(ZoneInfo(settings.timezone)).date() + timedelta(days=1)
    graph = graph_loader(settings)()
    say(f"bike graph: {graph.n_nodes} nodes, {graph.n_edges} edges")
    records = OfflineGeocoder.from_osm(options.osm, cache_dir=settings.cache_dir).addresses
    homes = servable_addresses(graph, records, limit_m=settings.snap_limit_m)
    shops = pick_shops(graph, read_shops(options.osm), options.shops, rng)
    if options.orders > len(homes):
        raise DemoSizeError("--orders", f"{options.orders} asked, {len(homes)} addresses served")
    say(f"{len(homes)} servable addresses; {len(shops)} shops chosen")
    # Only now, with the day drawn, is anything written.
    url = _fresh_database(out)
    settings = settings.model_copy(update={"database_url": url})
    tokens, riders = _tokens(url, options.bikes)
    app = create_app(settings)
    result = DemoResult(day=day, plan={})
    try:
        with serve(app) as base:
            admin, depot = Api(base, tokens["admin"]), Api(base, tokens["depot"])
            webshop = Api(base, tokens["integration"])
            refs = [f"S{k:03d}" for k in range(1, len(shops) + 1)]
            for ref, shop in zip(refs, shops, strict=True):
                admin.ok("POST", "/api/v1/shops", shop_body(ref, shop))
            dropoff = {ref for k, ref in enumerate(refs) if k % 4}
            set_up_fleet(depot, graph, homes, riders, day)
            say(f"depot, {len(riders)} bikes and shifts, {len(refs)} shops registered")
            receipts = [
                webshop.ok("POST", "/api/v1/orders", body)
                for body in order_bodies(homes, refs, dropoff, n=options.orders, day=day, rng=rng)
            ]
            result.orders.update(receipt["status"] for receipt in receipts)
            say(f"{options.orders} webshop orders: {dict(result.orders)}")
            asked = depot.ok(
                "POST",
                "/api/v1/plans",
                {"date": day.isoformat(), "kind": "combined", "time_limit_s": options.time_limit_s},
            )

            def done(plan_id: int, limit_s: int = options.time_limit_s) -> dict[str, Any]:
                plan = wait_for_plan(depot, plan_id, say, limit_s=limit_s * 3 + 120)
                if plan["status"] != "done":
                    raise DemoError(f"plan {plan['id']} {plan['status']}: {plan['error']}")
                return plan

            result.first_plan = done(asked["id"])
            replan_s = max(2, options.time_limit_s // REPLAN_SHARE)
            result.plan, result.waves = run_day(
                depot,
                result.first_plan,
                codes={p["id"]: p["label_code"] for r in receipts for p in r["parcels"]},
                dropped_off=_dropped_off(receipts),
                time_limit_s=replan_s,
                wait=lambda plan_id: done(plan_id, replan_s),
                say=say,
            )
            result.files = _write_files(depot, result.plan, out, day)
            # The impact report as the centre manager reads it (GET /api/v1/impact), beside the
            # plan's own figures.
            result.impact = impact_figures(result.plan)
            result.impact["report"] = depot.ok("GET", "/api/v1/impact", date=day.isoformat())
            chart = depot.document("/api/v1/impact", date=day.isoformat(), format="svg")
            table = depot.document("/api/v1/impact", date=day.isoformat(), format="csv")
    finally:
        app.state.plan_runner.shutdown()
    impact = out / "impact.json"
    write_atomically(impact, json.dumps(result.impact, indent=1, ensure_ascii=False).encode())
    write_atomically(out / "impact.svg", chart)
    write_atomically(out / "impact.csv", table)
    result.files += [impact, out / "impact.svg", out / "impact.csv"]
    return result


def manifest_name(vehicle: str, outing: int) -> str:
    """The manifest's file name: the bike's first round ``S1-B01.pdf``, its second
    ``S1-B01-2.pdf`` (a bike back at the depot goes out again after a re-plan)."""
    return f"{vehicle}.pdf" if outing == 1 else f"{vehicle}-{outing}.pdf"


def _dropped_off(receipts: list[dict[str, Any]]) -> list[int]:
    """The parcels of the orders' drop-off lines (the shop brings them to the depot)."""
    return [
        parcel_id
        for receipt in receipts
        for handover in receipt["pickups"]
        if handover["handover"] == "dropoff"
        for parcel_id in handover["parcel_ids"]
    ]


def _write_files(depot: Api, plan: dict[str, Any], out: Path, day: date) -> list[Path]:
    """plan.json, rounds.html, manifests/<round>.pdf and slips-a6.pdf, all from the API."""
    documents = [
        (out / "plan.json", json.dumps(plan, indent=1, ensure_ascii=False).encode()),
        (out / "rounds.html", depot.document(f"/api/v1/plans/{plan['id']}/map.html")),
    ]
    outings: Counter[str] = Counter()
    for round_ in plan["rounds"]:
        content = depot.document(f"/api/v1/plans/{plan['id']}/manifests/{round_['id']}.pdf")
        outings[round_["vehicle"]] += 1
        name = manifest_name(round_["vehicle"], outings[round_["vehicle"]])
        documents.append((out / "manifests" / name, content))
    slips = depot.document("/api/v1/slips", date=day.isoformat(), size="a6")
    documents.append((out / "slips-a6.pdf", slips))
    for path, content in documents:
        write_atomically(path, content)
    return [path for path, _content in documents]
