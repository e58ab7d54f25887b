"""What both webshop adapters share: street lines, shop mapping, parcels (webshop.common)."""

from __future__ import annotations

import pytest

from depot.webshop.common import (
    ShopMapping,
    WebshopConfig,
    parcels_for_weight,
    read_json_object,
    split_street_line,
)
from depot.webshop.errors import PayloadError


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Nørrebrogade 34", ("Nørrebrogade", "34", "")),
        ("Blågårdsgade 17, 2. th", ("Blågårdsgade", "17", "2. th")),
        ("Christian IX's Gade 5B", ("Christian IX's Gade", "5B", "")),
        ("Enghavevej 168-170", ("Enghavevej", "168-170", "")),
        ("Enghavevej 168 - 170, 3. tv", ("Enghavevej", "168-170", "3. tv")),
        ("H.C. Andersens Boulevard 27 st.", ("H.C. Andersens Boulevard", "27", "st.")),
        ("Vesterbrogade 59 a, 3. sal", ("Vesterbrogade", "59A", "3. sal")),
        ("Sankt Hans Gade 4, 1. mf", ("Sankt Hans Gade", "4", "1. mf")),
        ("12 Main Street", ("Main Street", "12", "")),
    ],
)
def test_street_lines_split_into_street_number_and_rest(line: str, expected: tuple) -> None:
    """Danish street-first lines keep the street as written; floor and door come back apart."""
    assert split_street_line(line, field="f") == expected


@pytest.mark.parametrize("line", ["Blågårdsgade", "", "   ,  "])
def test_a_line_without_a_house_number_names_the_field(line: str) -> None:
    """No number (or nothing) is a PayloadError on the field given."""
    with pytest.raises(PayloadError) as caught:
        split_street_line(line, field="shipping.address_1")
    assert caught.value.field == "shipping.address_1"


def test_the_longest_sku_prefix_wins_before_the_vendor() -> None:
    """KER-KRUS- beats KER-; a SKU match beats the vendor; vendor case and spaces do not matter."""
    mapping = ShopMapping(
        vendor_to_shop={"Blågårds  Keramik": "S002"},
        sku_prefix_to_shop={"KER-": "S002", "ker-krus-": "S009"},
    )
    assert mapping.shop_for(vendor="Blågårds Keramik", sku="KER-KRUS-4") == "S009"
    assert mapping.shop_for(vendor="Someone Else", sku="KER-FAD-1") == "S002"
    assert mapping.shop_for(vendor="blågårds keramik", sku=None) == "S002"
    assert mapping.shop_for(vendor=None, sku="RIST-1") is None


@pytest.mark.parametrize(
    ("weight_g", "expected"),
    [(1, [1]), (20_000, [20_000]), (20_001, [10_001, 10_000]), (45_000, [15_000] * 3)],
)
def test_parcels_stay_under_the_weight_limit_and_add_up(weight_g: int, expected: list) -> None:
    """A shop's goods split into equal parcels of at most 20 kg whose weights add up."""
    parcels = parcels_for_weight(weight_g, config=WebshopConfig())
    assert [p["weight_g"] for p in parcels] == expected
    assert {p["volume_ml"] for p in parcels} == {5000}


@pytest.mark.parametrize(
    ("raw", "words"),
    [(b"{not json", "not JSON"), (b"[1, 2]", "not an object"), (b'{"a": "\xe6"}', "not UTF-8")],
)
def test_a_body_that_is_not_a_json_object_names_the_body(raw: bytes, words: str) -> None:
    """Broken JSON, a JSON list, or Latin-1 bytes are refused as ``body``."""
    with pytest.raises(PayloadError) as caught:
        read_json_object(raw)
    assert caught.value.field == "body"
    assert words in caught.value.reason


def test_adapted_bodies_are_valid_orders_of_the_intake_contract() -> None:
    """Both adapters' bodies (whole-day windows, split parcels too) pass contracts.OrderIn."""
    from depot.contracts import OrderIn
    from depot.webshop.shopify import order_from_shopify
    from depot.webshop.woocommerce import order_from_woocommerce
    from tests.fixtures.webshop import (
        SKU_PREFIX_SHOPS,
        VENDOR_SHOPS,
        shopify_order,
        woocommerce_order,
    )

    config = WebshopConfig(
        mapping=ShopMapping(vendor_to_shop=VENDOR_SHOPS, sku_prefix_to_shop=SKU_PREFIX_SHOPS),
        parcel_max_weight_g=1_000,
    )
    shopify = shopify_order()
    shopify["note_attributes"] = [{"name": "Delivery-Date", "value": "24/11/2026"}]
    bodies = [
        order_from_shopify(shopify_order(), config=config).body,
        order_from_shopify(shopify, config=config).body,
        order_from_woocommerce(woocommerce_order(), config=config).body,
    ]
    for body in bodies:
        order = OrderIn.model_validate(body)
        assert order.external_id == body["external_id"]
        assert len(order.lines) == len(body["lines"]) == 2
    assert OrderIn.model_validate(bodies[1]).windows[0].end_s == 86_400
