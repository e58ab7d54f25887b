"""Orders that need attention: listed for depot staff with the reason, corrected, continued."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.dbfixtures import CUSTOMER_ADDRESS, order_body

Client = Callable[..., TestClient]
UNKNOWN = {"street": "Xyzgade", "housenumber": "1", "postcode": "1165", "city": "København K"}


def test_unknown_address_is_listed_and_corrected(client: Client, shops: dict[str, int]) -> None:
    """An order to a street that does not exist is accepted (201) and listed with its reason;
    a correction to another unknown address is refused and changes nothing; the real address
    confirms the order."""
    created = client("integration").post("/api/v1/orders", json=order_body(address=UNKNOWN))
    assert created.status_code == 201
    assert created.json()["status"] == "needs_attention"
    order_id = created.json()["id"]

    depot = client("depot")
    listed = depot.get("/api/v1/attention").json()["items"]
    assert [o["id"] for o in listed] == [order_id]
    assert "no street like 'Xyzgade'" in listed[0]["attention_reason"]

    still_bad = {"address": {**UNKNOWN, "street": "Qqqvej"}}
    refused = depot.post(f"/api/v1/attention/{order_id}/correction", json=still_bad)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "address"
    assert depot.get(f"/api/v1/orders/{order_id}").json()["status"] == "needs_attention"

    fixed = depot.post(
        f"/api/v1/attention/{order_id}/correction", json={"address": CUSTOMER_ADDRESS}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "confirmed" and fixed.json()["attention_reason"] is None
    assert depot.get("/api/v1/attention").json()["items"] == []
    again = depot.post(
        f"/api/v1/attention/{order_id}/correction", json={"address": CUSTOMER_ADDRESS}
    )
    assert again.status_code == 409


def test_outside_service_area_by_coordinates(client: Client, shops: dict[str, int]) -> None:
    """Coordinates in Aarhus are kept as needing attention, the reason saying how far outside."""
    created = client("admin").post(
        "/api/v1/orders", json=order_body(address={"lat": 56.1572, "lon": 10.2107})
    )
    assert created.status_code == 201
    reason = created.json()["attention_reason"]
    assert reason.startswith("outside the service area, ") and "m beyond its edge" in reason
