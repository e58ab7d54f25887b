"""Shopify and WooCommerce webhooks over HTTP, on SQLite and PostgreSQL: signed, deduplicated,
refused by field, and never a second order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from depot.locate import Locator
from depot.settings import Settings
from depot.webshop.common import sign_body
from models import IdempotencyRecord, Order, OrderSource, SlotHold
from tests.api.test_order_holds import store_hold
from tests.dbfixtures import depot_today
from tests.fixtures.webshop import shopify_order, woocommerce_order

SHOPIFY_SECRET = "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"
WOO_SECRET = "wc-secret-5f2e8d1c0b9a"
# The shops of tests.dbfixtures (S001-S003): coffee by vendor, mugs and bread by SKU prefix.
VENDOR_SHOPS = {"Nørrebro Rösteri": "S001", "Jægersborg Uld": "S003"}
SKU_PREFIX_SHOPS = {"KER-": "S002", "BAG-": "S002"}


@pytest.fixture(scope="session")
def webshop_app(db_url: str, session_factory: sessionmaker[Session], locator: Locator) -> FastAPI:
    """The API with both webhook secrets and the shop mapping configured."""
    settings = Settings(
        database_url=db_url,
        shopify_webhook_secret=SHOPIFY_SECRET,
        woocommerce_webhook_secret=WOO_SECRET,
        webshop_vendor_shops=VENDOR_SHOPS,
        webshop_sku_prefix_shops=SKU_PREFIX_SHOPS,
    )
    return create_app(settings, locator=locator, session_factory=session_factory)


@pytest.fixture
def hooks(webshop_app: FastAPI, shops: dict[str, int]) -> Iterator[TestClient]:
    """A client (no token: webhooks sign their bodies) on an empty database with S001-S003."""
    with TestClient(webshop_app) as test_client:
        yield test_client


def _in_two_days() -> str:
    return (depot_today() + timedelta(days=2)).isoformat()


def _shopify_payload() -> dict[str, Any]:
    payload = shopify_order()
    payload["note_attributes"][2]["value"] = _in_two_days()
    return payload


def _woo_payload() -> dict[str, Any]:
    payload = woocommerce_order()
    payload["meta_data"] = [
        {"id": 1, "key": "jckwds_date_ymd", "value": _in_two_days().replace("-", "")},
        {"id": 2, "key": "jckwds_timeslot", "value": "16:00 - 18:00"},
    ]
    return payload


def _post_shopify(
    client: TestClient,
    payload: dict[str, Any],
    *,
    event: str = "evt-1",
    secret: str = SHOPIFY_SECRET,
):
    raw = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "bakfiets-kollektivet.myshopify.com",
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": event,
        "X-Shopify-Hmac-Sha256": sign_body(raw, secret),
    }
    return client.post("/api/v1/webhooks/shopify", content=raw, headers=headers)


def _post_woo(
    client: TestClient,
    payload: dict[str, Any],
    *,
    topic: str = "order.created",
    delivery: str = "1",
    secret: str = WOO_SECRET,
):
    raw = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://kollektivet.example.dk/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Signature": sign_body(raw, secret),
    }
    return client.post("/api/v1/webhooks/woocommerce", content=raw, headers=headers)


def _orders(session: Session, source: OrderSource) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Order).where(Order.source == source))


def test_a_signed_shopify_order_is_taken_in(hooks: TestClient, session: Session) -> None:
    """Order #1042 becomes one order with a pickup at S001 and S002, the 13:00-14:00 slot, the
    address located on the extract, and the notes of what was left out."""
    answer = _post_shopify(hooks, _shopify_payload())
    assert answer.status_code == 201, answer.text
    order = answer.json()["order"]
    assert (order["source"], order["external_id"]) == ("shopify", "5812345678901")
    assert order["status"] == "confirmed"
    assert [p["shop"] for p in order["pickups"]] == ["S001", "S002"]
    assert [p["weight_g"] for p in order["parcels"]] == [1300, 1850]
    assert order["delivery"]["date"] == _in_two_days()
    assert order["delivery"]["windows"] == [{"start": "13:00", "end": "14:00"}]
    assert order["delivery"]["address"]["matched_address"] == "Blågårdsgade 17, 2200 København N"
    assert order["customer"]["name"] == "Mette Holm"
    assert "line_items[2] (Gavekort 200 kr): needs no shipping; left out" in answer.json()["notes"]
    assert _orders(session, OrderSource.SHOPIFY) == 1


def test_shopify_retries_get_the_first_answer_and_no_second_order(
    hooks: TestClient, session: Session
) -> None:
    """The same event again (a retry), and the same order under another event id (a second
    subscription), both answer exactly the first answer; one order is stored."""
    first = _post_shopify(hooks, _shopify_payload(), event="evt-7")
    retry = _post_shopify(hooks, _shopify_payload(), event="evt-7")
    other = _post_shopify(hooks, _shopify_payload(), event="evt-8")
    assert first.status_code == retry.status_code == other.status_code == 201
    assert retry.content == first.content and other.content == first.content
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _orders(session, OrderSource.SHOPIFY) == 1
    # Both event ids are kept as keys, each answering with the first answer.
    keys = session.scalars(
        select(IdempotencyRecord.key).where(IdempotencyRecord.scope == "shopify-webhook")
    )
    assert sorted(keys) == ["shopify-event:evt-7"]


def test_a_shopify_order_uses_its_slot_hold_or_is_taken_without_it(
    hooks: TestClient, session: Session, locator: Locator
) -> None:
    """The checkout held 13:00–14:00 at Blågårdsgade 17 and put the hold's id in the note
    attribute Slot-Hold: the order uses the hold. Another order naming the same hold (now used)
    is still taken — its shopper has paid, and a refusal would only be retried until Shopify
    gives up — without the hold, the answer's notes saying why; its retry gets that answer."""
    where = locator.locate_text("Blågårdsgade 17, 2200 København N")
    assert where.lat is not None and where.lon is not None
    hold_id = store_hold(
        session,
        day=date.fromisoformat(_in_two_days()),
        window_s=(13 * 3600, 14 * 3600),
        lat=where.lat,
        lon=where.lon,
    )
    payload = _shopify_payload()
    payload["note_attributes"].append({"name": "Slot-Hold", "value": hold_id})
    first = _post_shopify(hooks, payload, event="evt-hold-1")
    assert first.status_code == 201, first.text
    first_id = first.json()["order"]["id"]
    session.expire_all()
    hold = session.get(SlotHold, hold_id)
    assert hold is not None and hold.order_id == first_id

    payload["id"] = 5812345678902
    second = _post_shopify(hooks, payload, event="evt-hold-2")
    assert second.status_code == 201, second.text
    assert second.json()["order"]["external_id"] == "5812345678902"
    assert (
        f"slot hold {hold_id} not used (order {first_id} already used this hold): taken without it"
    ) in second.json()["notes"]
    retry = _post_shopify(hooks, payload, event="evt-hold-2")
    assert retry.status_code == 201 and retry.json()["order"] == second.json()["order"]
    assert _orders(session, OrderSource.SHOPIFY) == 2
    session.expire_all()
    assert session.get(SlotHold, hold_id).order_id == first_id  # type: ignore[union-attr]


@pytest.mark.parametrize("secret", ["another-app-secret", ""])
def test_a_bad_shopify_signature_is_401_and_stores_nothing(
    hooks: TestClient, session: Session, secret: str
) -> None:
    """Signed with another secret, or not signed: 401 naming the header."""
    if secret:
        answer = _post_shopify(hooks, _shopify_payload(), secret=secret)
    else:
        answer = hooks.post("/api/v1/webhooks/shopify", json=_shopify_payload())
    assert answer.status_code == 401
    assert answer.json()["error"]["fields"][0]["field"] == "X-Shopify-Hmac-Sha256"
    assert _orders(session, OrderSource.SHOPIFY) == 0


def test_a_body_changed_after_signing_is_401(hooks: TestClient, session: Session) -> None:
    """The signature is over the raw bytes: a changed body with the old signature is refused."""
    raw = json.dumps(_shopify_payload()).encode()
    signature = sign_body(raw, SHOPIFY_SECRET)
    changed = raw.replace(b"Mette Holm", b"Mallory Holm")
    answer = hooks.post(
        "/api/v1/webhooks/shopify",
        content=changed,
        headers={"X-Shopify-Hmac-Sha256": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 401
    assert _orders(session, OrderSource.SHOPIFY) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(note_attributes=[]), "note_attributes.Delivery-Date"),
        (lambda p: p["line_items"][0].update(vendor="Ukendt", sku="Z-1"), "line_items[0].vendor"),
        (
            lambda p: p["shipping_address"].update(address1="Blågårdsgade"),
            "shipping_address.address1",
        ),
        (lambda p: p["note_attributes"][2].update(value="2020-01-02"), "delivery_date"),
        (
            lambda p: p["note_attributes"][4].update(value="14:00 - 13:00"),
            "note_attributes.Delivery-Time",
        ),
    ],
)
def test_a_malformed_shopify_order_is_422_naming_the_field(
    hooks: TestClient, session: Session, change, field: str
) -> None:
    """A missing date, an unmapped vendor, no house number, a past date, a reversed slot: 422
    naming the field; nothing stored."""
    payload = _shopify_payload()
    change(payload)
    answer = _post_shopify(hooks, payload)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["fields"][0]["field"] == field
    assert _orders(session, OrderSource.SHOPIFY) == 0


def test_malformed_json_is_422_naming_the_body(hooks: TestClient) -> None:
    """Signed bytes that are not JSON: 422 on ``body``."""
    raw = b'{"id": 1, "note_attributes": ['
    answer = hooks.post(
        "/api/v1/webhooks/shopify",
        content=raw,
        headers={"X-Shopify-Hmac-Sha256": sign_body(raw, SHOPIFY_SECRET)},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "body"


def test_a_store_pickup_order_is_200_with_the_reason(hooks: TestClient, session: Session) -> None:
    """Zapiet's Checkout-Method=pickup is not ours: 200 (no retries), the reason, no order."""
    payload = _shopify_payload()
    payload["note_attributes"][0]["value"] = "pickup"
    answer = _post_shopify(hooks, payload)
    assert answer.status_code == 200
    assert answer.json()["order"] is None
    assert "Checkout-Method is 'pickup'" in answer.json()["reason"]
    assert _orders(session, OrderSource.SHOPIFY) == 0


def test_a_signed_woocommerce_order_is_taken_in_once(hooks: TestClient, session: Session) -> None:
    """Order 7315: 201; the same version delivered again (new delivery id) gets the first
    answer; an order.updated with a new modification time but the same details too."""
    first = _post_woo(hooks, _woo_payload(), delivery="101")
    assert first.status_code == 201, first.text
    order = first.json()["order"]
    assert (order["source"], order["external_id"]) == ("woocommerce", "7315")
    assert order["delivery"]["address"]["matched_address"] == "Jægersborggade 41, 2200 København N"
    assert order["delivery"]["windows"] == [{"start": "16:00", "end": "18:00"}]
    assert sorted(p["shop"] for p in order["pickups"]) == ["S002", "S003"]

    again = _post_woo(hooks, _woo_payload(), delivery="102")
    assert (again.status_code, again.content) == (201, first.content)
    updated = _woo_payload()
    updated["date_modified_gmt"] = "2026-11-21T12:00:00"
    updated["status"] = "completed"
    same = _post_woo(hooks, updated, topic="order.updated", delivery="103")
    assert (same.status_code, same.content) == (201, first.content)
    assert _orders(session, OrderSource.WOOCOMMERCE) == 1


def test_a_changed_woocommerce_order_update_is_not_applied_and_says_so(
    hooks: TestClient, session: Session
) -> None:
    """order.updated with another address after the order was taken in: 200 with the reason
    (a 4xx would count towards WooCommerce disabling the webhook); the order is unchanged."""
    first = _post_woo(hooks, _woo_payload())
    moved = _woo_payload()
    moved["date_modified_gmt"] = "2026-11-21T13:00:00"
    moved["shipping"]["address_1"] = "Istedgade 80"
    moved["shipping"]["postcode"] = "1650"
    answer = _post_woo(hooks, moved, topic="order.updated")
    assert answer.status_code == 200
    assert (
        "taken in before with other details; this update is not applied"
        in (answer.json()["reason"])
    )
    order_id = first.json()["order"]["id"]
    session.rollback()
    assert session.get(Order, order_id).address.street == "Jægersborggade"
    assert _orders(session, OrderSource.WOOCOMMERCE) == 1


def test_the_woocommerce_creation_ping_gets_200(hooks: TestClient, session: Session) -> None:
    """The unsigned form-encoded ``webhook_id=12`` ping: 200, nothing stored."""
    answer = hooks.post(
        "/api/v1/webhooks/woocommerce",
        content=b"webhook_id=12",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert answer.json()["reason"] == "creation ping of webhook 12 received"
    assert _orders(session, OrderSource.WOOCOMMERCE) == 0


def test_woocommerce_bad_signature_and_unpaid_orders(hooks: TestClient, session: Session) -> None:
    """Another secret: 401 naming the header. A pending order: 200 saying it comes when it is
    processing. Neither is stored."""
    bad = _post_woo(hooks, _woo_payload(), secret="guess")
    assert bad.status_code == 401
    assert bad.json()["error"]["fields"][0]["field"] == "X-WC-Webhook-Signature"
    pending = _woo_payload()
    pending["status"] = "pending"
    waiting = _post_woo(hooks, pending)
    assert waiting.status_code == 200
    assert "status is 'pending'" in waiting.json()["reason"]
    assert _orders(session, OrderSource.WOOCOMMERCE) == 0


def test_woocommerce_missing_delivery_date_is_422(hooks: TestClient, session: Session) -> None:
    """No delivery-date plugin meta: 422 naming meta_data.delivery_date."""
    payload = _woo_payload()
    payload["meta_data"] = []
    answer = _post_woo(hooks, payload)
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "meta_data.delivery_date"
    assert _orders(session, OrderSource.WOOCOMMERCE) == 0


def test_a_mapped_shop_that_does_not_exist_is_422(
    webshop_app: FastAPI, db_url: str, session_factory, locator: Locator, shops, session: Session
) -> None:
    """A mapping to a shop not registered: 422 naming the order's line, nothing stored."""
    settings = Settings(
        database_url=db_url,
        shopify_webhook_secret=SHOPIFY_SECRET,
        webshop_vendor_shops={"Nørrebro Rösteri": "S009"},
        webshop_sku_prefix_shops=SKU_PREFIX_SHOPS,
    )
    app = create_app(settings, locator=locator, session_factory=session_factory)
    with TestClient(app) as client:
        answer = _post_shopify(client, _shopify_payload())
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "lines[0].shop"
    assert _orders(session, OrderSource.SHOPIFY) == 0
