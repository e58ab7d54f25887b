"""Public tracking: a token shows its parcel only, as JSON and as a page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.dbfixtures import order_body

Client = Callable[..., TestClient]


def test_tracking_shows_that_parcel_only(client: Client, shops: dict[str, int]) -> None:
    """Anyone with a parcel's token sees its status and windows, not the customer nor the
    order's other parcels; an unknown token is 404."""
    order = client("integration").post("/api/v1/orders", json=order_body()).json()
    parcel, other = order["parcels"][0], order["parcels"][1]
    public = client(None)
    answer = public.get(f"/api/v1/tracking/{parcel['tracking_token']}")
    assert answer.status_code == 200
    view = answer.json()
    assert view["label_code"] == parcel["label_code"] and view["status"] == "booked"
    assert view["windows"] == [
        {"start": "10:00", "end": "12:00"},
        {"start": "16:00", "end": "18:00"},
    ]
    text = answer.text
    for secret in ("Karen", "Amaliegade", "karen@example.dk", other["label_code"], "integration"):
        assert secret not in text

    page = public.get(f"/track/{parcel['tracking_token']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert parcel["label_code"] in page.text and "Karen" not in page.text

    missing = public.get("/api/v1/tracking/" + "x" * 32)
    assert missing.status_code == 404
    assert public.get("/track/" + "x" * 32).status_code == 404
