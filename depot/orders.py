"""Reading orders: the views the API returns, listing by date and status, one order in full.

A merchant sees an order only if one of its lines is their shop's, and then only their own
shop's pickups and parcels; anything else is "not found" to them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.contracts import format_clock
from depot.errors import NotFoundError
from depot.tracking import history_view
from depot.users import Caller
from models import Order, OrderLine, OrderStatus, Parcel, Pickup

MAX_PAGE_SIZE = 200


def pickup_view(pickup: Pickup, parcels: list[Parcel]) -> dict[str, Any]:
    """A booked pickup with the ids of the parcels it collects."""
    start_s, end_s = pickup.ready_from_s, pickup.ready_until_s
    return {
        "id": pickup.id,
        "shop": pickup.shop.ref,
        "handover": "pickup",
        "date": pickup.pickup_date.isoformat(),
        "ready_from": format_clock(start_s) if start_s is not None else None,
        "ready_until": format_clock(end_s) if end_s is not None else None,
        "purpose": pickup.purpose.value,
        "status": pickup.status.value,
        "parcel_ids": [parcel.id for parcel in parcels],
    }


def parcel_view(parcel: Parcel, *, history: bool) -> dict[str, Any]:
    """A parcel: label, tracking token, goods and status (and its history when asked)."""
    view: dict[str, Any] = {
        "id": parcel.id,
        "shop": parcel.shop.ref,
        "label_code": parcel.label_code,
        "tracking_token": parcel.tracking_token,
        "weight_g": parcel.weight_g,
        "volume_ml": parcel.volume_ml,
        "status": parcel.status.value,
    }
    if history:
        view["history"] = history_view(parcel, with_actor=True)
    return view


def order_view(
    order: Order, *, shop_id: int | None = None, history: bool = False
) -> dict[str, Any]:
    """An order as the API returns it: status, the consolidated delivery, one pickup (or
    drop-off) per shop line, and every parcel.

    Parameters
    ----------
    order : Order
    shop_id : int, optional
        Show only this shop's lines and parcels (a merchant's view).
    history : bool
        Include each parcel's status history.
    """
    lines = [line for line in order.lines if shop_id is None or line.shop_id == shop_id]
    handovers: list[dict[str, Any]] = []
    parcels: list[dict[str, Any]] = []
    for line in lines:
        line_parcels = list(line.parcels)
        if line.pickup is not None:
            handovers.append(pickup_view(line.pickup, line_parcels))
        else:
            handovers.append(
                {
                    "id": None,
                    "shop": line.shop.ref,
                    "handover": line.handover.value,
                    "date": order.delivery_date.isoformat(),
                    "ready_from": None,
                    "ready_until": None,
                    "purpose": "delivery",
                    "status": "booked",
                    "parcel_ids": [parcel.id for parcel in line_parcels],
                }
            )
        parcels.extend(parcel_view(parcel, history=history) for parcel in line_parcels)
    address = order.address
    return {
        "id": order.id,
        "source": order.source.value,
        "external_id": order.external_id,
        "status": order.status.value,
        "attention_reason": order.attention_reason,
        "customer": {
            "name": order.customer.name,
            "phone": order.customer.phone,
            "email": order.customer.email,
        },
        "delivery": {
            "date": order.delivery_date.isoformat(),
            "address": {
                "street": address.street,
                "housenumber": address.housenumber,
                "postcode": address.postcode,
                "city": address.city,
                "lat": address.lat,
                "lon": address.lon,
                "matched_address": address.matched_address,
            },
            "windows": [
                {"start": format_clock(w.start_s), "end": format_clock(w.end_s)}
                for w in order.windows
            ],
            "parcel_ids": [parcel["id"] for parcel in parcels],
        },
        "pickups": handovers,
        "parcels": parcels,
        "created_at": order.created_at.isoformat(),
    }


def _loaded(query: Any, *, history: bool) -> Any:
    parcel_load = selectinload(Order.lines).selectinload(OrderLine.parcels)
    if history:
        parcel_load = parcel_load.selectinload(Parcel.events)
    return query.options(
        selectinload(Order.customer),
        selectinload(Order.address),
        selectinload(Order.windows),
        parcel_load,
        selectinload(Order.lines).selectinload(OrderLine.pickup),
        selectinload(Order.lines).selectinload(OrderLine.shop),
    )


def _visible(query: Any, caller: Caller) -> Any:
    if caller.shop_id is None:
        return query
    mine = select(OrderLine.id).where(
        OrderLine.order_id == Order.id, OrderLine.shop_id == caller.shop_id
    )
    return query.where(mine.exists())


def list_orders(
    *,
    session: Session,
    caller: Caller,
    delivery_date: date | None = None,
    status: OrderStatus | None = None,
    limit: int = 50,
    after_id: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Orders in id order, filtered, one page at a time.

    Parameters
    ----------
    session : Session
    caller : Caller
        A merchant sees only orders with a line of their shop (and only that line).
    delivery_date, status : optional
        Filters.
    limit : int
        Page size, 1 to :data:`MAX_PAGE_SIZE`.
    after_id : int, optional
        The ``next_cursor`` of the previous page.

    Returns
    -------
    items : list of dict
        :func:`order_view` of each order (without history).
    next_cursor : int or None
        Pass as ``after_id`` for the next page; ``None`` on the last page.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = _visible(select(Order), caller).order_by(Order.id).limit(limit + 1)
    if delivery_date is not None:
        query = query.where(Order.delivery_date == delivery_date)
    if status is not None:
        query = query.where(Order.status == status)
    if after_id is not None:
        query = query.where(Order.id > after_id)
    orders = list(session.scalars(_loaded(query, history=False)))
    more = len(orders) > limit
    orders = orders[:limit]
    items = [order_view(order, shop_id=caller.shop_id) for order in orders]
    return items, (orders[-1].id if more and orders else None)


def get_order(*, session: Session, caller: Caller, order_id: int) -> Order:
    """One order, loaded with lines, parcels and their history.

    Raises
    ------
    NotFoundError
        No such order, or (for a merchant) none of its lines is their shop's.
    """
    query = _loaded(_visible(select(Order).where(Order.id == order_id), caller), history=True)
    order = session.scalar(query)
    if order is None:
        raise NotFoundError("order_id", f"no order {order_id}")
    return order
