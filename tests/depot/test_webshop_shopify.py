"""Shopify ``orders/create`` webhooks into order bodies (depot.webshop.shopify): no DB, no HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from depot.webshop.common import ShopMapping, WebshopConfig
from depot.webshop.errors import NotForDeliveryError, PayloadError, SignatureError
from depot.webshop.shopify import (
    order_from_shopify,
    shopify_dedupe_key,
    verify_shopify_signature,
)
from tests.fixtures.webshop import SKU_PREFIX_SHOPS, VENDOR_SHOPS, shopify_order

CONFIG = WebshopConfig(
    mapping=ShopMapping(vendor_to_shop=VENDOR_SHOPS, sku_prefix_to_shop=SKU_PREFIX_SHOPS)
)
SECRET = "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"


def test_the_documented_order_becomes_the_order_contract() -> None:
    """Order #1042 reads into exactly the body of POST /api/v1/orders, shop by shop."""
    adapted = order_from_shopify(shopify_order(), config=CONFIG)
    assert adapted.body == {
        "external_id": "5812345678901",
        "delivery_date": "2026-11-24",
        "customer": {
            "name": "Mette Holm",
            "phone": "+45 31 22 45 67",
            "email": "mette.holm@example.dk",
        },
        "address": {
            "street": "Blågårdsgade",
            "housenumber": "17",
            "postcode": "2200",
            "city": "København N",
        },
        "windows": [{"start": "13:00", "end": "14:00"}],
        "lines": [
            # 2 × 650 g of coffee by vendor; the mugs by their SKU prefix KER-.
            {"shop": "S001", "parcels": [{"weight_g": 1300, "volume_ml": 5000}]},
            {"shop": "S002", "parcels": [{"weight_g": 1850, "volume_ml": 5000}]},
        ],
    }
    assert adapted.notes == (
        "shipping_address: '2. th' not kept (the order address has no floor/door field)",
        "line_items[2] (Gavekort 200 kr): needs no shipping; left out",
    )


def test_a_valid_signature_passes_and_any_change_of_the_body_fails() -> None:
    """The HMAC is over the raw bytes: one changed byte, another secret or no header is refused."""
    raw = json.dumps(shopify_order()).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    verify_shopify_signature(raw, secret=SECRET, signature=signature)
    for body, secret, header in [
        (raw.replace(b"2026-11-24", b"2026-11-25"), SECRET, signature),
        (raw, "another-secret", signature),
        (raw, SECRET, None),
        (raw, SECRET, "not base64 at all!"),
        (raw, "", signature),
    ]:
        with pytest.raises(SignatureError) as caught:
            verify_shopify_signature(body, secret=secret, signature=header)
        assert caught.value.header == "X-Shopify-Hmac-Sha256"


def test_duplicates_are_recognised_by_the_event_id() -> None:
    """Retries share X-Shopify-Event-Id (any header case); without it the webhook id is used."""
    first = {
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Webhook-Id": "a",
    }
    retry = {
        "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "x-shopify-webhook-id": "b",
    }
    assert shopify_dedupe_key(first) == shopify_dedupe_key(retry)
    assert shopify_dedupe_key(first) == "shopify-event:98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert shopify_dedupe_key({"X-Shopify-Webhook-Id": "b2f1"}) == "shopify-webhook:b2f1"
    assert shopify_dedupe_key({}) is None


def test_zapiet_attribute_spellings_and_slot_forms_are_read() -> None:
    """Other apps write 'Delivery Date' / 'delivery_time' and day-first dates; all are read."""
    payload = shopify_order()
    payload["note_attributes"] = [
        {"name": "Delivery Date", "value": "26/11/2026"},
        {"name": "delivery_time", "value": "4:00 PM - 6:00 PM"},
    ]
    body = order_from_shopify(payload, config=CONFIG).body
    assert body["delivery_date"] == "2026-11-26"
    assert body["windows"] == [{"start": "16:00", "end": "18:00"}]


def test_no_slot_means_any_time_of_the_day() -> None:
    """A delivery date without a Delivery-Time gives the whole day as the window."""
    payload = shopify_order()
    payload["note_attributes"] = [{"name": "Delivery-Date", "value": "2026-11-24"}]
    windows = order_from_shopify(payload, config=CONFIG).body["windows"]
    assert windows == [{"start": "00:00", "end": "24:00"}]


def test_heavy_goods_of_one_shop_are_split_into_parcels() -> None:
    """12 × 650 g = 7800 g from one shop with a 5 kg limit is two parcels of 3900 g."""
    payload = shopify_order()
    payload["line_items"] = payload["line_items"][:1]
    payload["line_items"][0]["quantity"] = 12
    config = WebshopConfig(mapping=CONFIG.mapping, parcel_max_weight_g=5_000)
    lines = order_from_shopify(payload, config=config).body["lines"]
    assert lines == [
        {
            "shop": "S001",
            "parcels": [
                {"weight_g": 3900, "volume_ml": 5000},
                {"weight_g": 3900, "volume_ml": 5000},
            ],
        }
    ]


def test_an_item_without_grams_gets_the_configured_weight_and_says_so() -> None:
    """grams 0 (no weight in Shopify) → the per-item weight, and a note naming the line."""
    payload = shopify_order()
    payload["line_items"][1]["grams"] = 0
    adapted = order_from_shopify(payload, config=CONFIG)
    assert adapted.body["lines"][1] == {
        "shop": "S002",
        "parcels": [{"weight_g": 1000, "volume_ml": 5000}],
    }
    assert "line_items[1].grams (Stentøjskrus, sæt af 4): no weight; assumed 1000 g per item" in (
        adapted.notes
    )


def test_address2_is_noted_as_not_kept() -> None:
    """address2 (c/o, floor) has no field in the order: the answer says it was not kept."""
    payload = shopify_order()
    payload["shipping_address"]["address1"] = "Blågårdsgade 17"
    payload["shipping_address"]["address2"] = "c/o Holm, 2. th"
    adapted = order_from_shopify(payload, config=CONFIG)
    assert adapted.body["address"]["housenumber"] == "17"
    assert adapted.notes[0] == (
        "shipping_address: 'c/o Holm, 2. th' not kept (the order address has no floor/door field)"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("id"), "id"),
        (lambda p: p.pop("note_attributes"), "note_attributes.Delivery-Date"),
        (
            lambda p: p["note_attributes"][2].update(value="30/02/2026"),
            "note_attributes.Delivery-Date",
        ),
        (
            lambda p: p["note_attributes"][4].update(value="14:00 - 13:00"),
            "note_attributes.Delivery-Time",
        ),
        (lambda p: p.update(shipping_address=None), "shipping_address"),
        (
            lambda p: p["shipping_address"].update(address1="Blågårdsgade"),
            "shipping_address.address1",
        ),
        (lambda p: p["shipping_address"].update(zip=""), "shipping_address.zip"),
        (
            lambda p: p["line_items"][0].update(vendor="Ukendt Butik", sku="X-1"),
            "line_items[0].vendor",
        ),
        (lambda p: p["line_items"][1].update(quantity=-1), "line_items[1].quantity"),
        (lambda p: p["line_items"][0].update(grams="heavy"), "line_items[0].grams"),
        (lambda p: p.update(line_items=[]), "line_items"),
        (lambda p: p.update(note_attributes="Delivery-Date=2026-11-24"), "note_attributes"),
    ],
)
def test_a_malformed_order_names_the_field(change, field: str) -> None:
    """Each missing or unreadable field raises a PayloadError naming exactly that field."""
    payload = shopify_order()
    change(payload)
    with pytest.raises(PayloadError) as caught:
        order_from_shopify(payload, config=CONFIG)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda p: p.update(cancelled_at="2026-11-20T15:00:00+01:00"), "cancelled"),
        (lambda p: p["note_attributes"][0].update(value="pickup"), "Checkout-Method is 'pickup'"),
        (lambda p: p.update(line_items=p["line_items"][2:]), "no item needs delivery"),
    ],
)
def test_orders_bakfiets_does_not_deliver_say_why(change, words: str) -> None:
    """Cancelled, store-pickup and nothing-to-ship orders are not orders for us, with the reason."""
    payload = shopify_order()
    change(payload)
    with pytest.raises(NotForDeliveryError) as caught:
        order_from_shopify(payload, config=CONFIG)
    assert words in caught.value.reason


def test_a_slot_hold_in_the_note_attributes_is_passed_on() -> None:
    """A checkout that held a slot writes its id as the note attribute Slot-Hold: the order
    carries it as slot_hold_id (and without one, the body has no such key)."""
    payload = shopify_order()
    payload["note_attributes"].append({"name": "Slot-Hold", "value": " 5f2b9c0e8d7a4c1b "})
    assert order_from_shopify(payload, config=CONFIG).body["slot_hold_id"] == "5f2b9c0e8d7a4c1b"
    assert "slot_hold_id" not in order_from_shopify(shopify_order(), config=CONFIG).body
