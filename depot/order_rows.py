"""A new order's rows, written with one statement per table, and its receipt.

Every order that comes in passes here (:func:`depot.intake.create_order`, a pickup booked for a
customer), so the rows are written with SQLAlchemy Core rather than the ORM's unit of work:
one INSERT per table for the whole order (all its parcels in one statement, their ids returned
in the order given), and the receipt is built from what was written instead of being read back.
It is what :func:`depot.orders.order_view` shows of the stored order.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError

from depot.contracts import AddressIn, OrderIn, ParcelIn
from depot.errors import ConflictError
from depot.locate import Location
from depot.orders import address_dict, handover_dict, order_dict, parcel_dict
from depot.shops import ShopRef
from depot.tracking import new_label_code, new_tracking_token
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
    ParcelEvent,
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
_PARCELS = _table(Parcel)
_INSERT_CUSTOMER = insert(_CUSTOMERS).returning(_CUSTOMERS.c.id)
_INSERT_ADDRESS = insert(_ADDRESSES).returning(_ADDRESSES.c.id)
_INSERT_ORDER = insert(_ORDERS).returning(_ORDERS.c.id)
_INSERT_WINDOWS = insert(_table(OrderWindow))
_INSERT_PICKUPS = insert(_PICKUPS).returning(_PICKUPS.c.id, sort_by_parameter_order=True)
_INSERT_LINES = insert(_LINES).returning(_LINES.c.id, sort_by_parameter_order=True)
_INSERT_PARCELS = insert(_PARCELS).returning(_PARCELS.c.id, sort_by_parameter_order=True)
_INSERT_EVENTS = insert(_table(ParcelEvent))


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


def write_parcels(
    conn: Connection,
    specs: list[ParcelIn],
    *,
    shop: ShopRef,
    links: dict[str, int | None],
    history: list[tuple[ParcelStatus, str]],
    actor: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Insert ``count`` labelled parcels per spec with their status history; their receipts.

    Parameters
    ----------
    conn : Connection
        In the caller's transaction (not committed here).
    specs : list of ParcelIn
    shop : ShopRef
    links : dict
        ``order_id``, ``order_line_id``, ``pickup_id`` (each may be ``None``).
    history : list of (ParcelStatus, str)
        The statuses the parcels go through now, with the reason of each; the last is theirs.
    actor : str
        Who is named in the history.
    now : datetime
        Timezone-aware; the time of every row.
    """
    return write_parcel_groups(conn, [(specs, shop, links)], history=history, actor=actor, now=now)[
        0
    ]


def write_parcel_groups(
    conn: Connection,
    groups: list[tuple[list[ParcelIn], ShopRef, dict[str, int | None]]],
    *,
    history: list[tuple[ParcelStatus, str]],
    actor: str,
    now: datetime,
) -> list[list[dict[str, Any]]]:
    """:func:`write_parcels` for several groups (an order's lines) in one statement per table;
    the receipts per group, in the order given."""
    status = history[-1][0]
    rows: list[dict[str, Any]] = []
    owners: list[int] = []
    for number, (specs, shop, links) in enumerate(groups):
        for spec in specs:
            for _ in range(spec.count):
                owners.append(number)
                rows.append(
                    {
                        "order_id": links.get("order_id"),
                        "order_line_id": links.get("order_line_id"),
                        "pickup_id": links.get("pickup_id"),
                        "shop_id": shop.id,
                        "weight_g": spec.weight_g,
                        "volume_ml": spec.volume_ml,
                        "label_code": new_label_code(),
                        "tracking_token": new_tracking_token(),
                        "status": status,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    ids = list(conn.execute(_INSERT_PARCELS, rows).scalars())
    conn.execute(
        _INSERT_EVENTS,
        [
            {"parcel_id": parcel_id, "status": event, "at": now, "actor": actor, "reason": reason}
            for parcel_id in ids
            for event, reason in history
        ],
    )
    receipts: list[list[dict[str, Any]]] = [[] for _ in groups]
    for number, parcel_id, row in zip(owners, ids, rows, strict=True):
        receipts[number].append(
            parcel_dict(
                parcel_id=parcel_id,
                shop=groups[number][1].ref,
                label_code=row["label_code"],
                tracking_token=row["tracking_token"],
                weight_g=row["weight_g"],
                volume_ml=row["volume_ml"],
                status=status,
            )
        )
    return receipts


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
    customer_id = conn.execute(_INSERT_CUSTOMER, {**customer, "created_at": now}).scalar_one()
    address = _address_fields(order.address, location)
    address_id = conn.execute(
        _INSERT_ADDRESS,
        {
            **address,
            "customer_id": customer_id,
            "geocode_score": location.score,
            "created_at": now,
        },
    ).scalar_one()
    try:
        order_id = conn.execute(
            _INSERT_ORDER,
            {
                "source": source,
                "external_id": order.external_id,
                "customer_id": customer_id,
                "address_id": address_id,
                "delivery_date": order.delivery_date,
                "status": status,
                "attention_reason": attention_reason,
                "created_by_user_id": caller.user_id,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
    except IntegrityError as exc:
        if "external_id" in str(exc.orig) or "uq_orders" in str(exc.orig):
            raise ConflictError(
                f"{field_prefix}external_id",
                f"an order '{order.external_id}' from {source.value} already exists",
            ) from None
        raise
    windows_s = sorted((w.start_s, w.end_s) for w in order.windows)
    conn.execute(
        _INSERT_WINDOWS,
        [{"order_id": order_id, "start_s": start, "end_s": end} for start, end in windows_s],
    )
    pickup_lines = [n for n, line in enumerate(order.lines) if line.handover is Handover.PICKUP]
    pickup_ids: dict[int, int] = {}
    if pickup_lines:
        rows = []
        for n in pickup_lines:
            window = windows[n]
            rows.append(
                {
                    "shop_id": shops[n].id,
                    "order_id": order_id,
                    "pickup_date": order.delivery_date,
                    "ready_from_s": window[0] if window else None,
                    "ready_until_s": window[1] if window else None,
                    "parcel_count": sum(p.count for p in order.lines[n].parcels),
                    "purpose": PickupPurpose.DELIVERY,
                    "status": PickupStatus.BOOKED,
                    "created_by_user_id": caller.user_id,
                    "created_at": now,
                }
            )
        ids = conn.execute(_INSERT_PICKUPS, rows).scalars()
        pickup_ids = dict(zip(pickup_lines, ids, strict=True))
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
    history = [(ParcelStatus.BOOKED, f"order {order.external_id} from {source.value}")]
    if pickup_booked is not None:
        history.append((ParcelStatus.AWAITING_PICKUP, pickup_booked))
    groups = [
        (
            line.parcels,
            shop,
            {"order_id": order_id, "order_line_id": line_ids[n], "pickup_id": pickup_ids.get(n)},
        )
        for n, (line, shop) in enumerate(zip(order.lines, shops, strict=True))
    ]
    receipts = write_parcel_groups(conn, groups, history=history, actor=caller.actor, now=now)
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
