"""A small real day for planning tests: a depot, two bikes and couriers, three shops, orders to
real Copenhagen addresses (each found in the OSM extract's addr:* tags), set up through the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.locate import Locator
from depot.settings import Settings
from depot.users import create_user
from models import Role
from tests.dbfixtures import CUSTOMER_ADDRESS, ROOT, order_body

Client = Callable[..., TestClient]

#: Real addresses of inner Copenhagen (street, housenumber, postcode, city), one customer each.
ADDRESSES = [
    ("Frederiksholms Kanal", "12", "1220", "København K"),
    ("Dronningens Tværgade", "22", "1302", "København K"),
    ("Staldgade", "40", "1699", "København V"),
    ("Olfert Fischers Gade", "33", "1311", "København K"),
    ("Niels Hemmingsens Gade", "3", "1153", "København K"),
    ("Adelgade", "6", "1304", "København K"),
    ("Klareboderne", "10", "1115", "København K"),
    ("Bernstorffsgade", "18", "1577", "København V"),
    ("Klerkegade", "25C", "1308", "København K"),
    ("Løvstræde", "10", "1152", "København K"),
]
#: The depot: Vesterbrogade by the Central Station, given as coordinates (WGS84).
DEPOT = {"name": "Bakfiets City Depot", "address": {"lat": 55.6738, "lon": 12.5646}}
#: Sorted so a test can read them: which shop each customer's parcel comes from.
SHOP_OF = ["S001", "S002", "S003"]


def address(i: int) -> dict[str, str]:
    """The i-th real address as an API body."""
    street, number, postcode, city = ADDRESSES[i]
    return {"street": street, "housenumber": number, "postcode": postcode, "city": city}


@pytest.fixture
def plan_app(
    db_url: str, session_factory: sessionmaker[Session], locator: Locator, osm_path: Path
) -> Iterator[FastAPI]:
    """The API with the OSM extract set (plans need the street network), jobs in-process."""
    settings = Settings(database_url=db_url, osm_file=osm_path, data_dir=ROOT / "var")
    app = create_app(settings, locator=locator, session_factory=session_factory)
    yield app
    app.state.plan_runner.shutdown()


@pytest.fixture
def plan_client(plan_app: FastAPI, session: Session) -> Iterator[Client]:
    """``plan_client(role)``: a TestClient on :func:`plan_app` with a fresh token of that role.
    ``plan_client("courier", name="Ida")`` names the user (couriers are told apart by name)."""
    opened: list[TestClient] = []

    def make(role: str, shop: str | None = None, name: str | None = None) -> TestClient:
        test_client = TestClient(plan_app)
        user, token = create_user(
            session=session, name=name or f"test {role}", role=Role(role), shop_ref=shop
        )
        test_client.headers["Authorization"] = f"Bearer {token}"
        test_client.user_id = user.id  # type: ignore[attr-defined]
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.close()


@dataclass
class Day:
    """What :func:`set_up_day` made: the date, the couriers' clients and the order ids."""

    day: date
    couriers: list[TestClient]
    orders: list[int]
    consolidated: tuple[int, int]  # two orders to one customer from different shops


def set_up_day(depot: TestClient, client: Client, shops: dict[str, int], day: date) -> Day:
    """Depot, two bikes with a courier each (08:00–16:00, a 30-min break), and orders.

    Orders: one to each of :data:`ADDRESSES` (1–2 parcels, from S001, S002 or S003 in turn,
    windows 09:00–17:00 or 10:00–13:00), plus two orders for one customer (Karen Holm,
    Amaliegade 13C) from S001 and from S002 with overlapping windows (10–12 and 11–14).
    """
    assert depot.put("/api/v1/depot", json={**DEPOT, "reload_s": 600}).status_code == 200
    couriers = [client("courier", name="Ida"), client("courier", name="Mads")]
    for n, courier in enumerate(couriers, 1):
        bike = {"ref": f"B0{n}", "capacity_kg": 120, "capacity_l": 450, "capacity_parcels": 30}
        assert depot.post("/api/v1/bikes", json=bike).status_code == 201
        shift = {
            "courier_id": courier.user_id,  # type: ignore[attr-defined]
            "bike": f"B0{n}",
            "date": day.isoformat(),
            "start": "08:00",
            "end": "16:00",
            "breaks": [{"start": "11:30", "end": "13:30", "duration_min": 30}],
        }
        answer = depot.post("/api/v1/shifts", json=shift)
        assert answer.status_code == 201, answer.text
    webshop = client("integration")
    orders = []
    for i in range(len(ADDRESSES)):
        window = {"start": "09:00", "end": "17:00"} if i % 2 else {"start": "10:00", "end": "13:00"}
        parcels = [{"weight_g": 1500 + 300 * i, "volume_ml": 6000, "count": 1 + i % 2}]
        body = order_body(
            f"DAY-{i}",
            delivery_date=day.isoformat(),
            customer={"name": f"Kunde {i}", "email": f"kunde{i}@example.dk"},
            address=address(i),
            windows=[window],
            lines=[{"shop": SHOP_OF[i % 3], "parcels": parcels}],
        )
        answer = webshop.post("/api/v1/orders", json=body)
        assert answer.status_code == 201 and answer.json()["status"] == "confirmed", answer.text
        orders.append(answer.json()["id"])
    pair = []
    for ref, window in (("S001", ("10:00", "12:00")), ("S002", ("11:00", "14:00"))):
        body = order_body(
            f"KAREN-{ref}",
            delivery_date=day.isoformat(),
            address=dict(CUSTOMER_ADDRESS),
            windows=[{"start": window[0], "end": window[1]}],
            lines=[{"shop": ref, "parcels": [{"weight_g": 900, "volume_ml": 4000}]}],
        )
        answer = webshop.post("/api/v1/orders", json=body)
        assert answer.status_code == 201, answer.text
        pair.append(answer.json()["id"])
    return Day(day, couriers, orders + pair, (pair[0], pair[1]))


def wait_done(depot: TestClient, url: str, timeout_s: float = 180.0) -> dict[str, Any]:
    """Poll a plan until it is finished; returns its last view."""
    deadline = time.monotonic() + timeout_s
    while True:
        view = depot.get(url).json()
        if view["status"] in ("done", "failed", "cancelled"):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"plan still {view['status']} ({view['progress']})")
        time.sleep(0.3)
