"""Orders in: the webshop's (and every adapter's) orders and the shops' pickup bookings.

:func:`create_order` is the one way an order enters Bakfiets — the API, the Shopify and
WooCommerce adapters and the CSV import all call it. Each call is idempotent on the order's
``(source, external_id)`` and on an optional idempotency key (see :mod:`depot.idempotency`),
writes everything in one transaction, and never refuses an order for its address: an address
that cannot be geocoded or is not served is kept, with the order flagged ``needs_attention`` and
the reason stated, for a depot worker to correct (:mod:`depot.attention`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from depot import idempotency
from depot.contracts import (
    MAX_DAYS_AHEAD,
    AddressIn,
    OrderIn,
    PickupIn,
    format_clock,
    parse_clock,
)
from depot.errors import InvalidInputError
from depot.locate import Location, Locator
from depot.order_rows import write_order
from depot.orders import handover_dict
from depot.parcel_rows import write_parcels
from depot.shops import ShopRef, shop_for_booking, shops_for_lines
from depot.slot_holds import consume_hold
from depot.users import Caller
from models import (
    Customer,
    CustomerAddress,
    Handover,
    OrderSource,
    ParcelStatus,
    Pickup,
    PickupPurpose,
    PickupStatus,
    utcnow,
)

CREATED = 201
_PICKUPS = cast(Table, Pickup.__table__)
_INSERT_PICKUP = insert(_PICKUPS).returning(_PICKUPS.c.id)


@dataclass(frozen=True)
class IntakeResult:
    """The answer to an intake request.

    Attributes
    ----------
    status_code : int
        201 for a new order or booking; a replay repeats the first answer's code.
    body : dict
        The receipt (:func:`depot.orders.order_view` for an order); identical for every repeat.
    replayed : bool
        ``True`` when this is a repeat answered from the stored first answer.
    """

    status_code: int
    body: dict[str, Any]
    replayed: bool


def check_delivery_date(value: date, *, today: date, field: str) -> None:
    """Refuse a date before ``today`` (the depot's local date) or more than a year ahead.

    Raises
    ------
    InvalidInputError
        ``field``: in the past or too far ahead.
    """
    if value < today:
        raise InvalidInputError(field, f"{value.isoformat()} is in the past (today is {today})")
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInputError(
            field, f"{value.isoformat()} is more than {MAX_DAYS_AHEAD} days ahead"
        )


def locate_address(locator: Locator, address: AddressIn) -> Location:
    """Locate a delivery address given as text or as coordinates."""
    if address.lat is not None and address.lon is not None:
        return locator.check_point(address.lat, address.lon)
    return locator.locate_text(address.query())


def address_row(customer: Customer, address: AddressIn, location: Location) -> CustomerAddress:
    """A new address of ``customer``, as given and where it was located (not committed)."""
    row = CustomerAddress(
        street=address.street or "",
        housenumber=address.housenumber or "",
        postcode=address.postcode or "",
        city=address.city or "",
        lat=location.lat,
        lon=location.lon,
        matched_address=location.matched_address,
        geocode_score=location.score,
    )
    customer.addresses.append(row)
    return row


def _write(
    session: Session,
    order: OrderIn,
    *,
    source: OrderSource,
    caller: Caller,
    locator: Locator,
    today: date,
    ready_s: dict[int, tuple[int, int]] | None = None,
    pickup_booked: str | None = None,
    field_prefix: str = "",
) -> dict[str, Any]:
    """Check an order, locate it and write its rows (not committed); its receipt.

    Raises before writing anything on bad input; a slot hold the order cannot use raises after
    the rows were written, and the caller rolls them back.
    """
    check_delivery_date(order.delivery_date, today=today, field=f"{field_prefix}delivery_date")
    shops = shops_for_lines(session, [line.shop for line in order.lines], caller, field_prefix)
    location = locate_address(locator, order.address)
    now = utcnow()
    receipt = write_order(
        session.connection(),
        order,
        source=source,
        caller=caller,
        shops=shops,
        location=location,
        now=now,
        ready_s=ready_s,
        pickup_booked=pickup_booked,
        field_prefix=field_prefix,
    )
    if order.slot_hold_id is not None:
        consume_hold(
            session=session,
            hold_id=order.slot_hold_id,
            order_id=receipt["id"],
            plan_date=order.delivery_date,
            windows=[(w.start_s, w.end_s) for w in order.windows],
            lat=location.lat,
            lon=location.lon,
            now=now,
        )
    return receipt


def _run_idempotent(
    session: Session,
    claims: list[idempotency.Claim],
    request_fingerprint: str,
    work: Callable[[], dict[str, Any]],
) -> IntakeResult:
    # The claims, the work and its answer are one transaction: a repeat arriving meanwhile waits
    # for it and gets the answer; if anything fails, the claims go with the rest.
    outcome = idempotency.claim(session, claims, request_fingerprint, commit=False)
    if isinstance(outcome, idempotency.Replay):
        return IntakeResult(outcome.status_code, outcome.body, replayed=True)
    try:
        body = work()
        idempotency.complete(session, outcome, CREATED, body)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return IntakeResult(CREATED, body, replayed=False)


def key_claim(
    caller: Caller, key: str | None, scope: str | None, kind: str
) -> list[idempotency.Claim]:
    """The claim for an ``Idempotency-Key`` header: scoped per user (or per given scope)."""
    if key is None:
        return []
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInputError("Idempotency-Key", "must be 1 to 255 printable characters")
    who = f"user:{caller.user_id}" if caller.user_id is not None else f"system:{caller.name}"
    return [idempotency.Claim(scope or f"{kind}:{who}", key, "Idempotency-Key")]


def create_order(
    *,
    session: Session,
    order: OrderIn,
    source: OrderSource,
    caller: Caller,
    locator: Locator,
    today: date,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
) -> IntakeResult:
    """Take in one order: its customer, delivery, one pickup per shop line, labelled parcels.

    Idempotent: a repeat of ``(source, order.external_id)`` or of ``idempotency_key`` gets the
    first answer; the same id or key with a different order is refused. The order and its
    answer are committed together; on any error nothing of it stays.

    Parameters
    ----------
    session : Session
        A session with no pending work; this function commits.
    order : OrderIn
        The validated order (the API's JSON body, or what an adapter built).
    source : OrderSource
        Where it came from; ``external_id`` is unique per source.
    caller : Caller
        Who sends it (a merchant may only name their own shop); its ``actor`` goes into each
        parcel's history.
    locator : Locator
        Geocoder and service area; an address it cannot place makes the order
        ``needs_attention`` with the reason, never an error.
    today : date
        The depot's local date; earlier delivery dates are refused.
    idempotency_key : str, optional
        The client's ``Idempotency-Key``.
    idempotency_scope : str, optional
        Where the key is unique (an adapter passes e.g. ``"shopify-event"``); per user by
        default.

    Returns
    -------
    IntakeResult
        201 and :func:`depot.orders.order_view` of the new order, or the replayed first answer.

    Raises
    ------
    InvalidInputError
        A field is not acceptable (unknown shop, date in the past, key reused with another
        body, a ``slot_hold_id`` unknown or not matching the order); ``field`` names it.
    ConflictError
        The first request with this id or key is still in flight, or an order with this
        ``external_id`` exists from before the idempotency records were purged, or the
        ``slot_hold_id`` is used already or expired
        (:func:`depot.slot_holds.consume_hold`).
    """
    claims = [idempotency.Claim(f"order:{source.value}", order.external_id, "external_id")]
    claims += key_claim(caller, idempotency_key, idempotency_scope, "orders")

    def work() -> dict[str, Any]:
        return _write(session, order, source=source, caller=caller, locator=locator, today=today)

    return _run_idempotent(session, claims, order_fingerprint(order, source), work)


def order_fingerprint(order: OrderIn, source: OrderSource) -> str:
    """What tells a repeat of an order from a changed one: the hash of its source and body.

    The slot hold is left out: it is how the order was booked, not what it is, so a repeat
    sent with a fresh hold (the checkout held again after a timeout) gets the first answer.
    """
    body = order.model_dump(mode="json", exclude={"slot_hold_id"})
    return idempotency.fingerprint({"source": source.value, "order": body})


def book_pickup(
    *,
    session: Session,
    pickup: PickupIn,
    caller: Caller,
    locator: Locator,
    today: date,
    idempotency_key: str | None = None,
) -> IntakeResult:
    """A shop books parcels for collection: for a customer (an order is made) or for storage.

    Parameters
    ----------
    session : Session
        A session with no pending work; this function commits.
    pickup : PickupIn
        ``shop`` may be omitted by a merchant (their own shop); a merchant naming another shop
        gets "unknown shop".
    caller : Caller
    locator : Locator
        For the customer's address (``deliver_to``).
    today : date
        The depot's local date.
    idempotency_key : str, optional
        The client's ``Idempotency-Key``; a ``deliver_to.external_id`` is idempotent too.

    Returns
    -------
    IntakeResult
        201 and ``{"pickup": ..., "parcels": [...], "order": order view or None}``.

    Raises
    ------
    InvalidInputError
        ``shop`` missing or unknown, ``date`` in the past, ``deliver_to.*`` not acceptable.
    ConflictError
        A repeat while the first is in flight.
    """
    shop = shop_for_booking(session, pickup.shop, caller)
    check_delivery_date(pickup.date, today=today, field="date")
    ready = (parse_clock(pickup.ready_from), parse_clock(pickup.ready_until))
    claims = key_claim(caller, idempotency_key, None, "pickups")
    order_in: OrderIn | None = None
    if pickup.deliver_to is not None:
        target = pickup.deliver_to
        external_id = f"{shop.ref}-{target.external_id or secrets.token_hex(8)}"
        order_in = OrderIn(
            external_id=external_id,
            delivery_date=target.delivery_date or pickup.date,
            customer=target.customer,
            address=target.address,
            windows=target.windows,
            lines=[{"shop": shop.ref, "parcels": pickup.parcels}],
        )
        if target.external_id is not None:
            claims.append(
                idempotency.Claim(
                    f"order:{OrderSource.SHOP.value}", external_id, "deliver_to.external_id"
                )
            )
        if order_in.delivery_date < pickup.date:
            raise InvalidInputError(
                "deliver_to.delivery_date", "is before the pickup date; parcels cannot go back"
            )
    if not claims:
        claims = [idempotency.Claim("pickups:unkeyed", secrets.token_hex(16), "")]
    request_fingerprint = idempotency.fingerprint(
        {"shop": shop.ref, "pickup": pickup.model_dump(mode="json")}
    )
    booked = f"pickup booked for {pickup.date} {format_clock(ready[0])}–{format_clock(ready[1])}"

    def work() -> dict[str, Any]:
        if order_in is not None:
            order = _write(
                session,
                order_in,
                source=OrderSource.SHOP,
                caller=caller,
                locator=locator,
                today=today,
                ready_s={shop.id: ready},
                pickup_booked=booked,
                field_prefix="deliver_to.",
            )
            return {"pickup": order["pickups"][0], "parcels": order["parcels"], "order": order}
        return {**_store_at_depot(session, pickup, shop, ready, caller, booked), "order": None}

    return _run_idempotent(session, claims, request_fingerprint, work)


def _store_at_depot(
    session: Session,
    pickup: PickupIn,
    shop: ShopRef,
    ready: tuple[int, int],
    caller: Caller,
    booked: str,
) -> dict[str, Any]:
    """Write a pickup of parcels to be stored at the depot (not committed); its receipt."""
    conn = session.connection()
    now = utcnow()
    pickup_id = conn.execute(
        _INSERT_PICKUP,
        {
            "shop_id": shop.id,
            "order_id": None,
            "pickup_date": pickup.date,
            "ready_from_s": ready[0],
            "ready_until_s": ready[1],
            "parcel_count": sum(p.count for p in pickup.parcels),
            "purpose": PickupPurpose.DEPOT_STORAGE,
            "status": PickupStatus.BOOKED,
            "created_by_user_id": caller.user_id,
            "created_at": now,
        },
    ).scalar_one()
    parcels = write_parcels(
        conn,
        pickup.parcels,
        shop=shop,
        links={"order_id": None, "order_line_id": None, "pickup_id": pickup_id},
        history=[
            (ParcelStatus.BOOKED, "stored at the depot"),
            (ParcelStatus.AWAITING_PICKUP, booked),
        ],
        actor=caller.actor,
        now=now,
    )
    view = handover_dict(
        pickup_id=pickup_id,
        shop=shop.ref,
        handover=Handover.PICKUP,
        day=pickup.date,
        ready_s=ready,
        purpose=PickupPurpose.DEPOT_STORAGE,
        status=PickupStatus.BOOKED,
        parcel_ids=[parcel["id"] for parcel in parcels],
    )
    return {"pickup": view, "parcels": parcels}
