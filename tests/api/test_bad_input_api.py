"""Bad input: a 4xx naming the field, the same error body everywhere, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dbfixtures import depot_today, order_body

Client = Callable[..., TestClient]


def _parcel(weight_g: Any, volume_ml: Any = 1000) -> dict[str, Any]:
    body = order_body()
    body["lines"][0]["parcels"][0] = {"weight_g": weight_g, "volume_ml": volume_ml}
    return body


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    body = order_body()
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


_DROP = object()

CASES = [
    ("unknown shop", _with(["lines", 1, "shop"], "S404"), "lines[1].shop", "unknown shop"),
    ("negative weight", _parcel(-1200), "lines[0].parcels[0].weight_g", "greater than 0"),
    ("absurd weight", _parcel(2_000_000), "lines[0].parcels[0].weight_g", "less than or equal"),
    ("absurd volume", _parcel(1000, 9_000_000), "lines[0].parcels[0].volume_ml", "less than"),
    ("weight as text", _parcel("heavy"), "lines[0].parcels[0].weight_g", "integer"),
    (
        "window ends before it starts",
        _with(["windows", 1], {"start": "18:00", "end": "16:00"}),
        "windows[1].end",
        "ends (16:00) before it starts (18:00)",
    ),
    ("not a clock time", _with(["windows", 0, "start"], "25:99"), "windows[0].start", "clock"),
    (
        "delivery date in the past",
        _with(["delivery_date"], (depot_today() - timedelta(days=3)).isoformat()),
        "delivery_date",
        "in the past",
    ),
    ("no customer", _with(["customer"], _DROP), "customer", "is required"),
    (
        "misspelt field",
        _with(["lines", 0, "parcels", 0, "weigth_g"], 5),
        "lines[0].parcels[0].weigth_g",
        "not a known field",
    ),
    ("no lines", _with(["lines"], []), "lines", "at least 1"),
    ("half coordinates", _with(["address"], {"lat": 55.68}), "address", "both lat and lon"),
    ("spaces in id", _with(["external_id"], "WS 1"), "external_id", "printable"),
]


@pytest.mark.parametrize(
    ("body", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_order_names_the_field(
    client: Client, shops: dict[str, int], body: dict[str, Any], field: str, reason: str
) -> None:
    """Each bad order is a 422 whose error names the field and says why; nothing is stored."""
    webshop = client("integration")
    answer = webshop.post("/api/v1/orders", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["status"] == 422
    assert field in [f["field"] for f in error["fields"]], error
    assert reason in error["message"]
    assert client("depot").get("/api/v1/orders").json()["items"] == []


def test_malformed_json(client: Client, shops: dict[str, int]) -> None:
    """A body that is not JSON is a 422 naming the body."""
    answer = client("integration").post(
        "/api/v1/orders",
        content=b'{"external_id": "WS-1", ',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "body"
    assert "malformed JSON" in answer.json()["error"]["message"]


_JSON = {"Content-Type": "application/json"}
_ORDER = json.dumps(order_body()).encode()
_ALL_MISSING = ["delivery_date", "customer", "address", "windows", "lines"]
BODY_CASES = [
    ("no token, wrong fields", None, b'{"x": 1}', _JSON, 401, ["Authorization"], "Bearer"),
    ("no token, not JSON", None, b'{"x": ', _JSON, 422, ["body"], "malformed JSON"),
    ("empty body", "integration", b"", _JSON, 422, ["body"], "is required"),
    ("JSON null", "integration", b"null", _JSON, 422, ["body"], "valid dictionary"),
    ("sent as text", "integration", _ORDER, {"Content-Type": "text/plain"}, 422, ["body"], "valid"),
    ("no content type", "integration", _ORDER, {}, 422, ["body"], "valid dictionary"),
    ("not UTF-8", "integration", b"\xff\xfe{", _JSON, 400, [""], "error parsing the body"),
    (
        "long key, fields missing",
        "integration",
        b'{"external_id": "WS-1"}',
        {**_JSON, "Idempotency-Key": "k" * 300},
        422,
        ["Idempotency-Key", *_ALL_MISSING],
        "at most 255 characters",
    ),
]


@pytest.mark.parametrize(
    ("role", "content", "headers", "status", "fields", "reason"),
    [c[1:] for c in BODY_CASES],
    ids=[c[0] for c in BODY_CASES],
)
def test_order_request_refused_in_order(
    client: Client,
    shops: dict[str, int],
    role: str | None,
    content: bytes,
    headers: dict[str, str],
    status: int,
    fields: list[str],
    reason: str,
) -> None:
    """An order request is refused as FastAPI refuses a declared body: malformed JSON first,
    then the token, then every field at fault (headers first); a body not sent as JSON, an
    empty one or one that is not text is refused too, never a 500; nothing is stored."""
    answer = client(role).post("/api/v1/orders", content=content, headers=headers)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert [f["field"] for f in error["fields"]] == fields
    assert reason in error["message"]
    assert client("depot").get("/api/v1/orders").json()["items"] == []


def test_oversized_body(client: Client, shops: dict[str, int]) -> None:
    """A body over the limit is refused with 413 before it is read, whether its length is
    declared or it arrives in chunks."""
    webshop = client("integration")
    big = order_body(customer={"name": "x" * 300_000})
    declared = webshop.post("/api/v1/orders", json=big)
    assert declared.status_code == 413
    assert declared.json()["error"]["fields"][0]["field"] == "body"

    def chunks() -> Any:
        for _ in range(40):
            yield b" " * 10_000

    streamed = webshop.post(
        "/api/v1/orders", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert client("depot").get("/api/v1/orders").json()["items"] == []


def test_bad_query_and_path(client: Client, shops: dict[str, int]) -> None:
    """A date that is not a date and an order id that is not a number name themselves."""
    depot = client("depot")
    answer = depot.get("/api/v1/orders", params={"date": "tomorrow"})
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "date"
    answer = depot.get("/api/v1/orders/abc")
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "order_id"
    assert depot.get("/api/v1/orders/999999").status_code == 404


def test_bad_shop_registration(client: Client, shops: dict[str, int]) -> None:
    """A duplicate ref is 409 naming ref; an address not in the city is 422 naming address."""
    admin = client("admin")
    from tests.dbfixtures import shop_body

    duplicate = admin.post("/api/v1/shops", json=shop_body("S001"))
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["fields"][0]["field"] == "ref"
    nowhere = shop_body("S001", ref="S050")
    nowhere["address"]["street"] = "Xyzgade"
    answer = admin.post("/api/v1/shops", json=nowhere)
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "address"
    assert "no street like 'Xyzgade'" in answer.json()["error"]["message"]
