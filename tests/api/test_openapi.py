"""The OpenAPI document at /openapi.json describes what the routes take."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Client = Callable[..., TestClient]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def test_order_intake_is_documented(client: Client) -> None:
    """POST /api/v1/orders (which reads its body itself) is documented as FastAPI documents
    a declared body: the order with each field, the models inside it, the Idempotency-Key
    header and the bearer token."""
    document = client(None).get("/openapi.json").json()
    operation = document["paths"]["/api/v1/orders"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    order = _resolve(document, body["content"]["application/json"]["schema"])
    assert set(order["required"]) == {
        "external_id", "delivery_date", "customer", "address", "windows", "lines",
    }  # fmt: skip
    assert "slot_hold_id" in order["properties"]
    line = _resolve(document, order["properties"]["lines"]["items"])
    parcel = _resolve(document, line["properties"]["parcels"]["items"])
    assert parcel["properties"]["weight_g"]["exclusiveMinimum"] == 0
    assert "default" not in order["properties"]["slot_hold_id"]  # no nulls, as FastAPI writes
    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is False
    assert operation["security"] == [{"HTTPBearer": []}]
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    assert "201" in operation["responses"] and "422" in operation["responses"]
