"""Roles: who may call what, and a merchant sees only their own shop's resources (404 else)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dbfixtures import CUSTOMER_ADDRESS, depot_today, order_body, shop_body

Client = Callable[..., TestClient]


@pytest.fixture
def s001_order(client: Client, shops: dict[str, int]) -> dict[str, Any]:
    """An order with a single line, from S001, to an address that needs attention."""
    body = order_body(
        "WS-S001",
        address={**CUSTOMER_ADDRESS, "street": "Xyzgade"},
        lines=[{"shop": "S001", "parcels": [{"weight_g": 900, "volume_ml": 2000}]}],
    )
    answer = client("integration").post("/api/v1/orders", json=body)
    assert answer.status_code == 201
    return dict(answer.json())


def test_merchant_cannot_see_another_shops_order(
    client: Client, s001_order: dict[str, Any]
) -> None:
    """S002's merchant gets 404 for S001's order and does not find it in the list; S001's
    merchant reads it."""
    other = client("merchant", shop="S002")
    assert other.get(f"/api/v1/orders/{s001_order['id']}").status_code == 404
    assert other.get("/api/v1/orders").json()["items"] == []
    owner = client("merchant", shop="S001")
    assert owner.get(f"/api/v1/orders/{s001_order['id']}").status_code == 200
    assert [o["id"] for o in owner.get("/api/v1/orders").json()["items"]] == [s001_order["id"]]


def test_merchant_sees_only_their_part_of_a_shared_order(
    client: Client, shops: dict[str, int]
) -> None:
    """In a three-shop order, S002's merchant sees S002's pickup and parcels only."""
    order = client("integration").post("/api/v1/orders", json=order_body()).json()
    mine = client("merchant", shop="S002").get(f"/api/v1/orders/{order['id']}").json()
    assert {p["shop"] for p in mine["pickups"]} == {"S002"}
    assert {p["shop"] for p in mine["parcels"]} == {"S002"} and len(mine["parcels"]) == 2
    listed = client("merchant", shop="S003").get("/api/v1/orders").json()["items"]
    assert [{p["shop"] for p in o["parcels"]} for o in listed] == [{"S003"}]


def test_merchant_sees_only_their_shop(client: Client, shops: dict[str, int]) -> None:
    """GET /shops gives a merchant their own shop only; staff see all three."""
    assert [s["ref"] for s in client("merchant", shop="S003").get("/api/v1/shops").json()] == [
        "S003"
    ]
    assert [s["ref"] for s in client("depot").get("/api/v1/shops").json()] == [
        "S001",
        "S002",
        "S003",
    ]


def test_merchant_cannot_book_for_another_shop(client: Client, shops: dict[str, int]) -> None:
    """A pickup for another shop is refused as an unknown shop (its existence not revealed)."""
    day = (depot_today() + timedelta(days=1)).isoformat()
    booking = {
        "shop": "S001",
        "date": day,
        "ready_from": "10:00",
        "ready_until": "12:00",
        "parcels": [{"weight_g": 100, "volume_ml": 100}],
        "store_at_depot": True,
    }
    answer = client("merchant", shop="S002").post("/api/v1/pickups", json=booking)
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == [{"field": "shop", "reason": "unknown shop 'S001'"}]
    assert client("merchant", shop="S001").post("/api/v1/pickups", json=booking).status_code == 201


def test_merchant_cannot_correct_or_list_attention(
    client: Client, s001_order: dict[str, Any]
) -> None:
    """Attention is for depot staff: even the order's own merchant gets 403."""
    owner = client("merchant", shop="S001")
    assert owner.get("/api/v1/attention").status_code == 403
    correction = {"address": CUSTOMER_ADDRESS}
    url = f"/api/v1/attention/{s001_order['id']}/correction"
    assert owner.post(url, json=correction).status_code == 403
    assert client("depot").post(url, json=correction).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/shops", {"admin"}),
        ("GET", "/api/v1/shops", {"admin", "depot", "merchant", "integration"}),
        ("POST", "/api/v1/orders", {"admin", "integration"}),
        ("GET", "/api/v1/orders", {"admin", "depot", "merchant"}),
        ("GET", "/api/v1/orders/{id}", {"admin", "depot", "merchant"}),
        ("POST", "/api/v1/pickups", {"admin", "depot", "merchant"}),
        ("GET", "/api/v1/attention", {"admin", "depot"}),
        ("POST", "/api/v1/attention/{id}/correction", {"admin", "depot"}),
    ],
)
def test_roles_per_endpoint(
    client: Client,
    s001_order: dict[str, Any],
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    """Each endpoint answers 401 without a token, 403 to roles it is not for, and not 401/403
    to the roles it is for (a merchant of the order's shop S001)."""
    url = path.replace("{id}", str(s001_order["id"]))
    bodies: dict[str, Any] = {
        "/api/v1/shops": shop_body("S001", ref="S042"),
        "/api/v1/orders": order_body("WS-ROLE"),
        "/api/v1/pickups": {
            "shop": "S001",
            "date": (depot_today() + timedelta(days=1)).isoformat(),
            "ready_from": "10:00",
            "ready_until": "12:00",
            "parcels": [{"weight_g": 100, "volume_ml": 100}],
            "store_at_depot": True,
        },
    }
    body = bodies.get(path, {"address": CUSTOMER_ADDRESS})
    anonymous = client(None).request(method, url, json=body if method == "POST" else None)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    for role in ("admin", "depot", "merchant", "courier", "integration"):
        caller = client(role, shop="S001" if role == "merchant" else None)
        answer = caller.request(method, url, json=body if method == "POST" else None)
        if role in allowed:
            assert answer.status_code not in (401, 403), (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)
            assert answer.json()["error"]["fields"][0]["field"] == "Authorization"


def test_a_wrong_token_is_401(client: Client, shops: dict[str, int]) -> None:
    """An unknown token is refused, naming the Authorization header."""
    stranger = client(None)
    stranger.headers["Authorization"] = "Bearer bkf_" + "A" * 43
    answer = stranger.get("/api/v1/shops")
    assert answer.status_code == 401
    assert answer.json()["error"]["fields"][0]["field"] == "Authorization"
