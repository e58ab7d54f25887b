"""WooCommerce order webhooks into Bakfiets orders.

WooCommerce (``includes/class-wc-webhook.php``) signs the raw body in ``X-WC-Webhook-Signature``
(base64 HMAC-SHA256 with the webhook's secret) and sends a new ``X-WC-Webhook-Delivery-ID`` on
every delivery, so a repeat is recognised by the order id and its ``date_modified_gmt`` instead.
When a webhook is created or activated, WooCommerce sends an unsigned, form-encoded ping
(``webhook_id=N``) that must get a 200, or the webhook is not saved as working. Core WooCommerce
does not retry and disables a webhook after more than five failed deliveries in a row.

What is read from the order (REST API v3 order resource):

- ``id`` → ``external_id``; ``status`` pending, failed, cancelled, refunded, draft or trash → not
  delivered (a paid order comes again as ``order.updated`` with status processing);
- ``meta_data`` of a delivery-date plugin → date and windows: Tyche's Order Delivery Date
  (``_orddd_timestamp``, ``_orddd_time_slot``), Iconic's WooCommerce Delivery Slots
  (``jckwds_date_ymd`` / ``jckwds_date`` / ``jckwds_timestamp``, ``jckwds_timeslot``),
  CodeRockz' Delivery Date (``delivery_date``, ``delivery_time``); ``_bakfiets_slot_hold`` (a
  slot the checkout held through ``POST /api/v1/slots/holds``) → ``slot_hold_id``;
- ``shipping`` (or ``billing`` when the shipping address is empty, noted) → address and customer,
  ``billing.email`` → email; floor and door text and ``address_2`` have no field in the order
  contract and are noted;
- ``line_items`` → one line per shop by SKU prefix or a ``vendor`` line meta (see
  :class:`ShopMapping`). WooCommerce sends no weights with line items: a ``weight`` line meta is
  read in the shop's weight unit, otherwise the configured per-item weight is assumed and noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from depot.webshop.common import (
    AdaptedOrder,
    AddressBody,
    CustomerBody,
    LineBody,
    WebshopConfig,
    adapted_order,
    fold_key,
    lines_by_shop,
    require_mapping,
    require_text,
    shop_for_item,
    split_street_line,
    text_or_none,
    unkept_address_note,
    verify_hmac_signature,
    whole_number,
)
from depot.webshop.errors import NotForDeliveryError, PayloadError
from depot.webshop.slots import (
    WHOLE_DAY,
    WindowBody,
    parse_delivery_date,
    parse_time_slot,
    parse_timestamp_date,
)

__all__ = [
    "SIGNATURE_HEADER",
    "creation_ping_webhook_id",
    "order_from_woocommerce",
    "verify_woocommerce_signature",
    "woocommerce_dedupe_key",
]

SIGNATURE_HEADER = "X-WC-Webhook-Signature"

_NOT_FOR_DELIVERY = frozenset(
    {"pending", "failed", "cancelled", "refunded", "checkout-draft", "draft", "trash"}
)
# (meta key, how to read it), most reliable first: plugins' machine-readable values before the
# dates they format for people.
_DATE_KEYS: tuple[tuple[str, str], ...] = (
    ("_orddd_timestamp", "timestamp"),
    ("_orddd_lite_timestamp", "timestamp"),
    ("jckwds_date_ymd", "date"),
    ("jckwds_date", "date"),
    ("jckwds_timestamp", "timestamp"),
    ("delivery_date", "date"),
    ("_delivery_date", "date"),
)
_SLOT_KEYS = (
    "_orddd_time_slot",
    "_orddd_lite_time_slot",
    "jckwds_timeslot",
    "delivery_time",
    "_delivery_time",
)
_HOLD_KEYS = ("_bakfiets_slot_hold", "bakfiets_slot_hold")
_VENDOR_KEYS = frozenset({"vendor", "vendorname", "soldby"})
_WEIGHT_KEYS = frozenset({"weight"})
_GRAMS_PER_UNIT = {"kg": 1000.0, "g": 1.0, "lbs": 453.59237, "oz": 28.349523125}


def verify_woocommerce_signature(raw_body: bytes, *, secret: str, signature: str | None) -> None:
    """Check ``X-WC-Webhook-Signature`` against the raw body and the webhook secret.

    Raises
    ------
    SignatureError
        When the secret is not configured, the header is missing, or it does not match.
    """
    verify_hmac_signature(raw_body, secret=secret, signature=signature, header=SIGNATURE_HEADER)


def creation_ping_webhook_id(content_type: str | None, raw_body: bytes) -> int | None:
    """The webhook id of WooCommerce's creation ping, or ``None`` for any other request.

    The ping is ``application/x-www-form-urlencoded`` with the single field ``webhook_id``.

    Parameters
    ----------
    content_type : str or None
        The request's ``Content-Type``.
    raw_body : bytes
        The request body.

    Returns
    -------
    int or None
        ``N`` of ``webhook_id=N``.
    """
    if not content_type or "x-www-form-urlencoded" not in content_type.lower():
        return None
    try:
        fields = parse_qs(raw_body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    values = fields.get("webhook_id", [])
    if set(fields) != {"webhook_id"} or len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])


def woocommerce_dedupe_key(payload: Mapping[str, Any]) -> str:
    """The key a repeated delivery of the same order version is recognised by.

    ``X-WC-Webhook-Delivery-ID`` is new on every delivery, so the order id and the time it was
    last modified are used instead: a repeat of the same version has both the same.

    Returns
    -------
    str
        ``"woocommerce:<order id>:<date_modified_gmt>"``.

    Raises
    ------
    PayloadError
        When ``id`` or ``date_modified_gmt`` is missing.
    """
    order_id = require_text(payload.get("id"), field="id")
    modified = require_text(payload.get("date_modified_gmt"), field="date_modified_gmt")
    return f"woocommerce:{order_id}:{modified}"


def order_from_woocommerce(payload: Mapping[str, Any], *, config: WebshopConfig) -> AdaptedOrder:
    """Read a WooCommerce order (``order.created`` / ``order.updated`` body) into a Bakfiets order.

    Parameters
    ----------
    payload : Mapping
        The parsed JSON body.
    config : WebshopConfig
        Shop mapping, date order, time zone, parcel sizes, the assumed item weight.

    Returns
    -------
    AdaptedOrder
        The order body and the notes on what was assumed.

    Raises
    ------
    PayloadError
        A field is missing or unreadable; ``field`` names it (``meta_data.jckwds_date``,
        ``shipping.address_1``, ``line_items[0].sku``).
    NotForDeliveryError
        The order is not paid or is cancelled, or has nothing to deliver.
    """
    payload = require_mapping(payload, field="body")
    order_id = require_text(payload.get("id"), field="id")
    status = text_or_none(payload.get("status")) or ""
    if status in _NOT_FOR_DELIVERY:
        raise NotForDeliveryError(
            f"status is {status!r}: order {order_id} is delivered once it is processing"
        )
    meta = _meta(payload.get("meta_data"), field="meta_data")
    delivery_date, windows = _date_and_windows(meta, config=config)
    notes: list[str] = []
    address, customer = _address_and_customer(payload, notes)
    lines = _lines(payload.get("line_items"), config=config, notes=notes)
    hold = next((text for key in _HOLD_KEYS if (text := text_or_none(meta.get(key)))), None)
    return adapted_order(
        external_id=order_id,
        delivery_date=delivery_date,
        windows=windows,
        address=address,
        customer=customer,
        lines=lines,
        notes=notes,
        slot_hold_id=hold,
    )


def _meta(value: object, *, field: str) -> dict[str, Any]:
    """``[{"id", "key", "value"}, ...]`` → key → value (the last of a repeated key wins)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise PayloadError(field, "not a list of {key, value}")
    found: dict[str, Any] = {}
    for number, item in enumerate(value):
        item = require_mapping(item, field=f"{field}[{number}]")
        key = require_text(item.get("key"), field=f"{field}[{number}].key")
        found[key] = item.get("value")
    return found


def _date_and_windows(
    meta: dict[str, Any], *, config: WebshopConfig
) -> tuple[str, list[WindowBody]]:
    for key, kind in _DATE_KEYS:
        text = text_or_none(meta.get(key))
        if text is None:
            continue
        where = f"meta_data.{key}"
        day = (
            parse_timestamp_date(text, field=where, timezone=config.timezone)
            if kind == "timestamp"
            else parse_delivery_date(text, field=where, date_order=config.date_order)
        )
        break
    else:
        raise PayloadError(
            "meta_data.delivery_date",
            "missing: no delivery date from a known delivery-date plugin (_orddd_timestamp, "
            "jckwds_date, delivery_date)",
        )
    windows = [WindowBody(start=WHOLE_DAY["start"], end=WHOLE_DAY["end"])]
    for key in _SLOT_KEYS:
        slot = text_or_none(meta.get(key))
        if slot is not None:
            windows = parse_time_slot(slot, field=f"meta_data.{key}")
            break
    return day.isoformat(), windows


def _address_and_customer(
    payload: Mapping[str, Any], notes: list[str]
) -> tuple[AddressBody, CustomerBody]:
    billing = payload.get("billing") or {}
    if not isinstance(billing, Mapping):
        raise PayloadError("billing", "not an object")
    shipping = payload.get("shipping") or {}
    if not isinstance(shipping, Mapping):
        raise PayloadError("shipping", "not an object")
    part = "shipping"
    if text_or_none(shipping.get("address_1")) is None:
        if text_or_none(billing.get("address_1")) is None:
            raise PayloadError("shipping.address_1", "missing: the order has no address")
        part, shipping = "billing", billing
        notes.append("shipping address empty; the billing address is used")
    street, housenumber, rest = split_street_line(
        require_text(shipping.get("address_1"), field=f"{part}.address_1"),
        field=f"{part}.address_1",
    )
    address: AddressBody = {
        "street": street,
        "housenumber": housenumber,
        "postcode": require_text(shipping.get("postcode"), field=f"{part}.postcode"),
        "city": require_text(shipping.get("city"), field=f"{part}.city"),
    }
    notes.extend(unkept_address_note(part, [rest, shipping.get("address_2")]))
    name = text_or_none(f"{shipping.get('first_name') or ''} {shipping.get('last_name') or ''}")
    name = name or text_or_none(shipping.get("company"))
    customer: CustomerBody = {
        "name": require_text(name, field=f"{part}.first_name"),
        "phone": text_or_none(shipping.get("phone")) or text_or_none(billing.get("phone")),
        "email": text_or_none(billing.get("email")),
    }
    return address, customer


def _lines(value: object, *, config: WebshopConfig, notes: list[str]) -> list[LineBody]:
    if not isinstance(value, list) or not value:
        raise PayloadError("line_items", "missing or empty: the order has nothing to deliver")
    weight_by_shop: dict[str, int] = {}
    for number, raw in enumerate(value):
        where = f"line_items[{number}]"
        item = require_mapping(raw, field=where)
        title = text_or_none(item.get("name")) or "item"
        quantity = whole_number(item.get("quantity"), field=f"{where}.quantity")
        if quantity == 0:
            continue
        meta = {
            fold_key(key): (key, item_value)
            for key, item_value in _meta(item.get("meta_data"), field=f"{where}.meta_data").items()
        }
        vendor = next((text_or_none(v) for k, (_, v) in meta.items() if k in _VENDOR_KEYS), None)
        sku = text_or_none(item.get("sku"))
        shop = shop_for_item(config, vendor=vendor, sku=sku, field=f"{where}.sku")
        grams = _item_grams(meta, where=where, config=config)
        if grams is None:
            grams = config.item_weight_g
            notes.append(f"{where} ({title}): no weight; assumed {grams} g per item")
        weight_by_shop[shop] = weight_by_shop.get(shop, 0) + grams * quantity
    return lines_by_shop(weight_by_shop, config=config)


def _item_grams(
    meta: dict[str, tuple[str, Any]], *, where: str, config: WebshopConfig
) -> int | None:
    """Grams of one item from a ``weight`` line meta in the shop's unit, or ``None``."""
    for folded, (key, value) in meta.items():
        if folded not in _WEIGHT_KEYS or text_or_none(value) is None:
            continue
        try:
            amount = float(str(value).replace(",", "."))
        except ValueError:
            raise PayloadError(f"{where}.meta_data.{key}", f"{value!r} is not a weight") from None
        if amount <= 0:
            raise PayloadError(f"{where}.meta_data.{key}", f"{value!r} is not a positive weight")
        return max(1, round(amount * _GRAMS_PER_UNIT[config.weight_unit]))
    return None
