"""``/api/v1/orders``: take in orders (webshop integration, admin), list and read them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import StringConstraints, TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from api.body import json_body_openapi, read_json_body
from api.deps import SessionDep, authorize, depot_today, in_session, require
from api.responses import intake_response
from api.schemas.common import errors
from api.schemas.orders import OrderIn, OrderOut, OrderPage
from depot.intake import IntakeResult, create_order
from depot.orders import MAX_PAGE_SIZE, get_order, list_orders, order_view
from depot.users import Caller
from models import OrderSource, OrderStatus, Role

router = APIRouter(prefix="/orders", tags=["orders"])

Reader = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.MERCHANT))]
_KEY_DESCRIPTION = "Repeat a request safely: a repeat gets the first answer."
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=255, description=_KEY_DESCRIPTION),
]
_KEY = TypeAdapter(Annotated[str, StringConstraints(max_length=255)])
#: What FastAPI documents for ``IdempotencyKey``, and the bearer token, for a route that reads
#: its request itself.
_INTAKE_OPENAPI: dict[str, Any] = {
    "security": [{"HTTPBearer": []}],
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}],
                "description": _KEY_DESCRIPTION,
                "title": "Idempotency-Key",
            },
            "description": _KEY_DESCRIPTION,
        }
    ],
}


def _idempotency_key(request: Request) -> tuple[str | None, list[Any]]:
    """The ``Idempotency-Key`` header as ``IdempotencyKey`` reads it, or its errors."""
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None, []
    try:
        return _KEY.validate_python(value), []
    except ValidationError as exc:
        located = ("header", "Idempotency-Key")
        return None, [{**e, "loc": located + e["loc"]} for e in exc.errors(include_url=False)]


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    responses=errors(401, 403, 409, 413, 422),
    openapi_extra={**json_body_openapi(OrderIn), **_INTAKE_OPENAPI},
)
async def post_order(request: Request) -> JSONResponse:
    """Take in a webshop order: 201 with the order, its pickups, delivery and labelled parcels.

    Repeating the same ``external_id`` or ``Idempotency-Key`` returns the first answer (same
    status and body); the same id or key with another body is 422; while the first is still
    being processed, 409. An address that cannot be found or is not served is accepted: the
    order is ``needs_attention`` with the reason.

    With ``slot_hold_id`` the order uses a slot held at checkout: an expired or already used
    hold is 409, an unknown one or one held for another date, window or address is 422 (each
    naming ``slot_hold_id``), and then nothing of the order is stored.
    """
    # The busiest route reads its request itself, in FastAPI's order (malformed JSON, then
    # the token, then every field at fault), and takes the session and the rest here: the
    # parameter and dependency machinery cost the intake load run more than the work it did.
    order, body_errors = await read_json_body(request, OrderIn)
    caller = await authorize(request, Role.ADMIN, Role.INTEGRATION)
    idempotency_key, key_errors = _idempotency_key(request)
    if order is None or key_errors:
        raise RequestValidationError(key_errors + body_errors)
    state = request.app.state
    today = depot_today(state.settings)

    def take_in(session: Session) -> IntakeResult:
        return create_order(
            session=session,
            order=order,
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
