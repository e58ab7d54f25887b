"""The intake API end to end: a three-shop order, reading it back, retries over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.dbfixtures import depot_today, order_body

Client = Callable[..., TestClient]


def test_three_shop_order_end_to_end(client: Client, shops: dict[str, int]) -> None:
    """POST an order from three shops, then read it: 201 with pickups, one delivery and
    labelled parcels; GET shows each parcel's history; the list finds it by date and status."""
    webshop = client("integration")
    depot = client("depot")
    created = webshop.post("/api/v1/orders", json=order_body())
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "confirmed"
    assert len(order["pickups"]) == 3 and len(order["parcels"]) == 4
    assert order["delivery"]["address"]["matched_address"] == "Amaliegade 13C, 1256 København K"

    read = depot.get(f"/api/v1/orders/{order['id']}")
    assert read.status_code == 200
    parcels = read.json()["parcels"]
    assert [p["label_code"] for p in parcels] == [p["label_code"] for p in order["parcels"]]
    assert all(p["history"][0]["status"] == "booked" for p in parcels)
    assert all(p["history"][0]["actor"].startswith("integration:") for p in parcels)

    day = order_body()["delivery_date"]
    listed = depot.get("/api/v1/orders", params={"date": day, "status": "confirmed"})
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    other_day = (depot_today() + timedelta(days=9)).isoformat()
    assert depot.get("/api/v1/orders", params={"date": other_day}).json()["items"] == []
    waiting = depot.get("/api/v1/orders", params={"status": "needs_attention"})
    assert waiting.json()["items"] == []


def test_orders_are_paginated(client: Client, shops: dict[str, int]) -> None:
    """Five orders read two at a time: three pages, each order once, in id order."""
    webshop = client("integration")
    ids = [
        webshop.post("/api/v1/orders", json=order_body(f"WS-{n}")).json()["id"] for n in range(5)
    ]
    depot = client("depot")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor is not None else {})
        page = depot.get("/api/v1/orders", params=params).json()
        seen += [o["id"] for o in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 3


def test_retry_gets_the_first_answer(client: Client, shops: dict[str, int]) -> None:
    """A retried POST (network lost the answer) gets the same status and body, marked
    replayed; a conflicting repeat is 422 naming external_id; a reused Idempotency-Key with
    another order is 422 naming the header."""
    webshop = client("integration")
    first = webshop.post("/api/v1/orders", json=order_body(), headers={"Idempotency-Key": "a1"})
    again = webshop.post("/api/v1/orders", json=order_body(), headers={"Idempotency-Key": "a1"})
    assert again.status_code == first.status_code == 201
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"

    changed = order_body(windows=[{"start": "08:00", "end": "09:00"}])
    conflict = webshop.post("/api/v1/orders", json=changed)
    assert conflict.status_code == 422
    assert conflict.json()["error"]["fields"][0]["field"] == "external_id"

    reused = webshop.post(
        "/api/v1/orders", json=order_body("WS-2002"), headers={"Idempotency-Key": "a1"}
    )
    assert reused.status_code == 422
    assert reused.json()["error"]["fields"][0]["field"] == "Idempotency-Key"
    listed = client("depot").get("/api/v1/orders").json()["items"]
    assert len(listed) == 1


def test_pickup_booking_for_a_customer_and_for_storage(
    client: Client, shops: dict[str, int]
) -> None:
    """A merchant books a pickup of two parcels for a customer (an order is made, parcels
    await pickup) and one for storage at the depot (no order)."""
    merchant = client("merchant", shop="S002")
    day = (depot_today() + timedelta(days=1)).isoformat()
    body = order_body()
    booking = merchant.post(
        "/api/v1/pickups",
        json={
            "date": day,
            "ready_from": "11:00",
            "ready_until": "15:00",
            "parcels": [{"weight_g": 2000, "volume_ml": 3000, "count": 2}],
            "deliver_to": {
                "external_id": "B-77",
                "customer": body["customer"],
                "address": body["address"],
                "windows": body["windows"],
            },
        },
    )
    assert booking.status_code == 201, booking.text
    made = booking.json()
    assert made["pickup"]["shop"] == "S002"
    assert (made["pickup"]["ready_from"], made["pickup"]["ready_until"]) == ("11:00", "15:00")
    assert [p["status"] for p in made["parcels"]] == ["awaiting_pickup"] * 2
    assert made["order"]["source"] == "shop" and made["order"]["external_id"] == "S002-B-77"

    storage = merchant.post(
        "/api/v1/pickups",
        json={
            "date": day,
            "ready_from": "09:00",
            "ready_until": "12:00",
            "parcels": [{"weight_g": 9000, "volume_ml": 40000}],
            "store_at_depot": True,
        },
    )
    assert storage.status_code == 201, storage.text
    assert storage.json()["order"] is None
    assert storage.json()["pickup"]["purpose"] == "depot_storage"
