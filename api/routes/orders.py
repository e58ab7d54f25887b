"""``/api/v1/orders``: take in orders (webshop integration, admin), list and read them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep, depot_today, in_session, require
from api.responses import intake_response
from api.schemas.common import errors
from api.schemas.orders import OrderIn, OrderOut, OrderPage
from depot.intake import IntakeResult, create_order
from depot.orders import MAX_PAGE_SIZE, get_order, list_orders, order_view
from depot.users import Caller
from models import OrderSource, OrderStatus, Role

router = APIRouter(prefix="/orders", tags=["orders"])

Reader = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.MERCHANT))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Repeat a request safely: a repeat gets the first answer.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    responses=errors(401, 403, 409, 413, 422),
)
async def post_order(
    body: OrderIn,
    request: Request,
    caller: Annotated[Caller, Depends(require(Role.ADMIN, Role.INTEGRATION))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Take in a webshop order: 201 with the order, its pickups, delivery and labelled parcels.

    Repeating the same ``external_id`` or ``Idempotency-Key`` returns the first answer (same
    status and body); the same id or key with another body is 422; while the first is still
    being processed, 409. An address that cannot be found or is not served is accepted: the
    order is ``needs_attention`` with the reason.

    With ``slot_hold_id`` the order uses a slot held at checkout: an expired or already used
    hold is 409, an unknown one or one held for another date, window or address is 422 (each
    naming ``slot_hold_id``), and then nothing of the order is stored.
    """
    # The busiest route: the session and the rest are taken here rather than as dependencies
    # (each one cost the intake load run measurably).
    state = request.app.state
    today = depot_today(state.settings)

    def take_in(session: Session) -> IntakeResult:
        return create_order(
            session=session,
            order=body,
            source=OrderSource.WEBSHOP,
            caller=caller,
            locator=state.locator,
            today=today,
            idempotency_key=idempotency_key,
        )

    result = await in_session(request, take_in)
    return intake_response(result.status_code, result.body, replayed=result.replayed)


@router.get("", response_model=OrderPage, responses=errors(401, 403, 422))
def get_orders(
    session: SessionDep,
    caller: Reader,
    delivery_date: Annotated[date | None, Query(alias="date")] = None,
    status: OrderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Orders by id, filtered by delivery ``date`` and ``status``, a page at a time."""
    items, next_cursor = list_orders(
        session=session,
        caller=caller,
        delivery_date=delivery_date,
        status=status,
        limit=limit,
        after_id=cursor,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{order_id}", response_model=OrderOut, responses=errors(401, 403, 404, 422))
def get_one_order(
    order_id: Annotated[int, Path(ge=1)], session: SessionDep, caller: Reader
) -> dict[str, Any]:
    """One order with its parcels and each parcel's history (a merchant: their shop's part)."""
    order = get_order(session=session, caller=caller, order_id=order_id)
    return order_view(order, shop_id=caller.shop_id, history=True)
