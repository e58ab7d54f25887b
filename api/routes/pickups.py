"""``/api/v1/pickups``: a shop books parcels for collection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import LocatorDep, SessionDep, TodayDep, require
from api.responses import intake_response
from api.routes.orders import IdempotencyKey
from api.schemas.common import errors
from api.schemas.pickups import PickupBookingOut, PickupIn
from depot.intake import book_pickup
from depot.users import Caller
from models import Role

router = APIRouter(prefix="/pickups", tags=["pickups"])


@router.post(
    "", status_code=201, response_model=PickupBookingOut, responses=errors(401, 403, 409, 413, 422)
)
def post_pickup(
    body: PickupIn,
    session: SessionDep,
    locator: LocatorDep,
    today: TodayDep,
    caller: Annotated[Caller, Depends(require(Role.MERCHANT, Role.ADMIN, Role.DEPOT))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Book N parcels ready at a shop from/until, for a customer or for storage at the depot.

    A merchant books for their own shop (``shop`` may be left out); another shop is unknown to
    them. With an ``Idempotency-Key`` a repeat gets the first answer.
    """
    result = book_pickup(
        session=session,
        pickup=body,
        caller=caller,
        locator=locator,
        today=today,
        idempotency_key=idempotency_key,
    )
    return intake_response(result.status_code, result.body, replayed=result.replayed)
