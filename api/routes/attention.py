"""``/api/v1/attention``: orders depot staff must look at, and their correction."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import LocatorDep, SessionDep, TodayDep, require
from api.schemas.common import errors
from api.schemas.orders import CorrectionIn, OrderOut, OrderPage
from depot.attention import correct_order, list_attention
from depot.orders import MAX_PAGE_SIZE
from depot.users import Caller
from models import Role

router = APIRouter(prefix="/attention", tags=["attention"])

Staff = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]


@router.get("", response_model=OrderPage, responses=errors(401, 403, 422))
def get_attention(
    session: SessionDep,
    caller: Staff,
    delivery_date: Annotated[date | None, Query(alias="date")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Orders that need attention, each with its reason, oldest first."""
    items, next_cursor = list_attention(
        session=session, caller=caller, delivery_date=delivery_date, limit=limit, after_id=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/{order_id}/correction", response_model=OrderOut, responses=errors(401, 403, 404, 409, 422)
)
def post_correction(
    order_id: Annotated[int, Path(ge=1)],
    body: CorrectionIn,
    session: SessionDep,
    locator: LocatorDep,
    today: TodayDep,
    caller: Staff,
) -> dict[str, Any]:
    """Correct the address and/or delivery date; the order continues once nothing is left.

    A corrected address that is still not found or not served is refused (422) and nothing
    changes.
    """
    return correct_order(
        session=session,
        caller=caller,
        order_id=order_id,
        correction=body,
        locator=locator,
        today=today,
    )
