"""Orders that need a depot worker's attention, and their correction.

An order is kept ``needs_attention`` when its address was not found, is uncertain or not served,
or a shop cannot be collected from on the delivery date. The worker corrects the address or the
date; the order is checked again as a whole and continues (``confirmed``) once nothing is left.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from depot.contracts import CorrectionIn
from depot.errors import ConflictError, InvalidInputError
from depot.intake import address_row, check_delivery_date, locate_address
from depot.locate import Locator
from depot.order_rows import no_pickup_window_reason, pickup_window_s
from depot.orders import get_order, list_orders, order_view
from depot.users import Caller
from models import Handover, Order, OrderStatus


def list_attention(
    *,
    session: Session,
    caller: Caller,
    delivery_date: date | None = None,
    limit: int = 50,
    after_id: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Orders that need attention, oldest first, with their reason (see :func:`list_orders`)."""
    return list_orders(
        session=session,
        caller=caller,
        delivery_date=delivery_date,
        status=OrderStatus.NEEDS_ATTENTION,
        limit=limit,
        after_id=after_id,
    )


def _remaining_problems(order: Order, locator: Locator) -> list[str]:
    """What still stops the order, checked afresh: its address, then each pickup's window."""
    problems: list[str] = []
    address = order.address
    if address.lat is not None and address.lon is not None:
        location = locator.check_point(address.lat, address.lon)
    else:
        query = ", ".join(
            part
            for part in (
                f"{address.street} {address.housenumber}".strip(),
                f"{address.postcode} {address.city}".strip(),
            )
            if part
        )
        location = locator.locate_text(query)
    if location.problem:
        problems.append(location.problem)
    for line in order.lines:
        pickup = line.pickup
        if line.handover is Handover.PICKUP and pickup is not None and pickup.ready_from_s is None:
            problems.append(no_pickup_window_reason(line.shop, order.delivery_date))
    return problems


def correct_order(
    *,
    session: Session,
    caller: Caller,
    order_id: int,
    correction: CorrectionIn,
    locator: Locator,
    today: date,
) -> dict[str, Any]:
    """Apply a depot worker's correction to an order that needs attention, and commit.

    A corrected address must be found and served, or the correction is refused and nothing
    changes. A corrected date moves the pickups to that date (with the shops' windows of that
    weekday). The order is then checked as a whole: ``confirmed`` if nothing is left, still
    ``needs_attention`` with the remaining reason otherwise.

    Parameters
    ----------
    session : Session
    caller : Caller
    order_id : int
    correction : CorrectionIn
    locator : Locator
    today : date
        The depot's local date.

    Returns
    -------
    dict
        :func:`depot.orders.order_view` of the order after the correction.

    Raises
    ------
    NotFoundError
        No such order.
    ConflictError
        The order does not need attention.
    InvalidInputError
        ``address``: still not found, uncertain or not served; ``delivery_date``: in the past.
    """
    order = get_order(session=session, caller=caller, order_id=order_id)
    if order.status is not OrderStatus.NEEDS_ATTENTION:
        raise ConflictError("order_id", f"order {order_id} is {order.status.value}, not waiting")
    if correction.delivery_date is not None:
        check_delivery_date(correction.delivery_date, today=today, field="delivery_date")
    if correction.address is not None:
        location = locate_address(locator, correction.address)
        if location.problem:
            raise InvalidInputError("address", location.problem)
        order.address = address_row(order.customer, correction.address, location)
    if correction.delivery_date is not None:
        order.delivery_date = correction.delivery_date
        for line in order.lines:
            if line.pickup is None:
                continue
            window = pickup_window_s(line.shop, correction.delivery_date)
            line.pickup.pickup_date = correction.delivery_date
            line.pickup.ready_from_s = window[0] if window else None
            line.pickup.ready_until_s = window[1] if window else None
    problems = _remaining_problems(order, locator)
    order.status = OrderStatus.NEEDS_ATTENTION if problems else OrderStatus.CONFIRMED
    order.attention_reason = "; ".join(problems) if problems else None
    session.commit()
    return order_view(order, history=True)
