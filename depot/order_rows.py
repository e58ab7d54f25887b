"""A new order's rows, written with one statement per table (on PostgreSQL all in one), and
its receipt.

Every order that comes in passes here (:func:`depot.intake.create_order`, a pickup booked for a
customer), so the rows are written with SQLAlchemy Core rather than the ORM's unit of work:
one INSERT per table for the whole order (all its parcels in one statement, their ids returned
in the order given; on PostgreSQL every table in one statement, :mod:`depot.order_rows_pg`),
and the receipt is built from what was written instead of being read back. It is what
:func:`depot.orders.order_view` shows of the stored order.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError

from depot.contracts import AddressIn, OrderIn
from depot.errors import ConflictError
from depot.locate import Location
from depot.order_rows_pg import insert_order_rows
from depot.orders import address_dict, handover_dict, order_dict
from depot.parcel_rows import ParcelGroup, parcel_receipts, parcel_rows, write_parcel_groups
from depot.shops import ShopRef
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
    ParcelStatus,
    Pickup,
    PickupPurpose,
    PickupStatus,
)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


_CUSTOMERS = _table(Customer)
_ADDRESSES = _table(CustomerAddress)
_ORDERS = _table(Order)
_PICKUPS = _table(Pickup)
_LINES = _table(OrderLine)
_INSERT_CUSTOMER = insert(_CUSTOMERS).returning(_CUSTOMERS.c.id)
_INSERT_ADDRESS = insert(_ADDRESSES).returning(_ADDRESSES.c.id)
_INSERT_ORDER = insert(_ORDERS).returning(_ORDERS.c.id)
_INSERT_WINDOWS = insert(_table(OrderWindow))
_INSERT_PICKUPS = insert(_PICKUPS).returning(_PICKUPS.c.id, sort_by_parameter_order=True)
_INSERT_LINES = insert(_LINES).returning(_LINES.c.id, sort_by_parameter_order=True)


def pickup_window_s(shop: Any, day: date) -> tuple[int, int] | None:
    """The shop's first pickup window on ``day``'s weekday (seconds), or ``None`` if it has none.

    ``shop`` is a :class:`~models.Shop` or a :class:`~depot.shops.ShopRef`. Parcels are
    collected at the first chance so they reach the depot in time to be consolidated.
    """
    windows = [w for w in shop.pickup_windows if w.weekday == day.weekday()]
    if not windows:
        return None
    first = min(windows, key=lambda w: (w.start_s, w.end_s))
    return first.start_s, first.end_s


def no_pickup_window_reason(shop: Any, day: date) -> str:
    """Why a pickup line cannot be collected on ``day``: the shop has no window that weekday."""
    weekday = calendar.day_name[day.weekday()]
    return (
        f"shop {shop.ref} has no pickup window on {weekday}s ({day.isoformat()}); "
        "move the delivery date or mark its line as drop-off"
    )


def _address_fields(address: AddressIn, location: Location) -> dict[str, Any]:
    return {
        "street": address.street or "",
        "housenumber": address.housenumber or "",
        "postcode": address.postcode or "",
        "city": address.city or "",
        "lat": location.lat,
        "lon": location.lon,
        "matched_address": location.matched_address,
    }


def write_order(
    conn: Connection,
    order: OrderIn,
    *,
    source: OrderSource,
    caller: Caller,
    shops: list[ShopRef],
    location: Location,
    now: datetime,
    ready_s: dict[int, tuple[int, int]] | None = None,
    pickup_booked: str | None = None,
    field_prefix: str = "",
) -> dict[str, Any]:
    """Insert an order, its customer, address, windows, one pickup per pickup line, and its
    labelled parcels (not committed); its receipt.

    The order needs attention (with every reason, joined by ``"; "``) when the address has a
    ``location.problem`` or a shop has no pickup window on the delivery date.

    Parameters
    ----------
    conn : Connection
        In the caller's transaction.
    order : OrderIn
    source : OrderSource
    caller : Caller
        Named in the parcels' history; its user is the orders' and pickups' creator.
    shops : list of ShopRef
        Each line's shop (:func:`depot.shops.shops_for_lines`).
    location : Location
        Where the address was found.
    now : datetime
        Timezone-aware; the creation time of every row.
    ready_s : dict, optional
        Pickup windows (seconds after midnight) by shop id that replace the shop's own.
    pickup_booked : str, optional
        The parcels are awaiting pickup (a shop's booking), for this reason; booked otherwise.
    field_prefix : str
        Before ``external_id`` in a conflict's field.

    Returns
    -------
    dict
        The receipt, as :func:`depot.orders.order_view` of the stored order.

    Raises
    ------
    ConflictError
        ``external_id``: an order with this id from ``source`` is stored already.
    """
    problems = [location.problem] if location.problem else []
    windows: list[tuple[int, int] | None] = []
    for line, shop in zip(order.lines, shops, strict=True):
        window = None
        if line.handover is Handover.PICKUP:
            window = (ready_s or {}).get(shop.id) or pickup_window_s(shop, order.delivery_date)
            if window is None:
                problems.append(no_pickup_window_reason(shop, order.delivery_date))
        windows.append(window)
    status = OrderStatus.NEEDS_ATTENTION if problems else OrderStatus.CONFIRMED
    attention_reason = "; ".join(problems) if problems else None
    customer = {
        "name": order.customer.name,
        "phone": order.customer.phone or None,
        "email": order.customer.email,
    }
    address = _address_fields(order.address, location)
    windows_s = sorted((w.start_s, w.end_s) for w in order.windows)
    pickup_lines = [n for n, line in enumerate(order.lines) if line.handover is Handover.PICKUP]
    pickups = [
        {
            "shop_id": shops[n].id,
            "pickup_date": order.delivery_date,
            "ready_from_s": window[0] if window else None,
            "ready_until_s": window[1] if window else None,
            "parcel_count": sum(p.count for p in order.lines[n].parcels),
            "purpose": PickupPurpose.DELIVERY,
            "status": PickupStatus.BOOKED,
            "created_by_user_id": caller.user_id,
            "created_at": now,
        }
        for n in pickup_lines
        for window in [windows[n]]
    ]
    history = [(ParcelStatus.BOOKED, f"order {order.external_id} from {source.value}")]
    if pickup_booked is not None:
        history.append((ParcelStatus.AWAITING_PICKUP, pickup_booked))
    order_row = {
        "source": source,
        "external_id": order.external_id,
        "delivery_date": order.delivery_date,
        "status": status,
        "attention_reason": attention_reason,
        "created_by_user_id": caller.user_id,
        "created_at": now,
        "updated_at": now,
    }
    new = _NewOrder(
        order, shops, customer, address, location, order_row, windows_s, pickups, pickup_lines,
        history, caller.actor, now,
    )  # fmt: skip
    try:
        if conn.dialect.name == "postgresql":
            order_id, pickup_ids, receipts = _insert_in_one(conn, new)
        else:
            order_id, pickup_ids, receipts = _insert_per_table(conn, new)
    except IntegrityError as exc:
        if "external_id" in str(exc.orig) or "uq_orders" in str(exc.orig):
            raise ConflictError(
                f"{field_prefix}external_id",
                f"an order '{order.external_id}' from {source.value} already exists",
            ) from None
        raise
    handovers = [
        handover_dict(
            pickup_id=pickup_ids.get(n),
            shop=shop.ref,
            handover=line.handover,
            day=order.delivery_date,
            ready_s=windows[n] or (None, None),
            purpose=PickupPurpose.DELIVERY,
            status=PickupStatus.BOOKED,
            parcel_ids=[parcel["id"] for parcel in receipts[n]],
        )
        for n, (line, shop) in enumerate(zip(order.lines, shops, strict=True))
    ]
    return order_dict(
        order_id=order_id,
        source=source,
        external_id=order.external_id,
        status=status,
        attention_reason=attention_reason,
        customer=customer,
        delivery_date=order.delivery_date,
        address=address_dict(**address),
        windows_s=windows_s,
        handovers=handovers,
        parcels=[parcel for group in receipts for parcel in group],
        created_at=now,
    )


class _NewOrder(NamedTuple):
    """What :func:`write_order` worked out, for the statements that store it."""

    order: OrderIn
    shops: list[ShopRef]
    customer: dict[str, Any]
    address: dict[str, Any]
    location: Location
    order_row: dict[str, Any]
    windows_s: list[tuple[int, int]]
    pickups: list[dict[str, Any]]
    pickup_lines: list[int]
    history: list[tuple[ParcelStatus, str]]
    actor: str
    now: datetime


def _insert_per_table(
    conn: Connection, new: _NewOrder
) -> tuple[int, dict[int, int], list[list[dict[str, Any]]]]:
    """The order's rows with one INSERT per table (any database): its id, the pickup id of
    each pickup line (by line number) and the parcel receipts per line."""
    order, shops, customer, address, location, order_row = new[:6]
    windows_s, pickups, pickup_lines, history, actor, now = new[6:]
    customer_id = conn.execute(_INSERT_CUSTOMER, {**customer, "created_at": now}).scalar_one()
    address_id = conn.execute(
        _INSERT_ADDRESS,
        {
            **address,
            "customer_id": customer_id,
            "geocode_score": location.score,
            "created_at": now,
        },
    ).scalar_one()
    order_id = conn.execute(
        _INSERT_ORDER, {**order_row, "customer_id": customer_id, "address_id": address_id}
    ).scalar_one()
    conn.execute(
        _INSERT_WINDOWS,
        [{"order_id": order_id, "start_s": start, "end_s": end} for start, end in windows_s],
    )
    pickup_ids: dict[int, int] = {}
    if pickups:
        ids = conn.execute(_INSERT_PICKUPS, [{**row, "order_id": order_id} for row in pickups])
        pickup_ids = dict(zip(pickup_lines, ids.scalars(), strict=True))
    line_ids = list(
        conn.execute(
            _INSERT_LINES,
            [
                {
                    "order_id": order_id,
                    "shop_id": shop.id,
                    "handover": line.handover,
                    "pickup_id": pickup_ids.get(n),
                }
                for n, (line, shop) in enumerate(zip(order.lines, shops, strict=True))
            ],
        ).scalars()
    )
    groups: list[ParcelGroup] = [
        (
            line.parcels,
            shop,
            {"order_id": order_id, "order_line_id": line_ids[n], "pickup_id": pickup_ids.get(n)},
        )
        for n, (line, shop) in enumerate(zip(order.lines, shops, strict=True))
    ]
    receipts = write_parcel_groups(conn, groups, history=history, actor=actor, now=now)
    return order_id, pickup_ids, receipts


def _insert_in_one(
    conn: Connection, new: _NewOrder
) -> tuple[int, dict[int, int], list[list[dict[str, Any]]]]:
    """:func:`_insert_per_table` in one statement (PostgreSQL, :mod:`depot.order_rows_pg`)."""
    order, shops, customer, address, location, order_row = new[:6]
    windows_s, pickups, pickup_lines, history, actor, now = new[6:]
    status = history[-1][0]
    groups: list[ParcelGroup] = [
        (line.parcels, shop, {}) for line, shop in zip(order.lines, shops, strict=True)
    ]
    rows, owners = parcel_rows(groups, status=status, now=now)
    ids = insert_order_rows(
        conn,
        order={
            "source": order_row["source"].value,
            "external_id": order_row["external_id"],
            "delivery_date": order_row["delivery_date"],
            "status": order_row["status"].value,
            "attention_reason": order_row["attention_reason"],
            "user_id": order_row["created_by_user_id"],
        },
        customer=customer,
        address={**address, "geocode_score": location.score},
        windows_s=windows_s,
        pickups=[
            {**row, "purpose": row["purpose"].value, "status": row["status"].value}
            for row in pickups
        ],
        lines=[
            {"shop_id": shop.id, "handover": line.handover.value}
            for line, shop in zip(order.lines, shops, strict=True)
        ],
        parcels=[{**row, "status": status.value} for row in rows],
        history=[(event.value, reason) for event, reason in history],
        actor=actor,
        now=now,
    )
    pickup_ids = {n: ids.pickup_by_shop[shops[n].id] for n in pickup_lines}
    parcel_ids = [ids.parcel_by_label[row["label_code"]] for row in rows]
    return ids.order_id, pickup_ids, parcel_receipts(groups, owners, parcel_ids, rows, status)
