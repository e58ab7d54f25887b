"""What the Shopify and WooCommerce adapters share: signatures, shop mapping, addresses, parcels.

An adapter turns a webhook payload into the body of ``POST /api/v1/orders`` (:class:`OrderBody`,
plain JSON-ready dicts) and the route hands that body to the same intake as every other order.
Nothing here touches a database or the network.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

from depot.settings import Settings
from depot.webshop.errors import NotForDeliveryError, PayloadError, SignatureError
from depot.webshop.slots import DateOrder, WindowBody

__all__ = [
    "AdaptedOrder",
    "AddressBody",
    "CustomerBody",
    "LineBody",
    "OrderBody",
    "ParcelBody",
    "ShopMapping",
    "WebshopConfig",
    "adapted_order",
    "fold_key",
    "lines_by_shop",
    "parcels_for_weight",
    "read_json_object",
    "shop_for_item",
    "split_street_line",
    "unkept_address_note",
    "verify_hmac_signature",
    "whole_number",
]


class CustomerBody(TypedDict):
    """Who receives the order."""

    name: str
    phone: str | None
    email: str | None


class AddressBody(TypedDict):
    """Where the order goes: a street address (the intake geocodes it and checks the area)."""

    street: str
    housenumber: str
    postcode: str
    city: str


class ParcelBody(TypedDict):
    """One parcel: grams and millilitres."""

    weight_g: int
    volume_ml: int


class LineBody(TypedDict):
    """What one shop hands over for this order."""

    shop: str
    parcels: list[ParcelBody]


class OrderBody(TypedDict):
    """The body of ``POST /api/v1/orders`` (issue 7's contract)."""

    external_id: str
    delivery_date: str
    customer: CustomerBody
    address: AddressBody
    windows: list[WindowBody]
    lines: list[LineBody]
    slot_hold_id: NotRequired[str]


@dataclass(frozen=True)
class AdaptedOrder:
    """A webhook payload read into an order.

    Attributes
    ----------
    body : OrderBody
        The order as ``POST /api/v1/orders`` takes it.
    notes : tuple of str
        Every assumption the adapter made (a weight it did not find, line items it left out), to
        be shown in the webhook's answer; empty when it took everything from the payload.
    """

    body: OrderBody
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShopMapping:
    """Which Bakfiets shop a webshop line item comes from.

    Attributes
    ----------
    vendor_to_shop : Mapping of str to str
        Vendor name (Shopify's ``vendor``; WooCommerce line meta ``vendor``) to shop ref;
        compared without regard to case or repeated spaces.
    sku_prefix_to_shop : Mapping of str to str
        SKU prefix to shop ref, case-insensitive; the longest matching prefix wins, and a SKU
        match wins over the vendor (a SKU names the product, a vendor may sell for several shops).
    """

    vendor_to_shop: Mapping[str, str] = field(default_factory=dict)
    sku_prefix_to_shop: Mapping[str, str] = field(default_factory=dict)

    def shop_for(self, *, vendor: str | None, sku: str | None) -> str | None:
        """The shop ref for a line item, or ``None`` when neither its SKU nor vendor is mapped."""
        if sku:
            folded = sku.strip().casefold()
            prefixes = [p for p in self.sku_prefix_to_shop if folded.startswith(p.casefold())]
            if prefixes:
                return self.sku_prefix_to_shop[max(prefixes, key=len)]
        if vendor:
            wanted = _fold_name(vendor)
            for name, shop in self.vendor_to_shop.items():
                if _fold_name(name) == wanted:
                    return shop
        return None


def _fold_name(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class WebshopConfig:
    """Everything the adapters need from the settings, as plain values.

    Attributes
    ----------
    mapping : ShopMapping
        Line items to shops.
    date_order : {"dmy", "mdy"}
        How all-numeric delivery dates with the year last are written.
    timezone : str
        IANA time zone of the shops (delivery-date timestamps are read in it).
    parcel_volume_ml : int
        Volume given to a webshop parcel: neither Shopify nor WooCommerce sends one.
    parcel_max_weight_g : int
        A shop's goods heavier than this are split into several parcels of equal weight.
    item_weight_g : int
        Weight assumed for one item whose weight the payload does not give (WooCommerce line
        items carry none unless the shop adds a ``weight`` meta); each use is noted.
    weight_unit : {"kg", "g", "lbs", "oz"}
        WooCommerce's weight unit (its ``woocommerce_weight_unit`` option), for ``weight`` metas.
    """

    mapping: ShopMapping = field(default_factory=ShopMapping)
    date_order: DateOrder = "dmy"
    timezone: str = "Europe/Copenhagen"
    parcel_volume_ml: int = 5_000
    parcel_max_weight_g: int = 20_000
    item_weight_g: int = 1_000
    weight_unit: Literal["kg", "g", "lbs", "oz"] = "kg"

    @classmethod
    def from_settings(cls, settings: Settings) -> WebshopConfig:
        """Build from the settings' ``webshop_*`` fields and the depot's time zone."""
        return cls(
            mapping=ShopMapping(
                vendor_to_shop=dict(settings.webshop_vendor_shops),
                sku_prefix_to_shop=dict(settings.webshop_sku_prefix_shops),
            ),
            date_order=settings.webshop_date_order,
            timezone=settings.timezone,
            parcel_volume_ml=settings.webshop_parcel_volume_ml,
            parcel_max_weight_g=settings.webshop_parcel_max_weight_g,
            item_weight_g=settings.webshop_item_weight_g,
            weight_unit=settings.woocommerce_weight_unit,
        )


def verify_hmac_signature(
    raw_body: bytes, *, secret: str, signature: str | None, header: str
) -> None:
    """Check a webhook's ``base64(HMAC-SHA256(raw body, secret))`` signature.

    Shopify (``X-Shopify-Hmac-Sha256``) and WooCommerce (``X-WC-Webhook-Signature``) sign the same
    way. The comparison is constant-time (:func:`hmac.compare_digest`).

    Parameters
    ----------
    raw_body : bytes
        The request body exactly as received (before any JSON parsing).
    secret : str
        The shared secret (Shopify app secret, WooCommerce webhook secret).
    signature : str or None
        The header's value.
    header : str
        The header's name, for the error.

    Raises
    ------
    SignatureError
        When no secret is configured, the header is missing or not base64, or the digest differs.
    """
    if not secret:
        raise SignatureError(header, "no shared secret is configured, so no webhook is trusted")
    if not signature:
        raise SignatureError(header, "missing")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(header, "not base64") from None
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise SignatureError(header, "does not match the body signed with the shared secret")


def sign_body(raw_body: bytes, secret: str) -> str:
    """The signature a webshop sends for ``raw_body`` (for tests, the benchmark and tooling)."""
    digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


_NUMBER_FIRST = re.compile(r"^(\d+\s?[A-Za-z]?)\b[\s,]+(.+)$")
# A house number: digits, a range of them (OSM's "168-170"), and maybe a letter.
_NUMBER_AFTER = re.compile(
    r"^(.*?[^\W\d_].*?)\s+(\d+(?:\s?-\s?\d+)?(?:\s?[A-Za-z](?![^\W\d_]))?)(?=$|[\s,])(.*)$"
)


def split_street_line(line: str, *, field: str) -> tuple[str, str, str]:
    """Split an address line into street, house number and what follows (floor, door).

    ``"Nørrebrogade 34, 2. th"`` → ``("Nørrebrogade", "34", "2. th")``;
    ``"Christian IX's Gade 5B"`` → ``("Christian IX's Gade", "5B", "")``;
    ``"Enghavevej 168-170"`` → ``("Enghavevej", "168-170", "")``;
    ``"12 Main Street"`` → ``("Main Street", "12", "")``.

    Parameters
    ----------
    line : str
        The street line (Shopify ``address1``, WooCommerce ``address_1``).
    field : str
        Where it came from, for the error.

    Returns
    -------
    tuple of str
        ``(street, housenumber, rest)``; ``rest`` is ``""`` when nothing follows the number.

    Raises
    ------
    PayloadError
        When the line is empty or has no house number.
    """
    text = " ".join(line.split()).strip(" ,")
    if not text:
        raise PayloadError(field, "empty: the street and house number are needed")
    after = _NUMBER_AFTER.match(text)
    if after:
        return after[1].strip(" ,"), after[2].replace(" ", "").upper(), after[3].strip(" ,")
    first = _NUMBER_FIRST.match(text)
    if first:
        return first[2].strip(" ,"), first[1].replace(" ", "").upper(), ""
    raise PayloadError(field, f"{text!r} has no house number")


def unkept_address_note(where: str, parts: list[str | None]) -> list[str]:
    """A note for the floor, door or c/o text the order contract has no field for (or none)."""
    kept = [part for part in (text_or_none(p) for p in parts) if part]
    if not kept:
        return []
    return [f"{where}: {', '.join(kept)!r} not kept (the order address has no floor/door field)"]


def parcels_for_weight(weight_g: int, *, config: WebshopConfig) -> list[ParcelBody]:
    """One shop's goods for one order as parcels of at most ``config.parcel_max_weight_g``.

    Parameters
    ----------
    weight_g : int
        Total weight of the shop's items, grams (at least 1).
    config : WebshopConfig
        Limits and the parcel volume.

    Returns
    -------
    list of ParcelBody
        ``ceil(weight / max)`` parcels whose weights differ by at most one gram and add up to
        ``weight_g``.
    """
    weight_g = max(int(weight_g), 1)
    count = max(1, math.ceil(weight_g / config.parcel_max_weight_g))
    base, extra = divmod(weight_g, count)
    return [
        {"weight_g": base + (1 if i < extra else 0), "volume_ml": config.parcel_volume_ml}
        for i in range(count)
    ]


def fold_key(name: str) -> str:
    """A payload key or attribute name compared loosely: lower case, letters and digits only
    (``"Delivery-Date"`` and ``"delivery_date"`` are both ``"deliverydate"``)."""
    return re.sub(r"[\W_]+", "", name.casefold())


def shop_for_item(config: WebshopConfig, *, vendor: str | None, sku: str | None, field: str) -> str:
    """The ref of the shop a line item comes from (by SKU prefix, then vendor).

    Raises
    ------
    PayloadError
        ``field``: neither the SKU nor the vendor is mapped to a shop.
    """
    shop = config.mapping.shop_for(vendor=vendor, sku=sku)
    if shop is None:
        raise PayloadError(
            field,
            f"neither SKU {sku!r} nor vendor {vendor!r} is mapped to a Bakfiets shop "
            "(BAKFIETS_WEBSHOP_SKU_PREFIX_SHOPS, BAKFIETS_WEBSHOP_VENDOR_SHOPS)",
        )
    return shop


def lines_by_shop(weight_by_shop: Mapping[str, int], *, config: WebshopConfig) -> list[LineBody]:
    """One order line per shop, its goods (grams) packed by :func:`parcels_for_weight`.

    Raises
    ------
    NotForDeliveryError
        No shop has anything to deliver.
    """
    if not weight_by_shop:
        raise NotForDeliveryError("line_items: no item needs delivery")
    return [
        {"shop": shop, "parcels": parcels_for_weight(weight_g, config=config)}
        for shop, weight_g in weight_by_shop.items()
    ]


def adapted_order(
    *,
    external_id: str,
    delivery_date: str,
    windows: list[WindowBody],
    address: AddressBody,
    customer: CustomerBody,
    lines: list[LineBody],
    notes: list[str],
    slot_hold_id: str | None = None,
) -> AdaptedOrder:
    """The order body an adapter read, with its notes (and the checkout's slot hold, if any)."""
    body: OrderBody = {
        "external_id": external_id,
        "delivery_date": delivery_date,
        "customer": customer,
        "address": address,
        "windows": windows,
        "lines": lines,
    }
    if slot_hold_id is not None:
        body["slot_hold_id"] = slot_hold_id
    return AdaptedOrder(body=body, notes=tuple(notes))


def text_or_none(value: object) -> str | None:
    """A payload value as stripped text, or ``None`` when absent or blank."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def require_mapping(value: object, *, field: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else a :class:`PayloadError` naming ``field``."""
    if not isinstance(value, Mapping):
        kind = "missing" if value is None else f"a {type(value).__name__}, not an object"
        raise PayloadError(field, kind)
    return value


def require_text(value: object, *, field: str) -> str:
    """``value`` as non-blank text, else a :class:`PayloadError` naming ``field``."""
    text = text_or_none(value)
    if text is None:
        raise PayloadError(field, "missing or empty")
    return text


def whole_number(value: object, *, field: str) -> int:
    """A non-negative whole number from the payload (ints, or digit strings)."""
    if isinstance(value, bool):
        raise PayloadError(field, f"{value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise PayloadError(field, f"{value!r} is not a whole number")
    if number < 0:
        raise PayloadError(field, f"{number} is negative")
    return number


def read_json_object(raw_body: bytes) -> Mapping[str, Any]:
    """Parse a webhook body as one JSON object.

    Raises
    ------
    PayloadError
        ``field="body"`` when the bytes are not UTF-8 JSON or not an object.
    """
    try:
        value = json.loads(raw_body)
    except UnicodeDecodeError as exc:
        raise PayloadError("body", f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            "body", f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    return require_mapping(value, field="body")
