"""Shopify ``orders/create`` webhooks into Bakfiets orders.

Shopify signs the raw body (``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 with the app secret),
delivers at least once (8 retries over 4 hours since 2024-09-10) and names each event in
``X-Shopify-Event-Id``, the same on every retry: that is the key a duplicate is recognised by
(shopify.dev/docs/apps/build/webhooks/ignore-duplicates).

What is read from the order (``orders/create`` payload, Admin REST order resource):

- ``id`` → ``external_id``; ``cancelled_at`` set → not delivered;
- ``note_attributes`` from a delivery-date app (Zapiet: ``Checkout-Method=delivery``,
  ``Delivery-Date=2026-11-24``, ``Delivery-Time=13:00 - 14:00``) → date and windows; a
  ``Checkout-Method`` other than delivery (store pickup, shipping) is not Bakfiets' to deliver;
  ``Slot-Hold`` (a slot the checkout held through ``POST /api/v1/slots/holds``) →
  ``slot_hold_id``;
- ``shipping_address`` → address (``address1`` split into street and house number, ``zip``,
  ``city``) and the customer's name and phone; ``email`` (or ``contact_email``) → the customer's
  email. Shopify's ``latitude`` / ``longitude`` are not sent: the order contract takes
  a street address *or* a point, and the street address is what the label and the courier need
  (the intake geocodes it on the OSM extract and checks the service area). Floor and door text
  after the house number, and ``address2``, have no field in the contract: they are noted;
- ``line_items`` → one line per shop (by SKU prefix or vendor, see :class:`ShopMapping`), its
  weight the sum of ``grams`` × ``quantity``; items that need no shipping and gift cards are left
  out and noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from depot.webshop.slots import WHOLE_DAY, WindowBody, parse_delivery_date, parse_time_slot

__all__ = [
    "SIGNATURE_HEADER",
    "order_from_shopify",
    "shopify_dedupe_key",
    "verify_shopify_signature",
]

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"

# note_attributes names, compared folded (lower case, letters and digits only).
_DATE_NAMES = ("deliverydate", "localdeliverydate", "leveringsdato", "deliveryday")
_TIME_NAMES = ("deliverytime", "localdeliverytime", "deliveryslot", "timeslot", "leveringstid")
_METHOD_NAMES = ("checkoutmethod", "deliverymethod")
_HOLD_NAMES = ("slothold", "slotholdid", "bakfietsslothold")
_DELIVERY_METHODS = frozenset({"delivery", "localdelivery", "levering"})


def verify_shopify_signature(raw_body: bytes, *, secret: str, signature: str | None) -> None:
    """Check ``X-Shopify-Hmac-Sha256`` against the raw body and the app secret.

    Raises
    ------
    SignatureError
        When the secret is not configured, the header is missing, or it does not match.
    """
    verify_hmac_signature(raw_body, secret=secret, signature=signature, header=SIGNATURE_HEADER)


def shopify_dedupe_key(headers: Mapping[str, str]) -> str | None:
    """The key a repeated delivery of the same Shopify event is recognised by.

    ``X-Shopify-Event-Id`` (the same across retries and across subscriptions to the event);
    failing that ``X-Shopify-Webhook-Id`` (the same across retries of one subscription).

    Parameters
    ----------
    headers : Mapping of str to str
        The request headers (any case).

    Returns
    -------
    str or None
        ``"shopify-event:<id>"`` / ``"shopify-webhook:<id>"``, or ``None`` when neither header is
        sent (the order's ``(source, external_id)`` still deduplicates).
    """
    folded = {name.lower(): value for name, value in headers.items()}
    event_id = text_or_none(folded.get("x-shopify-event-id"))
    if event_id:
        return f"shopify-event:{event_id}"
    webhook_id = text_or_none(folded.get("x-shopify-webhook-id"))
    return f"shopify-webhook:{webhook_id}" if webhook_id else None


def order_from_shopify(payload: Mapping[str, Any], *, config: WebshopConfig) -> AdaptedOrder:
    """Read a Shopify order (``orders/create`` webhook body) into the body of a Bakfiets order.

    Parameters
    ----------
    payload : Mapping
        The parsed JSON body.
    config : WebshopConfig
        Shop mapping, date order, parcel sizes.

    Returns
    -------
    AdaptedOrder
        The order body and the notes on what was assumed or left out.

    Raises
    ------
    PayloadError
        A field is missing or unreadable; ``field`` names it (``note_attributes.Delivery-Date``,
        ``shipping_address.address1``, ``line_items[2].vendor``).
    NotForDeliveryError
        The order is cancelled, is for store pickup or shipping, or has nothing to ship.
    """
    payload = require_mapping(payload, field="body")
    order_id = require_text(payload.get("id"), field="id")
    if text_or_none(payload.get("cancelled_at")):
        raise NotForDeliveryError(f"cancelled_at: order {order_id} was cancelled")
    attributes = _note_attributes(payload.get("note_attributes"))
    method = _attribute(attributes, _METHOD_NAMES)
    if method and fold_key(method[1]) not in _DELIVERY_METHODS:
        raise NotForDeliveryError(
            f"note_attributes.{method[0]} is {method[1]!r}: only local delivery orders come to "
            "Bakfiets"
        )
    delivery_date, windows = _date_and_windows(attributes, config=config)
    notes: list[str] = []
    address, customer = _address_and_customer(payload, notes)
    lines = _lines(payload.get("line_items"), config=config, notes=notes)
    hold = _attribute(attributes, _HOLD_NAMES)
    return adapted_order(
        external_id=order_id,
        delivery_date=delivery_date,
        windows=windows,
        address=address,
        customer=customer,
        lines=lines,
        notes=notes,
        slot_hold_id=hold[1] if hold else None,
    )


def _note_attributes(value: object) -> dict[str, tuple[str, str]]:
    """``[{"name", "value"}, ...]`` → folded name → (name as sent, value); blanks left out."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise PayloadError("note_attributes", "not a list of {name, value}")
    found: dict[str, tuple[str, str]] = {}
    for number, item in enumerate(value):
        item = require_mapping(item, field=f"note_attributes[{number}]")
        name = require_text(item.get("name"), field=f"note_attributes[{number}].name")
        text = text_or_none(item.get("value"))
        if text is not None:
            found[fold_key(name)] = (name, text)
    return found


def _attribute(
    attributes: dict[str, tuple[str, str]], names: tuple[str, ...]
) -> tuple[str, str] | None:
    for name in names:
        if name in attributes:
            return attributes[name]
    return None


def _date_and_windows(
    attributes: dict[str, tuple[str, str]], *, config: WebshopConfig
) -> tuple[str, list[WindowBody]]:
    date_attribute = _attribute(attributes, _DATE_NAMES)
    if date_attribute is None:
        raise PayloadError(
            "note_attributes.Delivery-Date",
            "missing: the order has no delivery date (a delivery-date app such as Zapiet writes "
            "it at checkout)",
        )
    name, text = date_attribute
    day = parse_delivery_date(text, field=f"note_attributes.{name}", date_order=config.date_order)
    time_attribute = _attribute(attributes, _TIME_NAMES)
    windows = (
        parse_time_slot(time_attribute[1], field=f"note_attributes.{time_attribute[0]}")
        if time_attribute
        else [WindowBody(start=WHOLE_DAY["start"], end=WHOLE_DAY["end"])]
    )
    return day.isoformat(), windows


def _address_and_customer(
    payload: Mapping[str, Any], notes: list[str]
) -> tuple[AddressBody, CustomerBody]:
    shipping = require_mapping(payload.get("shipping_address"), field="shipping_address")
    street, housenumber, rest = split_street_line(
        require_text(shipping.get("address1"), field="shipping_address.address1"),
        field="shipping_address.address1",
    )
    address: AddressBody = {
        "street": street,
        "housenumber": housenumber,
        "postcode": require_text(shipping.get("zip"), field="shipping_address.zip"),
        "city": require_text(shipping.get("city"), field="shipping_address.city"),
    }
    notes.extend(unkept_address_note("shipping_address", [rest, shipping.get("address2")]))
    person: Mapping[str, Any] = payload.get("customer") or {}
    if not isinstance(person, Mapping):
        raise PayloadError("customer", "not an object")
    name = text_or_none(shipping.get("name")) or text_or_none(
        " ".join(
            str(part)
            for part in (shipping.get("first_name"), shipping.get("last_name"))
            if part is not None
        )
    )
    if name is None:
        name = text_or_none(f"{person.get('first_name') or ''} {person.get('last_name') or ''}")
    customer: CustomerBody = {
        "name": require_text(name, field="shipping_address.name"),
        "phone": text_or_none(shipping.get("phone"))
        or text_or_none(payload.get("phone"))
        or text_or_none(person.get("phone")),
        "email": text_or_none(payload.get("email"))
        or text_or_none(payload.get("contact_email"))
        or text_or_none(person.get("email")),
    }
    return address, customer


def _lines(value: object, *, config: WebshopConfig, notes: list[str]) -> list[LineBody]:
    if not isinstance(value, list) or not value:
        raise PayloadError("line_items", "missing or empty: the order has nothing to deliver")
    weight_by_shop: dict[str, int] = {}
    for number, raw in enumerate(value):
        where = f"line_items[{number}]"
        item = require_mapping(raw, field=where)
        title = text_or_none(item.get("name")) or text_or_none(item.get("title")) or "item"
        if item.get("gift_card") is True or item.get("requires_shipping") is False:
            notes.append(f"{where} ({title}): needs no shipping; left out")
            continue
        quantity = whole_number(item.get("quantity"), field=f"{where}.quantity")
        if quantity == 0:
            continue
        vendor, sku = text_or_none(item.get("vendor")), text_or_none(item.get("sku"))
        shop = shop_for_item(config, vendor=vendor, sku=sku, field=f"{where}.vendor")
        grams = whole_number(item.get("grams", 0), field=f"{where}.grams")
        if grams == 0:
            grams = config.item_weight_g
            notes.append(f"{where}.grams ({title}): no weight; assumed {grams} g per item")
        weight_by_shop[shop] = weight_by_shop.get(shop, 0) + grams * quantity
    return lines_by_shop(weight_by_shop, config=config)
