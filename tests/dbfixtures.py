"""Database and API fixtures, shared as a pytest plugin (``pytest_plugins`` in conftest.py).

- ``db_url``: a freshly migrated database per test session, once on a SQLite file and once on
  PostgreSQL (a throwaway database on 127.0.0.1:5432, dropped at the end; those runs carry the
  ``postgres`` mark). Every test that uses it runs on both.
- ``session``: a session on it; every table is emptied before each test.
- ``locator``: the real offline geocoder and service area of the Copenhagen extract, built once
  (cached under ``var/cache``).
- ``client``: ``client(role, shop=None)`` is a TestClient holding a fresh token of that role.
- Builders of realistic shops and orders on real Copenhagen addresses.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from copy import deepcopy
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.contracts import ShopIn
from depot.locate import Locator, build_locator
from depot.settings import Settings
from depot.shops import register_shop
from depot.users import create_user
from maps.profiles import PEDAL
from models import Base, Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("BAKFIETS_TEST_PG", "host=127.0.0.1 port=5432 user=postgres")
DEPOT_TZ = ZoneInfo("Europe/Copenhagen")

#: Real shops in inner Copenhagen (addresses from the OSM extract).
SHOPS: dict[str, dict[str, Any]] = {
    "S001": {
        "name": "Nørregade Boghandel",
        "address": {
            "street": "Nørregade",
            "housenumber": "12",
            "postcode": "1165",
            "city": "København K",
        },
    },
    "S002": {
        "name": "Vesterbro Vin",
        "address": {
            "street": "Vesterbrogade",
            "housenumber": "60B",
            "postcode": "1620",
            "city": "København V",
        },
    },
    "S003": {
        "name": "Kongens Blomster",
        "address": {
            "street": "Store Kongensgade",
            "housenumber": "40",
            "postcode": "1264",
            "city": "København K",
        },
    },
}
#: A real customer address, and where OSM puts it (lat, lon), read from the extract's addr:* tags.
CUSTOMER_ADDRESS = {
    "street": "Amaliegade",
    "housenumber": "13C",
    "postcode": "1256",
    "city": "København K",
}
CUSTOMER_LAT, CUSTOMER_LON = 55.6829692, 12.5915836


def depot_today() -> date:
    """Today in Copenhagen (the depot's date, as the API computes it)."""
    return datetime.now(DEPOT_TZ).date()


def order_body(external_id: str = "WS-1001", **changes: Any) -> dict[str, Any]:
    """A realistic webshop order (JSON body): two days ahead, parcels from S001, S002 and S003."""
    body: dict[str, Any] = {
        "external_id": external_id,
        "delivery_date": (depot_today() + timedelta(days=2)).isoformat(),
        "customer": {"name": "Karen Holm", "phone": "+45 20 30 40 50", "email": "karen@example.dk"},
        "address": dict(CUSTOMER_ADDRESS),
        "windows": [{"start": "10:00", "end": "12:00"}, {"start": "16:00", "end": "18:00"}],
        "lines": [
            {"shop": "S001", "parcels": [{"weight_g": 1200, "volume_ml": 5000}]},
            {"shop": "S002", "parcels": [{"weight_g": 4500, "volume_ml": 9000, "count": 2}]},
            {"shop": "S003", "parcels": [{"weight_g": 800, "volume_ml": 12000}]},
        ],
    }
    body.update(deepcopy(changes))
    return body


def shop_body(template: str, **changes: Any) -> dict[str, Any]:
    """Registration body of one of :data:`SHOPS`, open for pickups 10:00-17:00 every day."""
    body = {
        "ref": template,
        **deepcopy(SHOPS[template]),
        "pickup_windows": [{"start": "10:00", "end": "17:00"}],
    }
    body.update(changes)
    return body


def _create_pg_database() -> tuple[str, str]:
    name = f"bakfiets_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head: a SQLite file, then a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bakfiets.db'}"
        upgrade(url)
        yield url
        return
    name, url = _create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    """The engine on :func:`db_url`."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(db_engine: Engine) -> sessionmaker[Session]:
    """Sessions on :func:`db_engine`."""
    return make_sessionmaker(db_engine)


def empty_tables(factory: sessionmaker[Session]) -> None:
    """Delete every row of every table (children first)."""
    with factory() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session on an empty database (all tables emptied before the test)."""
    empty_tables(session_factory)
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def locator(osm_path: Path) -> Locator:
    """The offline geocoder and service area of the real Copenhagen extract (cached in var/)."""
    return build_locator(
        osm_path, profile=PEDAL, cache_dir=ROOT / "var" / "cache", snap_limit_m=250.0
    )


@pytest.fixture
def shops(session: Session, locator: Locator) -> dict[str, int]:
    """S001, S002 and S003 registered; their ids by ref."""
    ids = {}
    for ref in SHOPS:
        ids[ref] = register_shop(session=session, shop=ShopIn(**shop_body(ref)), locator=locator).id
    return ids


@pytest.fixture(scope="session")
def api_app(db_url: str, session_factory: sessionmaker[Session], locator: Locator) -> FastAPI:
    """The API on :func:`db_url` with the real locator."""
    settings = Settings(database_url=db_url, max_body_bytes=262_144)
    return create_app(settings, locator=locator, session_factory=session_factory)


@pytest.fixture
def client(api_app: FastAPI, session: Session) -> Iterator[Callable[..., TestClient]]:
    """``client(role, shop=None)``: a TestClient sending a fresh token of that role;
    ``client(None)`` sends no token."""
    opened: list[TestClient] = []

    def make(role: Role | str | None, shop: str | None = None) -> TestClient:
        test_client = TestClient(api_app)
        if role is not None:
            _user, token = create_user(
                session=session, name=f"test {role}", role=Role(role), shop_ref=shop
            )
            test_client.headers["Authorization"] = f"Bearer {token}"
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.close()
