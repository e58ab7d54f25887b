"""The fleet: ``/api/v1/depot``, ``/bikes``, ``/couriers`` and ``/shifts`` (set by depot staff
and admins; a courier reads their own shifts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from api.deps import LocatorDep, SessionDep, require
from api.schemas.common import errors
from api.schemas.plans import BikeIn, BikePatch, DepotIn, ShiftIn
from depot.fleet import (
    add_bike,
    bike_view,
    change_bike,
    delete_shift,
    depot_view,
    get_depot_row,
    get_shift,
    list_bikes,
    list_couriers,
    list_shifts,
    save_shift,
    set_depot,
    shift_view,
)
from depot.users import Caller
from models import Role

router = APIRouter(tags=["fleet"])
Staff = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]
StaffOrCourier = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.COURIER))]


@router.put("/depot", responses=errors(401, 403, 413, 422))
def put_depot(
    body: DepotIn, session: SessionDep, locator: LocatorDep, _caller: Staff
) -> dict[str, Any]:
    """Set the depot: its address (served by bike), opening hours and reload time."""
    return depot_view(set_depot(session=session, depot=body, locator=locator))


@router.get("/depot", responses=errors(401, 403, 404))
def get_depot(session: SessionDep, _caller: StaffOrCourier) -> dict[str, Any]:
    """The depot."""
    return depot_view(get_depot_row(session=session))


@router.post("/bikes", status_code=201, responses=errors(401, 403, 404, 409, 422))
def post_bike(body: BikeIn, session: SessionDep, _caller: Staff) -> dict[str, Any]:
    """Register a bike: capacity in kg, litres and parcels, assist, skills, range."""
    return bike_view(add_bike(session=session, bike=body))


@router.get("/bikes", responses=errors(401, 403))
def get_bikes(session: SessionDep, _caller: StaffOrCourier) -> list[dict[str, Any]]:
    """Every bike, by ref."""
    return [bike_view(b) for b in list_bikes(session=session)]


@router.patch("/bikes/{ref}", responses=errors(401, 403, 404, 422))
def patch_bike(ref: str, body: BikePatch, session: SessionDep, _caller: Staff) -> dict[str, Any]:
    """Change a bike (only the fields given)."""
    return bike_view(change_bike(session=session, ref=ref, patch=body))


@router.get("/couriers", responses=errors(401, 403))
def get_couriers(session: SessionDep, _caller: Staff) -> list[dict[str, Any]]:
    """Users with the courier role (create them with ``bakfiets users create --role courier``)."""
    return [{"id": u.id, "name": u.name} for u in list_couriers(session=session)]


@router.post("/shifts", status_code=201, responses=errors(401, 403, 404, 409, 422))
def post_shift(body: ShiftIn, session: SessionDep, _caller: Staff) -> dict[str, Any]:
    """Put a courier on a bike for a date, with their breaks."""
    return shift_view(save_shift(session=session, shift=body))


@router.put("/shifts/{shift_id}", responses=errors(401, 403, 404, 409, 422))
def put_shift(shift_id: int, body: ShiftIn, session: SessionDep, _caller: Staff) -> dict[str, Any]:
    """Replace a shift."""
    return shift_view(save_shift(session=session, shift=body, shift_id=shift_id))


@router.delete("/shifts/{shift_id}", status_code=204, responses=errors(401, 403, 404))
def remove_shift(shift_id: int, session: SessionDep, _caller: Staff) -> Response:
    """Remove a shift."""
    delete_shift(session=session, shift_id=shift_id)
    return Response(status_code=204)


@router.get("/shifts", responses=errors(401, 403, 422))
def get_shifts(
    session: SessionDep, caller: StaffOrCourier, date: date | None = None
) -> list[dict[str, Any]]:
    """Shifts (of a date); a courier gets their own."""
    return [shift_view(s) for s in list_shifts(session=session, shift_date=date, caller=caller)]


@router.get("/shifts/{shift_id}", responses=errors(401, 403, 404))
def read_shift(shift_id: int, session: SessionDep, caller: StaffOrCourier) -> dict[str, Any]:
    """One shift; a courier's own only (others are 404)."""
    return shift_view(get_shift(session=session, shift_id=shift_id, caller=caller))
