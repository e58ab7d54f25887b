"""Order intake as a service: a three-shop order, retries, attention, nothing half-written."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from depot import idempotency
from depot.contracts import OrderIn
from depot.errors import ConflictError, InvalidInputError
from depot.intake import IntakeResult, create_order, order_fingerprint
from depot.locate import Locator
from depot.tracking import change_status
from depot.users import system_caller
from maps.geo import haversine_m
from models import (
    IdempotencyRecord,
    Order,
    OrderSource,
    OrderStatus,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    Pickup,
    utcnow,
)
from models.session import SQLITE_BUSY_TIMEOUT_MS
from tests.dbfixtures import CUSTOMER_LAT, CUSTOMER_LON, depot_today, order_body

WEBSHOP = system_caller("webshop")


def _create(session: Session, locator: Locator, body: dict[str, Any], **kw: Any) -> IntakeResult:
    return create_order(
        session=session,
        order=OrderIn.model_validate(body),
        source=kw.pop("source", OrderSource.WEBSHOP),
        caller=kw.pop("caller", WEBSHOP),
        locator=locator,
        today=depot_today(),
        **kw,
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_three_shop_order(session: Session, locator: Locator, shops: dict[str, int]) -> None:
    """One order with parcels from three shops: one pickup per shop in its window, one
    delivery at the customer's real address, four labelled parcels, each booked."""
    result = _create(session, locator, order_body())
    body = result.body
    assert result.status_code == 201 and not result.replayed
    assert body["status"] == "confirmed" and body["attention_reason"] is None
    address = body["delivery"]["address"]
    assert haversine_m(address["lat"], address["lon"], CUSTOMER_LAT, CUSTOMER_LON) < 1.0
    assert [p["shop"] for p in body["pickups"]] == ["S001", "S002", "S003"]
    assert all((p["ready_from"], p["ready_until"]) == ("10:00", "17:00") for p in body["pickups"])
    assert [len(p["parcel_ids"]) for p in body["pickups"]] == [1, 2, 1]
    assert sorted(body["delivery"]["parcel_ids"]) == sorted(p["id"] for p in body["parcels"])
    assert len({p["label_code"] for p in body["parcels"]}) == 4
    assert all(len(p["tracking_token"]) >= 22 for p in body["parcels"])  # >= 128 bits in base64
    assert _count(session, Parcel) == 4 and _count(session, Pickup) == 3
    events = session.scalars(select(ParcelEvent)).all()
    assert {e.status for e in events} == {ParcelStatus.BOOKED} and len(events) == 4
    assert all(e.actor == "integration:webshop" for e in events)


def test_repeat_returns_first_answer(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """Sending the same order again answers with the first answer and books nothing more."""
    first = _create(session, locator, order_body())
    again = _create(session, locator, order_body())
    assert again.replayed and again.status_code == first.status_code
    assert again.body == first.body
    assert _count(session, Order) == 1 and _count(session, Parcel) == 4


def test_repeat_with_a_new_key_leaves_the_key_free(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """A repeat of an order sent with a new Idempotency-Key gets the first answer, and the new
    key stays free: another order may still use it."""
    first = _create(session, locator, order_body("WS-1"), idempotency_key="k-1")
    again = _create(session, locator, order_body("WS-1"), idempotency_key="k-2")
    assert again.replayed and again.body == first.body
    other = _create(session, locator, order_body("WS-2"), idempotency_key="k-2")
    assert other.status_code == 201 and not other.replayed
    assert _count(session, Order) == 2


def test_repeat_is_answered_without_a_rollback(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """A repeat that only reads the first answer ends without a rollback: at each rollback the
    PostgreSQL driver forgets the statements it prepared, and the database then parses and
    plans every statement of the next requests again."""
    _create(session, locator, order_body())
    rollbacks: list[object] = []

    def count(connection: object) -> None:
        rollbacks.append(connection)

    engine = session.get_bind()
    event.listen(engine, "rollback", count)
    try:
        again = _create(session, locator, order_body())
    finally:
        event.remove(engine, "rollback", count)
    assert again.replayed and rollbacks == []


def test_same_external_id_other_body_is_refused(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """The same external id with a different order is refused, naming external_id."""
    _create(session, locator, order_body())
    changed = order_body(windows=[{"start": "13:00", "end": "14:00"}])
    with pytest.raises(InvalidInputError) as caught:
        _create(session, locator, changed)
    assert caught.value.field == "external_id"
    assert _count(session, Order) == 1


def test_idempotency_key(session: Session, locator: Locator, shops: dict[str, int]) -> None:
    """A reused Idempotency-Key with another order is refused naming the header; the same
    external id from another source is another order."""
    _create(session, locator, order_body("WS-1"), idempotency_key="k-1")
    with pytest.raises(InvalidInputError) as caught:
        _create(session, locator, order_body("WS-2"), idempotency_key="k-1")
    assert caught.value.field == "Idempotency-Key"
    other = _create(session, locator, order_body("WS-1"), source=OrderSource.SHOPIFY)
    assert not other.replayed
    assert _count(session, Order) == 2


def test_in_flight_repeat_is_409_then_taken_over_when_stale(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """While the first request holds the claim, a repeat is a conflict; a claim left by a
    request that died is taken over after STALE_IN_FLIGHT_S and the order goes through."""
    body = order_body()
    fp = order_fingerprint(OrderIn.model_validate(body), OrderSource.WEBSHOP)
    claim = idempotency.Claim("order:webshop", body["external_id"], "external_id")
    ids = idempotency.claim(session, [claim], fp)
    assert isinstance(ids, list)
    with pytest.raises(ConflictError) as caught:
        _create(session, locator, body)
    assert caught.value.field == "external_id"
    record = session.get(IdempotencyRecord, ids[0])
    assert record is not None
    record.created_at = utcnow() - timedelta(seconds=idempotency.STALE_IN_FLIGHT_S + 1)
    session.commit()
    result = _create(session, locator, body)
    assert result.status_code == 201 and _count(session, Order) == 1


def test_failure_leaves_nothing_and_frees_the_id(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """An order naming an unknown shop is refused naming the line; nothing stays, and the
    corrected order with the same external id then goes through."""
    body = order_body()
    body["lines"][2]["shop"] = "S999"
    with pytest.raises(InvalidInputError) as caught:
        _create(session, locator, body)
    assert caught.value.field == "lines[2].shop"
    for model in (Order, Parcel, Pickup, IdempotencyRecord):
        assert _count(session, model) == 0
    assert _create(session, locator, order_body()).status_code == 201


def test_delivery_date_in_the_past(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """A delivery date before today is refused naming delivery_date."""
    body = order_body(delivery_date=(depot_today() - timedelta(days=1)).isoformat())
    with pytest.raises(InvalidInputError) as caught:
        _create(session, locator, body)
    assert caught.value.field == "delivery_date"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (
            {"street": "Xyzgade", "housenumber": "1", "postcode": "1165", "city": "København K"},
            "address not found: no street like 'Xyzgade'",
        ),
        ({"lat": 56.1572, "lon": 10.2107}, "outside the service area"),
        (
            {"street": "Nørregade", "housenumber": "12", "postcode": "8000", "city": "Aarhus C"},
            "address uncertain",
        ),
    ],
    ids=["unknown-street", "aarhus-coordinates", "wrong-postcode"],
)
def test_unplaceable_address_is_kept_for_attention(
    session: Session,
    locator: Locator,
    shops: dict[str, int],
    address: dict[str, Any],
    reason: str,
) -> None:
    """An address that cannot be found, is uncertain or is not served is accepted; the order
    needs attention and says why; its parcels are booked all the same."""
    result = _create(session, locator, order_body(address=address))
    assert result.status_code == 201
    assert result.body["status"] == "needs_attention"
    assert reason in result.body["attention_reason"]
    order = session.get(Order, result.body["id"])
    assert order is not None and order.status is OrderStatus.NEEDS_ATTENTION
    assert _count(session, Parcel) == 4


def test_shop_without_pickup_window_that_day(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """A shop open for pickups on weekdays only cannot be collected on a Sunday: the order is
    kept and needs attention, naming the shop and the day."""
    from depot.contracts import ShopIn
    from depot.shops import register_shop
    from tests.dbfixtures import shop_body

    body = shop_body(
        "S001",
        ref="S010",
        pickup_windows=[{"start": "10:00", "end": "17:00", "weekdays": [0, 1, 2, 3, 4]}],
    )
    register_shop(session=session, shop=ShopIn(**body), locator=locator)
    sunday = depot_today() + timedelta(days=7 + (6 - depot_today().weekday()))
    order = order_body(
        delivery_date=sunday.isoformat(),
        lines=[{"shop": "S010", "parcels": [{"weight_g": 500, "volume_ml": 900}]}],
    )
    result = _create(session, locator, order)
    assert result.body["status"] == "needs_attention"
    assert "S010 has no pickup window on Sundays" in result.body["attention_reason"]


def test_concurrent_repeats_make_one_order(
    session: Session,
    session_factory: sessionmaker[Session],
    locator: Locator,
    shops: dict[str, int],
) -> None:
    """The same order sent by four clients at once is booked once; every other answer is the
    first answer or a 409 to retry."""
    outcomes: list[Any] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        with session_factory() as own:
            barrier.wait()
            try:
                outcomes.append(_create(own, locator, order_body()))
            except ConflictError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [o for o in outcomes if isinstance(o, IntakeResult) and not o.replayed]
    assert len(outcomes) == 4 and len(created) == 1
    for other in outcomes:
        if isinstance(other, IntakeResult):
            assert other.body == created[0].body
    assert _count(session, Order) == 1 and _count(session, Parcel) == 4


def test_purge_keeps_a_week(session: Session, locator: Locator, shops: dict[str, int]) -> None:
    """Records younger than seven days survive a purge; older ones go; a purge of less than
    seven days is refused."""
    _create(session, locator, order_body())
    assert idempotency.purge_expired(session=session, now=utcnow() + timedelta(days=6)) == 0
    assert idempotency.purge_expired(session=session, now=utcnow() + timedelta(days=8)) == 1
    with pytest.raises(ValueError, match="at least 7"):
        idempotency.purge_expired(session=session, retention_days=3)


def test_status_changes_follow_the_parcel_life(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """A parcel cannot be delivered before it was picked up; allowed changes are recorded
    with time, actor and reason."""
    result = _create(session, locator, order_body())
    parcel = session.get(Parcel, result.body["parcels"][0]["id"])
    assert parcel is not None
    with pytest.raises(ConflictError, match="booked"):
        change_status(parcel, ParcelStatus.DELIVERED, actor="courier:x")
    for status in (ParcelStatus.AWAITING_PICKUP, ParcelStatus.PICKED_UP, ParcelStatus.AT_DEPOT):
        change_status(parcel, status, actor="depot:test", reason="scan")
    session.commit()
    session.expire_all()
    parcel = session.get(Parcel, result.body["parcels"][0]["id"])
    assert parcel is not None
    assert [e.status for e in parcel.events] == [
        ParcelStatus.BOOKED,
        ParcelStatus.AWAITING_PICKUP,
        ParcelStatus.PICKED_UP,
        ParcelStatus.AT_DEPOT,
    ]
    assert parcel.events[-1].actor == "depot:test"


def test_a_repeat_waits_for_the_first_then_409(
    session: Session,
    session_factory: sessionmaker[Session],
    locator: Locator,
    shops: dict[str, int],
) -> None:
    """While the first request's transaction holds the order's claim, a repeat waits for it;
    when the database gives up waiting (lock or busy timeout) the repeat is a 409 naming
    external_id, and no second order exists."""
    body = order_body()
    fp = order_fingerprint(OrderIn.model_validate(body), OrderSource.WEBSHOP)
    claim = idempotency.Claim("order:webshop", body["external_id"], "external_id")
    with session_factory() as first, session_factory() as repeat:
        assert isinstance(idempotency.claim(first, [claim], fp, commit=False), list)
        connection = repeat.connection()
        postgres = connection.dialect.name == "postgresql"
        wait = "SET LOCAL lock_timeout = '300ms'" if postgres else "PRAGMA busy_timeout = 300"
        connection.exec_driver_sql(wait)
        try:
            with pytest.raises(ConflictError) as caught:
                _create(repeat, locator, body)
        finally:
            if not postgres:
                repeat.connection().exec_driver_sql(
                    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"
                )
                repeat.commit()
        first.rollback()
    assert caught.value.field == "external_id"
    assert _count(session, Order) == 0
    assert _create(session, locator, body).status_code == 201


def test_a_repeat_after_the_purge_is_refused_not_booked_again(
    session: Session, locator: Locator, shops: dict[str, int]
) -> None:
    """Once the first answer is purged (after seven days), the same order again is a 409
    naming external_id: the order is never booked twice."""
    _create(session, locator, order_body())
    assert idempotency.purge_expired(session=session, now=utcnow() + timedelta(days=8)) == 1
    with pytest.raises(ConflictError) as caught:
        _create(session, locator, order_body())
    assert caught.value.field == "external_id"
    assert _count(session, Order) == 1 and _count(session, IdempotencyRecord) == 0
