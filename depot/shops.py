"""Shops: registration (located on the bike network's service area) and listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from depot.contracts import ShopIn, format_clock
from depot.errors import ConflictError, InvalidInputError
from depot.locate import Locator
from depot.users import Caller
from models import Shop, ShopPickupWindow


def shop_view(shop: Shop) -> dict[str, Any]:
    """A shop as the API shows it (pickup windows per weekday, 0 = Monday)."""
    return {
        "id": shop.id,
        "ref": shop.ref,
        "name": shop.name,
        "address": {
            "street": shop.street,
            "housenumber": shop.housenumber,
            "postcode": shop.postcode,
            "city": shop.city,
        },
        "lat": shop.lat,
        "lon": shop.lon,
        "matched_address": shop.matched_address,
        "pickup_windows": [
            {"weekday": w.weekday, "start": format_clock(w.start_s), "end": format_clock(w.end_s)}
            for w in shop.pickup_windows
        ],
    }


def register_shop(*, session: Session, shop: ShopIn, locator: Locator) -> Shop:
    """Register a shop where bikes can collect, and commit.

    The address is geocoded unless ``lat``/``lon`` are given; either way the location must be
    inside the service area, since a bike has to reach it.

    Parameters
    ----------
    session : Session
    shop : ShopIn
    locator : Locator

    Returns
    -------
    Shop

    Raises
    ------
    ConflictError
        ``ref``: another shop already has it.
    InvalidInputError
        ``address`` (or ``lat``): not found, uncertain, or outside the service area.
    """
    if session.scalar(select(Shop.id).where(Shop.ref == shop.ref)) is not None:
        raise ConflictError("ref", f"a shop '{shop.ref}' already exists")
    if shop.lat is not None and shop.lon is not None:
        location = locator.check_point(shop.lat, shop.lon)
        field = "lat"
    else:
        location = locator.locate_text(shop.address.query())
        field = "address"
    if location.problem or location.lat is None or location.lon is None:
        raise InvalidInputError(field, location.problem or "could not be located")
    row = Shop(
        ref=shop.ref,
        name=shop.name,
        street=shop.address.street or "",
        housenumber=shop.address.housenumber or "",
        postcode=shop.address.postcode or "",
        city=shop.address.city or "",
        lat=location.lat,
        lon=location.lon,
        matched_address=location.matched_address,
    )
    for window in shop.pickup_windows:
        for weekday in sorted(set(window.weekdays)):
            row.pickup_windows.append(
                ShopPickupWindow(weekday=weekday, start_s=window.start_s, end_s=window.end_s)
            )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError("ref", f"a shop '{shop.ref}' already exists") from None
    return row


def list_shops(*, session: Session, caller: Caller) -> list[Shop]:
    """Every shop by ref; a merchant sees only their own."""
    query = select(Shop).options(selectinload(Shop.pickup_windows)).order_by(Shop.ref)
    if caller.shop_id is not None:
        query = query.where(Shop.id == caller.shop_id)
    return list(session.scalars(query))


def shop_for_line(session: Session, ref: str, caller: Caller, field: str) -> Shop:
    """The shop a line or booking names; another shop than a merchant's own is unknown to them.

    Raises
    ------
    InvalidInputError
        ``field``: no such shop (or not the merchant's).
    """
    shop = session.scalar(
        select(Shop).where(Shop.ref == ref).options(selectinload(Shop.pickup_windows))
    )
    if shop is None or (caller.shop_id is not None and shop.id != caller.shop_id):
        raise InvalidInputError(field, f"unknown shop '{ref}'")
    return shop
