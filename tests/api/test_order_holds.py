"""An order that names a slot held at checkout (``slot_hold_id``), on SQLite and PostgreSQL.

The holds are stored rows as ``POST /api/v1/slots/holds`` writes them (test_slots_api.py takes
them through the slot desk on a planned day): 10:00–12:00 at Amaliegade 13C, two days ahead.
The order of :func:`tests.dbfixtures.order_body` goes there, in 10–12 or 16–18.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Base,
    Customer,
    IdempotencyRecord,
    Order,
    Parcel,
    ParcelEvent,
    Pickup,
    SlotHold,
    utcnow,
)
from tests.dbfixtures import CUSTOMER_LAT, CUSTOMER_LON, depot_today, order_body

Client = Callable[..., TestClient]
HOUR_S = 3600
#: The tables an order writes rows into (and its idempotency records).
WRITTEN = (Order, Customer, Parcel, ParcelEvent, Pickup, IdempotencyRecord)
HOLD_S = timedelta(minutes=10)


def _day() -> date:
    return depot_today() + timedelta(days=2)


def store_hold(
    session: Session,
    *,
    day: date | None = None,
    window_s: tuple[int, int] = (10 * HOUR_S, 12 * HOUR_S),
    lat: float = CUSTOMER_LAT,
    lon: float = CUSTOMER_LON,
    expires_in: timedelta = HOLD_S,
) -> str:
    """A hold (10:00–12:00 at Amaliegade 13C, two days ahead, unless told) for one parcel, as
    the slot desk stores it; its id."""
    hold = SlotHold(
        id=secrets.token_hex(16),
        plan_date=day or _day(),
        start_s=window_s[0],
        end_s=window_s[1],
        lat=lat,
        lon=lon,
        address="the held address",
        weight_g=2000,
        volume_ml=5000,
        parcels=1,
        expires_at=utcnow() + expires_in,
    )
    session.add(hold)
    session.commit()
    return hold.id


def _stored(session: Session, hold_id: str) -> SlotHold:
    session.expire_all()
    hold = session.get(SlotHold, hold_id)
    assert hold is not None
    return hold


def _counts(session: Session) -> dict[str, int]:
    session.rollback()
    tables: list[type[Base]] = list(WRITTEN)
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


def _refusal(answer: Any) -> tuple[int, str, str]:
    field = answer.json()["error"]["fields"][0]
    return answer.status_code, field["field"], field["reason"]


def test_an_order_uses_its_hold(client: Client, shops: dict[str, int], session: Session) -> None:
    """The checkout held 10–12; the order sent seconds later with the hold's id is taken, and
    the hold is marked used by that order (so it no longer counts as a hold, the order does).
    An address 20 m from the held one is the same door."""
    hold_id = store_hold(session, lat=CUSTOMER_LAT + 0.00018)  # 20 m north
    answer = client("integration").post(
        "/api/v1/orders", json=order_body("WS-HOLD", slot_hold_id=hold_id)
    )
    assert answer.status_code == 201, answer.text
    hold = _stored(session, hold_id)
    assert hold.order_id == answer.json()["id"] and hold.consumed_at is not None


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("unknown", 422, "no slot hold"),
        ("another date", 422, "delivery_date is"),
        ("another window", 422, "none of the order's windows (13:00-15:00) covers it"),
        ("a window half covering it", 422, "none of the order's windows (10:30-12:00)"),
        ("another address", 422, "m from the held one"),
        ("an address not found", 422, "address was not found"),
        ("expired", 409, "expired"),
    ],
)
def test_a_hold_the_order_cannot_use_is_refused_and_nothing_is_written(
    client: Client, shops: dict[str, int], session: Session, case: str, status: int, says: str
) -> None:
    """Each mismatch is refused naming slot_hold_id and saying what does not match: no order,
    customer, parcel, pickup, history or idempotency record stays behind, and the hold is
    still free — the right order then uses it."""
    hold_id = store_hold(session, expires_in=timedelta(seconds=-1) if case == "expired" else HOLD_S)
    body = order_body("WS-MISMATCH", slot_hold_id=hold_id)
    if case == "unknown":
        body["slot_hold_id"] = "0" * 32
    elif case == "another date":
        body["delivery_date"] = (_day() + timedelta(days=1)).isoformat()
    elif case == "another window":
        body["windows"] = [{"start": "13:00", "end": "15:00"}]
    elif case == "a window half covering it":
        body["windows"] = [{"start": "10:30", "end": "12:00"}]
    elif case == "another address":
        body["address"] = {"street": "Vesterbrogade", "housenumber": "60B", "postcode": "1620"}
    elif case == "an address not found":
        body["address"] = {"street": "Ingenvej", "housenumber": "999", "postcode": "9999"}
    webshop = client("integration")
    before = _counts(session)
    answer = webshop.post("/api/v1/orders", json=body)
    assert _refusal(answer)[:2] == (status, "slot_hold_id"), answer.text
    assert says in _refusal(answer)[2]
    assert _counts(session) == before
    assert _stored(session, hold_id).consumed_at is None
    if case != "expired":
        right = webshop.post("/api/v1/orders", json=order_body("WS-RIGHT", slot_hold_id=hold_id))
        assert right.status_code == 201, right.text


def test_a_hold_used_by_one_order_is_refused_to_another(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """A second order naming a hold the first used is 409 (naming the first order), and only
    the first order is stored."""
    hold_id = store_hold(session)
    webshop = client("integration")
    first = webshop.post("/api/v1/orders", json=order_body("WS-FIRST", slot_hold_id=hold_id))
    assert first.status_code == 201, first.text
    before = _counts(session)
    second = webshop.post("/api/v1/orders", json=order_body("WS-SECOND", slot_hold_id=hold_id))
    status, field, reason = _refusal(second)
    assert (status, field) == (409, "slot_hold_id")
    assert reason == f"order {first.json()['id']} already used this hold"
    assert _counts(session) == before
    assert _stored(session, hold_id).order_id == first.json()["id"]


def test_a_repeated_order_gets_its_first_answer_though_its_hold_is_used(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """The webshop sends the order again (same Idempotency-Key, same body; then the same
    external_id alone; then with a hold made afresh after a timeout): each gets the first
    answer, one order is stored, the first hold is the order's and the fresh one is not used."""
    hold_id = store_hold(session)
    webshop = client("integration")
    body = order_body("WS-AGAIN", slot_hold_id=hold_id)
    key = {"Idempotency-Key": "checkout-7f3a"}
    first = webshop.post("/api/v1/orders", json=body, headers=key)
    assert first.status_code == 201, first.text
    fresh = store_hold(session)
    for headers, again in (
        (key, body),
        ({}, body),
        ({}, {**body, "slot_hold_id": fresh}),
    ):
        repeat = webshop.post("/api/v1/orders", json=again, headers=headers)
        assert repeat.status_code == 201, repeat.text
        assert repeat.headers.get("Idempotent-Replayed") == "true"
        assert repeat.json() == first.json()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Order)) == 1
    assert _stored(session, hold_id).order_id == first.json()["id"]
    assert _stored(session, fresh).consumed_at is None
