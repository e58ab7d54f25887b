"""A new order's rows: what the receipt says is what is stored (one statement per table, or
all tables in one statement on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.contracts import OrderIn
from depot.intake import create_order
from depot.locate import Locator
from depot.orders import get_order, order_view
from depot.users import system_caller
from models import OrderLine, OrderSource, Parcel, ParcelEvent, Pickup
from tests.dbfixtures import depot_today, order_body

WEBSHOP = system_caller("webshop")


def _mixed_order() -> OrderIn:
    """Three shops: S001 collected (three parcels from two specs), S002 brought to the depot
    by the shop, S003 collected."""
    return OrderIn.model_validate(
        order_body(
            "WS-ROWS-1",
            lines=[
                {
                    "shop": "S001",
                    "parcels": [
                        {"weight_g": 1200, "volume_ml": 5000, "count": 2},
                        {"weight_g": 300, "volume_ml": 700},
                    ],
                },
                {
                    "shop": "S002",
                    "handover": "dropoff",
                    "parcels": [{"weight_g": 4500, "volume_ml": 9000}],
                },
                {"shop": "S003", "parcels": [{"weight_g": 800, "volume_ml": 12000}]},
            ],
        )
    )


def test_receipt_is_the_stored_order(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """The 201 body equals the order read back from the database (pickups, drop-off, every
    parcel with its id, label and token), and each parcel is tied to its own shop's line and
    pickup, with one 'booked' event naming the order."""
    result = create_order(
        session=session,
        order=_mixed_order(),
        source=OrderSource.WEBSHOP,
        caller=WEBSHOP,
        locator=locator,
        today=depot_today(),
    )
    session.expire_all()
    stored = get_order(session=session, caller=WEBSHOP, order_id=result.body["id"])
    assert result.body == order_view(stored)

    receipt_parcels = result.body["parcels"]
    assert [p["shop"] for p in receipt_parcels] == ["S001", "S001", "S001", "S002", "S003"]
    assert [p["weight_g"] for p in receipt_parcels] == [1200, 1200, 300, 4500, 800]
    # Ids in the order the parcels were given, as labels are printed in that order.
    assert [p["id"] for p in receipt_parcels] == sorted(p["id"] for p in receipt_parcels)
    lines = {line.shop_id: line for line in session.scalars(select(OrderLine))}
    pickups = {pickup.shop_id: pickup for pickup in session.scalars(select(Pickup))}
    assert set(pickups) == {shops["S001"], shops["S003"]}
    assert lines[shops["S002"]].pickup_id is None
    for parcel in session.scalars(select(Parcel)):
        assert parcel.order_id == stored.id
        assert parcel.order_line_id == lines[parcel.shop_id].id
        assert parcel.pickup_id == lines[parcel.shop_id].pickup_id
        assert parcel.pickup_id == (
            pickups[parcel.shop_id].id if parcel.shop_id in pickups else None
        )
    events = session.scalars(select(ParcelEvent).order_by(ParcelEvent.id)).all()
    assert sorted(e.parcel_id for e in events) == sorted(p["id"] for p in receipt_parcels)
    assert all(e.reason == "order WS-ROWS-1 from webshop" for e in events)
    assert {p.parcel_count for p in pickups.values()} == {3, 1}
