"""Orders in: the webshop's (and every adapter's) orders and the shops' pickup bookings.

:func:`create_order` is the one way an order enters Bakfiets — the API, the Shopify and
WooCommerce adapters and the CSV import all call it. Each call is idempotent on the order's
``(source, external_id)`` and on an optional idempotency key (see :mod:`depot.idempotency`),
writes everything in one transaction, and never refuses an order for its address: an address
that cannot be geocoded or is not served is kept, with the order flagged ``needs_attention`` and
the reason stated, for a depot worker to correct (:mod:`depot.attention`).
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from depot import idempotency
from depot.contracts import (
    MAX_DAYS_AHEAD,
    AddressIn,
    CustomerIn,
    OrderIn,
    ParcelIn,
    PickupIn,
    format_clock,
    parse_clock,
)
from depot.errors import ConflictError, InvalidInputError
from depot.locate import Location, Locator
from depot.orders import order_view, parcel_view, pickup_view
from depot.shops import shop_for_line
from depot.tracking import change_status, first_event, new_label_code, new_tracking_token
from depot.users import Caller
from models import (
    Customer,
    CustomerAddress,
    Handover,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderWindow,
    Parcel,
    ParcelStatus,
    Pickup,
    PickupPurpose,
    PickupStatus,
    Shop,
)

CREATED = 201


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


def pickup_window_s(shop: Shop, day: date) -> tuple[int, int] | None:
    """The shop's first pickup window on ``day``'s weekday (seconds), or ``None`` if it has none.

    Parcels are collected at the first chance so they reach the depot in time to be consolidated.
    """
    windows = [w for w in shop.pickup_windows if w.weekday == day.weekday()]
    if not windows:
        return None
    first = min(windows, key=lambda w: (w.start_s, w.end_s))
    return first.start_s, first.end_s


def no_pickup_window_reason(shop: Shop, day: date) -> str:
    """Why a pickup line cannot be collected on ``day``: the shop has no window that weekday."""
    weekday = calendar.day_name[day.weekday()]
    return (
        f"shop {shop.ref} has no pickup window on {weekday}s ({day.isoformat()}); "
        "move the delivery date or mark its line as drop-off"
    )


def _new_parcels(spec: list[ParcelIn], *, shop: Shop, caller: Caller, reason: str) -> list[Parcel]:
    parcels = []
    for item in spec:
        for _ in range(item.count):
            parcel = Parcel(
                shop=shop,
                weight_g=item.weight_g,
                volume_ml=item.volume_ml,
                label_code=new_label_code(),
                tracking_token=new_tracking_token(),
                status=ParcelStatus.BOOKED,
            )
            first_event(parcel, actor=caller.actor, reason=reason)
            parcels.append(parcel)
    return parcels


def _write_order(
    session: Session,
    order: OrderIn,
    *,
    source: OrderSource,
    caller: Caller,
    locator: Locator,
    today: date,
    ready_s: dict[int, tuple[int, int]] | None = None,
    field_prefix: str = "",
) -> Order:
    """Add an order's rows to the session and flush; raises before writing on bad input."""
    check_delivery_date(order.delivery_date, today=today, field=f"{field_prefix}delivery_date")
    shops: list[Shop] = []
    for number, line in enumerate(order.lines):
        shop = shop_for_line(session, line.shop, caller, f"{field_prefix}lines[{number}].shop")
        if shop in shops:
            first = shops.index(shop)
            raise InvalidInputError(
                f"{field_prefix}lines[{number}].shop",
                f"shop '{shop.ref}' already has a line (lines[{first}]); "
                "put all its parcels in one line",
            )
        shops.append(shop)
    location = locate_address(locator, order.address)
    problems = [location.problem] if location.problem else []
    customer = _customer(order.customer)
    address = address_row(customer, order.address, location)
    row = Order(
        source=source,
        external_id=order.external_id,
        customer=customer,
        address=address,
        delivery_date=order.delivery_date,
        status=OrderStatus.CONFIRMED,
        created_by_user_id=caller.user_id,
    )
    row.windows = [OrderWindow(start_s=w.start_s, end_s=w.end_s) for w in order.windows]
    reason = f"order {order.external_id} from {source.value}"
    for line, shop in zip(order.lines, shops, strict=True):
        line_row = OrderLine(shop=shop, handover=line.handover)
        parcels = _new_parcels(line.parcels, shop=shop, caller=caller, reason=reason)
        if line.handover is Handover.PICKUP:
            window = (ready_s or {}).get(shop.id) or pickup_window_s(shop, order.delivery_date)
            if window is None:
                problems.append(no_pickup_window_reason(shop, order.delivery_date))
            pickup = Pickup(
                shop=shop,
                order=row,
                pickup_date=order.delivery_date,
                ready_from_s=window[0] if window else None,
                ready_until_s=window[1] if window else None,
                parcel_count=len(parcels),
                purpose=PickupPurpose.DELIVERY,
                status=PickupStatus.BOOKED,
                created_by_user_id=caller.user_id,
            )
            line_row.pickup = pickup
            for parcel in parcels:
                parcel.pickup = pickup
        for parcel in parcels:
            parcel.order = row
            parcel.order_line = line_row
        row.lines.append(line_row)
        session.add_all(parcels)
    if problems:
        row.status = OrderStatus.NEEDS_ATTENTION
        row.attention_reason = "; ".join(problems)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        if "external_id" in str(exc.orig) or "uq_orders" in str(exc.orig):
            raise ConflictError(
                f"{field_prefix}external_id",
                f"an order '{order.external_id}' from {source.value} already exists",
            ) from None
        raise
    return row


def _customer(customer: CustomerIn) -> Customer:
    return Customer(name=customer.name, phone=customer.phone or None, email=customer.email)


def _run_idempotent(
    session: Session,
    claims: list[idempotency.Claim],
    payload: Any,
    work: Any,
) -> IntakeResult:
    outcome = idempotency.claim(session, claims, idempotency.fingerprint(payload))
    if isinstance(outcome, idempotency.Replay):
        return IntakeResult(outcome.status_code, outcome.body, replayed=True)
    try:
        body = work()
        idempotency.complete(session, outcome, CREATED, body)
        session.commit()
    except BaseException:
        session.rollback()
        idempotency.release(session, outcome)
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
        body); ``field`` names it.
    ConflictError
        The first request with this id or key is still in flight, or an order with this
        ``external_id`` exists from before the idempotency records were purged.
    """
    claims = [idempotency.Claim(f"order:{source.value}", order.external_id, "external_id")]
    claims += key_claim(caller, idempotency_key, idempotency_scope, "orders")
    payload = {"source": source.value, "order": order.model_dump(mode="json")}

    def work() -> dict[str, Any]:
        row = _write_order(
            session, order, source=source, caller=caller, locator=locator, today=today
        )
        return order_view(row)

    return _run_idempotent(session, claims, payload, work)


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
    if pickup.shop is None and caller.shop_id is None:
        raise InvalidInputError("shop", "give the ref of the shop the parcels are collected at")
    shop = (
        shop_for_line(session, pickup.shop, caller, "shop")
        if pickup.shop is not None
        else _own_shop(session, caller)
    )
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
    payload = {"shop": shop.ref, "pickup": pickup.model_dump(mode="json")}

    def work() -> dict[str, Any]:
        if order_in is not None:
            order = _write_order(
                session,
                order_in,
                source=OrderSource.SHOP,
                caller=caller,
                locator=locator,
                today=today,
                ready_s={shop.id: ready},
                field_prefix="deliver_to.",
            )
            line = order.lines[0]
            assert line.pickup is not None
            booked, parcels = line.pickup, list(line.parcels)
        else:
            order = None
            parcels = _new_parcels(
                pickup.parcels, shop=shop, caller=caller, reason="stored at the depot"
            )
            booked = Pickup(
                shop=shop,
                pickup_date=pickup.date,
                ready_from_s=ready[0],
                ready_until_s=ready[1],
                parcel_count=len(parcels),
                purpose=PickupPurpose.DEPOT_STORAGE,
                status=PickupStatus.BOOKED,
                created_by_user_id=caller.user_id,
            )
            for parcel in parcels:
                parcel.pickup = booked
            session.add(booked)
            session.add_all(parcels)
        for parcel in parcels:
            change_status(
                parcel,
                ParcelStatus.AWAITING_PICKUP,
                actor=caller.actor,
                reason=f"pickup booked for {pickup.date} "
                f"{format_clock(ready[0])}–{format_clock(ready[1])}",
            )
        session.flush()
        return {
            "pickup": pickup_view(booked, parcels),
            "parcels": [parcel_view(parcel, history=False) for parcel in parcels],
            "order": order_view(order) if order is not None else None,
        }

    return _run_idempotent(session, claims, payload, work)


def _own_shop(session: Session, caller: Caller) -> Shop:
    shop = session.get(Shop, caller.shop_id)
    if shop is None:
        raise InvalidInputError("shop", "your shop no longer exists")
    return shop
