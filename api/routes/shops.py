"""``/api/v1/shops``: register shops (admin) and list them (a merchant sees their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import CurrentUser, LocatorDep, SessionDep, require
from api.schemas.common import errors
from api.schemas.shops import ShopIn, ShopOut
from depot.shops import list_shops, register_shop, shop_view
from depot.users import Caller
from models import Role

router = APIRouter(prefix="/shops", tags=["shops"])


@router.post("", status_code=201, response_model=ShopOut, responses=errors(401, 403, 409, 413, 422))
def create_shop(
    body: ShopIn,
    session: SessionDep,
    locator: LocatorDep,
    _caller: Annotated[Caller, Depends(require(Role.ADMIN))],
) -> dict[str, object]:
    """Register a shop. Its address must be found and inside the service area."""
    return shop_view(register_shop(session=session, shop=body, locator=locator))


@router.get("", response_model=list[ShopOut], responses=errors(401, 403))
def get_shops(
    session: SessionDep,
    caller: CurrentUser,
    _role: Annotated[
        Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.MERCHANT, Role.INTEGRATION))
    ],
) -> list[dict[str, object]]:
    """Every shop, by ref; a merchant gets only their own shop."""
    return [shop_view(shop) for shop in list_shops(session=session, caller=caller)]
