"""WooCommerce order webhooks into order bodies (depot.webshop.woocommerce): no DB, no HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from depot.webshop.common import ShopMapping, WebshopConfig
from depot.webshop.errors import NotForDeliveryError, PayloadError, SignatureError
from depot.webshop.woocommerce import (
    creation_ping_webhook_id,
    order_from_woocommerce,
    verify_woocommerce_signature,
    woocommerce_dedupe_key,
)
from tests.fixtures.webshop import SKU_PREFIX_SHOPS, VENDOR_SHOPS, woocommerce_order

CONFIG = WebshopConfig(
    mapping=ShopMapping(vendor_to_shop=VENDOR_SHOPS, sku_prefix_to_shop=SKU_PREFIX_SHOPS)
)
SECRET = "wc-3b1d9e7f0a2c4e6b8d0f1a3c5e7b9d1f"


def _with_meta(payload: dict, meta: dict[str, str]) -> dict:
    payload["meta_data"] = [
        {"id": 90000 + n, "key": key, "value": value} for n, (key, value) in enumerate(meta.items())
    ]
    return payload


def test_the_documented_order_becomes_the_order_contract() -> None:
    """Order 7315 (Tyche meta, shipping address) reads into the body of POST /api/v1/orders."""
    adapted = order_from_woocommerce(woocommerce_order(), config=CONFIG)
    assert adapted.body == {
        "external_id": "7315",
        "delivery_date": "2026-11-25",
        "customer": {
            "name": "Jonas Nielsen",
            "phone": "+45 28 91 33 04",
            "email": "jonas.nielsen@example.dk",
        },
        "address": {
            "street": "Jægersborggade",
            "housenumber": "41",
            "postcode": "2200",
            "city": "København N",
        },
        "windows": [{"start": "16:00", "end": "18:00"}],
        "lines": [
            # 2 × 1.1 kg of bread by SKU prefix BAG-; the plaid by its _vendor meta, no weight.
            {"shop": "S004", "parcels": [{"weight_g": 2200, "volume_ml": 5000}]},
            {"shop": "S003", "parcels": [{"weight_g": 1000, "volume_ml": 5000}]},
        ],
    }
    assert adapted.notes == (
        "shipping: '1. tv' not kept (the order address has no floor/door field)",
        "line_items[1] (Uldplaid, grå): no weight; assumed 1000 g per item",
    )


@pytest.mark.parametrize(
    ("meta", "date", "windows"),
    [
        (
            {
                "jckwds_date": "26/11/2026",
                "jckwds_timeslot": "10:00 - 12:00",
                "jckwds_timestamp": "1795683600",
            },
            "2026-11-26",
            [{"start": "10:00", "end": "12:00"}],
        ),
        (
            {"jckwds_date_ymd": "20261127", "jckwds_date": "27/11/2026"},
            "2026-11-27",
            [{"start": "00:00", "end": "24:00"}],
        ),
        (
            {"delivery_date": "November 28, 2026", "delivery_time": "02:00 PM - 04:00 PM"},
            "2026-11-28",
            [{"start": "14:00", "end": "16:00"}],
        ),
        (
            # Tyche's timestamp at Copenhagen midnight (23:00 UTC the day before).
            {"_orddd_timestamp": "1795561200", "_orddd_time_slot": "09:00 - 11:00"},
            "2026-11-25",
            [{"start": "09:00", "end": "11:00"}],
        ),
    ],
)
def test_each_delivery_date_plugin_is_read(meta: dict, date: str, windows: list) -> None:
    """Iconic, CodeRockz and Tyche meta (as each stores it) give the date and the slot."""
    body = order_from_woocommerce(_with_meta(woocommerce_order(), meta), config=CONFIG).body
    assert body["delivery_date"] == date
    assert body["windows"] == windows


def test_the_signature_is_checked_on_the_raw_body() -> None:
    """X-WC-Webhook-Signature: base64 HMAC-SHA256; another body, secret or no header is refused."""
    raw = json.dumps(woocommerce_order()).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    verify_woocommerce_signature(raw, secret=SECRET, signature=signature)
    for body, secret, header in [
        (raw + b" ", SECRET, signature),
        (raw, SECRET + "x", signature),
        (raw, SECRET, ""),
    ]:
        with pytest.raises(SignatureError) as caught:
            verify_woocommerce_signature(body, secret=secret, signature=header)
        assert caught.value.header == "X-WC-Webhook-Signature"


def test_the_creation_ping_is_recognised_and_nothing_else_is() -> None:
    """Only a form-encoded body of exactly ``webhook_id=N`` is the ping."""
    form = "application/x-www-form-urlencoded"
    assert creation_ping_webhook_id(form, b"webhook_id=17") == 17
    assert creation_ping_webhook_id(f"{form}; charset=UTF-8", b"webhook_id=3") == 3
    assert creation_ping_webhook_id("application/json", b"webhook_id=17") is None
    assert creation_ping_webhook_id(form, b"webhook_id=17&id=1") is None
    assert creation_ping_webhook_id(form, b"webhook_id=abc") is None
    assert creation_ping_webhook_id(None, b"webhook_id=17") is None


def test_duplicates_are_recognised_by_order_id_and_modification_time() -> None:
    """The same order version gives the same key; a later modification a new one."""
    order = woocommerce_order()
    assert woocommerce_dedupe_key(order) == "woocommerce:7315:2026-11-21T08:41:29"
    order["date_modified_gmt"] = "2026-11-21T10:02:00"
    assert woocommerce_dedupe_key(order) == "woocommerce:7315:2026-11-21T10:02:00"
    del order["date_modified_gmt"]
    with pytest.raises(PayloadError) as caught:
        woocommerce_dedupe_key(order)
    assert caught.value.field == "date_modified_gmt"


def test_an_empty_shipping_address_falls_back_to_billing_and_says_so() -> None:
    """Orders without a separate shipping address go to the billing address, noted."""
    payload = woocommerce_order()
    payload["shipping"] = {key: "" for key in payload["shipping"]}
    adapted = order_from_woocommerce(payload, config=CONFIG)
    assert adapted.body["address"]["street"] == "Nørrebrogade"
    assert adapted.body["address"]["housenumber"] == "34"
    assert adapted.body["customer"]["name"] == "Jonas Nielsen"
    assert "shipping address empty; the billing address is used" in adapted.notes


def test_weight_meta_is_read_in_the_shops_unit() -> None:
    """A shop weighing in grams: ``weight`` 1.1 is 1 g per item (2 items, 2 g), not 1100 g."""
    grams_config = WebshopConfig(mapping=CONFIG.mapping, weight_unit="g")
    lines = order_from_woocommerce(woocommerce_order(), config=grams_config).body["lines"]
    assert lines[0] == {"shop": "S004", "parcels": [{"weight_g": 2, "volume_ml": 5000}]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("id"), "id"),
        (lambda p: p.update(meta_data=[]), "meta_data.delivery_date"),
        (lambda p: p["meta_data"][1].update(value="next week"), "meta_data._orddd_timestamp"),
        (lambda p: p["meta_data"][3].update(value="18:00 - 16:00"), "meta_data._orddd_time_slot"),
        (lambda p: p.update(shipping={}, billing={}), "shipping.address_1"),
        (lambda p: p["shipping"].update(address_1="Jægersborggade"), "shipping.address_1"),
        (lambda p: p["shipping"].update(postcode=""), "shipping.postcode"),
        (lambda p: p["line_items"][0].update(sku="ZZZ-1"), "line_items[0].sku"),
        (lambda p: p["line_items"][0].update(quantity="two"), "line_items[0].quantity"),
        (
            lambda p: p["line_items"][0]["meta_data"][0].update(value="-2"),
            "line_items[0].meta_data.weight",
        ),
        (lambda p: p.update(line_items=None), "line_items"),
        (lambda p: p.update(meta_data={"delivery_date": "x"}), "meta_data"),
    ],
)
def test_a_malformed_order_names_the_field(change, field: str) -> None:
    """Each missing or unreadable field raises a PayloadError naming exactly that field."""
    payload = woocommerce_order()
    change(payload)
    with pytest.raises(PayloadError) as caught:
        order_from_woocommerce(payload, config=CONFIG)
    assert caught.value.field == field


@pytest.mark.parametrize("status", ["pending", "cancelled", "failed", "refunded", "checkout-draft"])
def test_unpaid_or_cancelled_orders_are_not_taken_and_say_why(status: str) -> None:
    """A pending order is taken later (order.updated when processing); the reason says so."""
    payload = woocommerce_order()
    payload["status"] = status
    with pytest.raises(NotForDeliveryError) as caught:
        order_from_woocommerce(payload, config=CONFIG)
    assert f"status is {status!r}" in caught.value.reason


@pytest.mark.parametrize("status", ["processing", "on-hold", "completed"])
def test_paid_or_on_hold_orders_are_taken(status: str) -> None:
    """Processing, completed and on-hold (bank transfer under way) orders become orders."""
    payload = woocommerce_order()
    payload["status"] = status
    assert order_from_woocommerce(payload, config=CONFIG).body["external_id"] == "7315"


def test_a_slot_hold_in_the_meta_data_is_passed_on() -> None:
    """A checkout that held a slot stores its id as the order meta _bakfiets_slot_hold: the
    order carries it as slot_hold_id."""
    payload = woocommerce_order()
    payload["meta_data"].append({"id": 91999, "key": "_bakfiets_slot_hold", "value": "9c0e8d7a"})
    assert order_from_woocommerce(payload, config=CONFIG).body["slot_hold_id"] == "9c0e8d7a"
