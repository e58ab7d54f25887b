"""Shops: registration (located on the bike network's service area) and listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from depot import pg_raw
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


def _check_visible(shop_id: int | None, ref: str, caller: Caller, field: str) -> None:
    """Another shop than a merchant's own is unknown to them, as is a shop that does not exist."""
    if shop_id is None or (caller.shop_id is not None and shop_id != caller.shop_id):
        raise InvalidInputError(field, f"unknown shop '{ref}'")


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
    _check_visible(shop.id if shop is not None else None, ref, caller, field)
    assert shop is not None
    return shop


@dataclass(frozen=True)
class PickupWindow:
    """A shop's pickup window on one weekday (0 = Monday), seconds after midnight, inclusive."""

    weekday: int
    start_s: int
    end_s: int


@dataclass(frozen=True)
class ShopRef:
    """What intake needs of a shop: its id, ref and pickup windows (read in one query)."""

    id: int
    ref: str
    pickup_windows: tuple[PickupWindow, ...]


_SHOP_COLUMNS = select(
    Shop.id, Shop.ref, ShopPickupWindow.weekday, ShopPickupWindow.start_s, ShopPickupWindow.end_s
).outerjoin(ShopPickupWindow, ShopPickupWindow.shop_id == Shop.id)
# Built once (each order reads its shops): executing a ready statement skips building it again.
_SHOPS_BY_REF = _SHOP_COLUMNS.where(Shop.ref.in_(bindparam("refs", expanding=True)))
_SHOP_BY_ID = _SHOP_COLUMNS.where(Shop.id == bindparam("shop_id"))


#: :data:`_SHOPS_BY_REF` on PostgreSQL, sent through psycopg (:mod:`depot.pg_raw`): every order
#: reads its shops.
_SHOPS_BY_REF_PG = (
    "SELECT s.id, s.ref, w.weekday, w.start_s, w.end_s FROM shops AS s "
    "LEFT OUTER JOIN shop_pickup_windows AS w ON w.shop_id = s.id WHERE s.ref = ANY(%(refs)s)"
)


def _shop_refs(rows: Any) -> dict[str, ShopRef]:
    """The shops in ``rows`` of ``(id, ref, weekday, start_s, end_s)`` with their pickup
    windows, by ref."""
    found: dict[str, tuple[int, list[PickupWindow]]] = {}
    for shop_id, ref, weekday, start_s, end_s in rows:
        _, windows = found.setdefault(ref, (shop_id, []))
        if weekday is not None:
            windows.append(PickupWindow(weekday, start_s, end_s))
    return {
        ref: ShopRef(shop_id, ref, tuple(sorted(windows, key=lambda w: (w.weekday, w.start_s))))
        for ref, (shop_id, windows) in found.items()
    }


def _shops_by_ref(session: Session, refs: list[str]) -> dict[str, ShopRef]:
    """The shops named in ``refs`` that exist, by ref."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return _shop_refs(pg_raw.execute(conn, _SHOPS_BY_REF_PG, {"refs": refs}))
    return _shop_refs(conn.execute(_SHOPS_BY_REF, {"refs": refs}))


def shops_for_lines(
    session: Session, refs: Sequence[str], caller: Caller, field_prefix: str = ""
) -> list[ShopRef]:
    """The shop of each order line, in order, read in one query.

    Parameters
    ----------
    session : Session
    refs : sequence of str
        Each line's shop ref.
    caller : Caller
        A merchant may only name their own shop.
    field_prefix : str
        Put before ``lines[i].shop`` in error fields (``"deliver_to."``).

    Raises
    ------
    InvalidInputError
        ``lines[i].shop``: unknown (or not the merchant's), or a second line of the same shop.
    """
    found = _shops_by_ref(session, sorted(set(refs)))
    shops: list[ShopRef] = []
    for number, ref in enumerate(refs):
        field = f"{field_prefix}lines[{number}].shop"
        shop = found.get(ref)
        _check_visible(shop.id if shop is not None else None, ref, caller, field)
        assert shop is not None
        if shop in shops:
            raise InvalidInputError(
                field,
                f"shop '{ref}' already has a line (lines[{shops.index(shop)}]); "
                "put all its parcels in one line",
            )
        shops.append(shop)
    return shops


def shop_for_booking(session: Session, ref: str | None, caller: Caller) -> ShopRef:
    """The shop a pickup booking names, or the merchant's own when ``ref`` is ``None``.

    Raises
    ------
    InvalidInputError
        ``shop``: not given by a caller without a shop, unknown (or not the merchant's), or the
        merchant's shop is gone.
    """
    if ref is not None:
        found = _shops_by_ref(session, [ref]).get(ref)
        _check_visible(found.id if found is not None else None, ref, caller, "shop")
        assert found is not None
        return found
    if caller.shop_id is None:
        raise InvalidInputError("shop", "give the ref of the shop the parcels are collected at")
    rows = session.connection().execute(_SHOP_BY_ID, {"shop_id": caller.shop_id})
    own = list(_shop_refs(rows).values())
    if not own:
        raise InvalidInputError("shop", "your shop no longer exists")
    return own[0]
