"""Delivery slots at checkout: which windows the fleet can still serve for an address.

The answer rests on the date's current delivery plan (the latest finished ``deliveries`` or
``combined`` plan) and on everything booked since: orders that came in after it and slots
held now are put into its rounds first (:mod:`depot.slot_book`, :class:`depot.slot_day.SlotDay`),
so the room they take is not sold twice; then the new address is tried in every round, per
window. Holds: :mod:`depot.slot_holds`.

No plan of the date yet: the date's bookings are put on the bikes one by one, and the answer
says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from depot.contracts import parse_clock
from depot.errors import InvalidInputError
from depot.locate import Locator
from depot.slot_book import Booked, SlotDesk, basis, clock_s, synced_day
from depot.slot_day import Goods, Window, WindowAnswer
from depot.webshop.slots import parse_time_slot
from maps.geo import Point
from maps.snap import Snap, SnapError, snap_points

__all__ = ["Booked", "SlotAnswer", "SlotDesk", "Where", "available_slots", "locate", "slot_grid"]


def slot_grid(text_value: str) -> list[Window]:
    """The windows of ``BAKFIETS_SLOT_WINDOWS`` as clock seconds (``"09:00-11:00, ..."``)."""
    windows = parse_time_slot(text_value, field="BAKFIETS_SLOT_WINDOWS")
    return [(parse_clock(w["start"]), parse_clock(w["end"])) for w in windows]


@dataclass(frozen=True)
class Where:
    """A checkout address on the map (WGS84 degrees), as the geocoder spelled it."""

    lat: float
    lon: float
    matched_address: str | None = None


def locate(*, locator: Locator, address: str | None, lat: float | None, lon: float | None) -> Where:
    """Where the goods would go: a one-line address, or ``lat`` and ``lon``.

    Raises
    ------
    InvalidInputError
        ``address``: neither or both kinds given, not found, uncertain or not served;
        ``lat``: only one of ``lat``/``lon``, or the point is not served.
    """
    if (lat is None) != (lon is None):
        raise InvalidInputError("lat", "give both lat and lon, or an address")
    if (address is None) == (lat is None):
        raise InvalidInputError("address", "give either an address or lat and lon")
    if address is not None:
        found = locator.locate_text(address)
        if found.lat is None or found.lon is None or found.problem is not None:
            raise InvalidInputError("address", found.problem or "address not found")
        return Where(found.lat, found.lon, found.matched_address)
    assert lat is not None and lon is not None
    checked = locator.check_point(lat, lon)
    if checked.problem is not None:
        raise InvalidInputError("lat", checked.problem)
    return Where(lat, lon)


@dataclass(frozen=True)
class SlotAnswer:
    """Every offered window for one address on one date, and what the answer rests on."""

    plan_date: date
    where: Where
    windows: list[WindowAnswer]
    basis: dict[str, object]


def check_date(plan_date: date, now: datetime) -> None:
    """Refuse a date before today (``now``: the depot's local time)."""
    if plan_date < now.date():
        raise InvalidInputError(
            "date", f"{plan_date.isoformat()} is in the past (today is {now.date()})"
        )


def snapped(desk: SlotDesk, where: Where) -> Snap:
    """``where`` on the bike network; refused (``address``) beyond the snap limit."""
    try:
        return snap_points(desk.graph(), [Point(where.lat, where.lon)], limit_m=desk.snap_limit_m)[
            0
        ]
    except SnapError as exc:
        raise InvalidInputError(
            "address", f"the address is too far from any way a cargo bike may use ({exc})"
        ) from None


def available_slots(
    *, session: Session, desk: SlotDesk, plan_date: date, where: Where, goods: Goods, now: datetime
) -> SlotAnswer:
    """Which of the desk's windows the fleet can still serve at ``where`` on ``plan_date``.

    Parameters
    ----------
    session : Session
    desk : SlotDesk
    plan_date : date
    where : Where
        From :func:`locate`.
    goods : Goods
        What the order would hand over.
    now : datetime
        The depot's local time (timezone-aware): today nothing new starts before it.

    Returns
    -------
    SlotAnswer

    Raises
    ------
    InvalidInputError
        ``date`` in the past, ``depot`` not set up, ``address`` beyond the snap limit.
    """
    check_date(plan_date, now)
    snap = snapped(desk, where)
    with desk.lock(plan_date):
        booked = synced_day(session=session, desk=desk, plan_date=plan_date, now=now)
        now_s = clock_s(now) if now.date() == plan_date else None
        answers = booked.day.check(snap, goods, desk.windows, now_s)
        rests_on = basis(booked, now)
    session.rollback()
    return SlotAnswer(plan_date, where, answers, rests_on)
