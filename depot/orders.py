"""Reading orders: the views the API returns, listing by date and status, one order in full.

A merchant sees an order only if one of its lines is their shop's, and then only their own
shop's pickups and parcels; anything else is "not found" to them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.contracts import format_clock
from depot.errors import NotFoundError
from depot.tracking import history_view
from depot.users import Caller
from models import (
    Handover,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    Parcel,
    ParcelStatus,
    Pickup,
    PickupPurpose,
    PickupStatus,
)

MAX_PAGE_SIZE = 200


def handover_dict(
    *,
    pickup_id: int | None,
    shop: str,
    handover: Handover,
    day: date,
    ready_s: tuple[int | None, int | None],
    purpose: PickupPurpose,
    status: PickupStatus,
    parcel_ids: list[int],
) -> dict[str, Any]:
    """How a line reaches the depot: its pickup (``ready_s`` in seconds after local midnight,
    ``None`` without a window), or a drop-off by the shop (no pickup id)."""
    start_s, end_s = ready_s
    return {
        "id": pickup_id,
        "shop": shop,
        "handover": handover.value,
        "date": day.isoformat(),
        "ready_from": format_clock(start_s) if start_s is not None else None,
        "ready_until": format_clock(end_s) if end_s is not None else None,
        "purpose": purpose.value,
        "status": status.value,
        "parcel_ids": parcel_ids,
    }


def parcel_dict(
    *,
    parcel_id: int,
    shop: str,
    label_code: str,
    tracking_token: str,
    weight_g: int,
    volume_ml: int,
    status: ParcelStatus,
) -> dict[str, Any]:
    """A parcel: label, tracking token, goods and status."""
    return {
        "id": parcel_id,
        "shop": shop,
        "label_code": label_code,
        "tracking_token": tracking_token,
        "weight_g": weight_g,
        "volume_ml": volume_ml,
        "status": status.value,
    }


def order_dict(
    *,
    order_id: int,
    source: OrderSource,
    external_id: str,
    status: OrderStatus,
    attention_reason: str | None,
    customer: dict[str, str | None],
    delivery_date: date,
    address: dict[str, Any],
    windows_s: list[tuple[int, int]],
    handovers: list[dict[str, Any]],
    parcels: list[dict[str, Any]],
    created_at: datetime,
) -> dict[str, Any]:
    """An order as the API returns it, from its parts (windows in seconds after midnight, in
    the order they are shown)."""
    return {
        "id": order_id,
        "source": source.value,
        "external_id": external_id,
        "status": status.value,
        "attention_reason": attention_reason,
        "customer": customer,
        "delivery": {
            "date": delivery_date.isoformat(),
            "address": address,
            "windows": [
                {"start": format_clock(start_s), "end": format_clock(end_s)}
                for start_s, end_s in windows_s
            ],
            "parcel_ids": [parcel["id"] for parcel in parcels],
        },
        "pickups": handovers,
        "parcels": parcels,
        "created_at": created_at.isoformat(),
    }


def pickup_view(pickup: Pickup, parcels: list[Parcel]) -> dict[str, Any]:
    """A booked pickup with the ids of the parcels it collects."""
    return handover_dict(
        pickup_id=pickup.id,
        shop=pickup.shop.ref,
        handover=Handover.PICKUP,
        day=pickup.pickup_date,
        ready_s=(pickup.ready_from_s, pickup.ready_until_s),
        purpose=pickup.purpose,
        status=pickup.status,
        parcel_ids=[parcel.id for parcel in parcels],
    )


def parcel_view(parcel: Parcel, *, history: bool) -> dict[str, Any]:
    """A parcel: label, tracking token, goods and status (and its history when asked)."""
    view = parcel_dict(
        parcel_id=parcel.id,
        shop=parcel.shop.ref,
        label_code=parcel.label_code,
        tracking_token=parcel.tracking_token,
        weight_g=parcel.weight_g,
        volume_ml=parcel.volume_ml,
        status=parcel.status,
    )
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
                handover_dict(
                    pickup_id=None,
                    shop=line.shop.ref,
                    handover=line.handover,
                    day=order.delivery_date,
                    ready_s=(None, None),
                    purpose=PickupPurpose.DELIVERY,
                    status=PickupStatus.BOOKED,
                    parcel_ids=[parcel.id for parcel in line_parcels],
                )
            )
        parcels.extend(parcel_view(parcel, history=history) for parcel in line_parcels)
    address = order.address
    return order_dict(
        order_id=order.id,
        source=order.source,
        external_id=order.external_id,
        status=order.status,
        attention_reason=order.attention_reason,
        customer={
            "name": order.customer.name,
            "phone": order.customer.phone,
            "email": order.customer.email,
        },
        delivery_date=order.delivery_date,
        address=address_dict(
            street=address.street,
            housenumber=address.housenumber,
            postcode=address.postcode,
            city=address.city,
            lat=address.lat,
            lon=address.lon,
            matched_address=address.matched_address,
        ),
        windows_s=[(w.start_s, w.end_s) for w in order.windows],
        handovers=handovers,
        parcels=parcels,
        created_at=order.created_at,
    )


def address_dict(
    *,
    street: str,
    housenumber: str,
    postcode: str,
    city: str,
    lat: float | None,
    lon: float | None,
    matched_address: str | None,
) -> dict[str, Any]:
    """A delivery address as given, and where it was found (``lat``/``lon`` may be ``None``)."""
    return {
        "street": street,
        "housenumber": housenumber,
        "postcode": postcode,
        "city": city,
        "lat": lat,
        "lon": lon,
        "matched_address": matched_address,
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
