"""Holding a delivery slot at checkout for a few minutes, letting it go, and an order using it.

A hold is a row (:class:`models.SlotHold`): every API process counts it and it outlives a
restart. It is granted under a lock on its date (PostgreSQL advisory lock; SQLite's write
lock), after the date's rounds were brought up to date, and only for a window a bike can still
serve; its stop then takes that room from other shoppers until it expires, is let go, or an
order uses it (:func:`consume_hold`, in the transaction that creates the order).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from depot.day import clock
from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.slot_book import SlotDesk, clock_s, synced_day
from depot.slot_day import Extra, Goods, Window, WindowAnswer
from depot.slots import Where, check_date, snapped
from maps.geo import haversine_m
from models import SlotHold

#: An order may use a hold for an address at most this far from the held one.
HOLD_NEAR_M = 50.0


def _lock_date(session: Session, plan_date: date, now: datetime) -> None:
    """Hold the date's lock until the transaction ends (one hold granted at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_300_000 + plan_date.toordinal()}
        )
        return
    # SQLite: a write first takes the database's write lock (and clears holds long expired).
    session.execute(
        delete(SlotHold).where(
            SlotHold.consumed_at.is_(None), SlotHold.expires_at < now - timedelta(days=1)
        )
    )


def hold_slot(
    *,
    session: Session,
    desk: SlotDesk,
    plan_date: date,
    where: Where,
    goods: Goods,
    window: Window,
    now: datetime,
    user_id: int | None = None,
) -> tuple[SlotHold, WindowAnswer]:
    """Hold ``window`` at ``where`` on ``plan_date`` for the desk's hold time, and commit.

    The date is locked, the slot day brought up to date, and the window checked again: only a
    window a bike can still serve is held, and its stop then takes that room for others.

    Returns
    -------
    hold, answer
        The stored hold and where its stop fits.

    Raises
    ------
    InvalidInputError
        ``window`` not one the checkout offers; ``date`` in the past; ``address`` too far.
    ConflictError
        ``window``: no bike can serve it any more (the reason says why).
    """
    check_date(plan_date, now)
    if window not in desk.windows:
        offered = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in desk.windows)
        raise InvalidInputError(
            "window", f"{clock(window[0])}-{clock(window[1])} is not offered ({offered})"
        )
    snap = snapped(desk, where)
    with desk.lock(plan_date):
        _lock_date(session, plan_date, now)
        booked = synced_day(session=session, desk=desk, plan_date=plan_date, now=now)
        now_s = clock_s(now) if now.date() == plan_date else None
        answer = booked.day.check(snap, goods, [window], now_s)[0]
        if not answer.available:
            session.rollback()
            raise ConflictError("window", answer.reason or "no bike can serve it")
        hold = SlotHold(
            id=secrets.token_hex(16),
            plan_date=plan_date,
            start_s=window[0],
            end_s=window[1],
            lat=where.lat,
            lon=where.lon,
            address=where.matched_address,
            weight_g=goods.weight_g,
            volume_ml=goods.volume_ml,
            parcels=goods.parcels,
            expires_at=now + timedelta(seconds=desk.hold_s),
            created_by_user_id=user_id,
        )
        session.add(hold)
        session.commit()
        booked.day.place([Extra(f"hold-{hold.id}", snap, (window,), goods)], now_s)
    return hold, answer


def release_hold(*, session: Session, hold_id: str) -> None:
    """Let a hold go before it expires, and commit.

    Raises
    ------
    NotFoundError
        ``hold_id``: no such hold.
    ConflictError
        ``hold_id``: an order already used it.
    """
    hold = session.get(SlotHold, hold_id)
    if hold is None:
        raise NotFoundError("hold_id", f"no slot hold {hold_id}")
    if hold.consumed_at is not None:
        raise ConflictError("hold_id", f"order {hold.order_id} already used this hold")
    session.delete(hold)
    session.commit()


def consume_hold(
    *,
    session: Session,
    hold_id: str,
    order_id: int,
    plan_date: date,
    windows: Sequence[Window],
    lat: float | None,
    lon: float | None,
    now: datetime,
) -> SlotHold:
    """Let order ``order_id`` use hold ``hold_id`` (call it in the transaction creating the
    order, before the commit; nothing is committed here).

    The hold's row is locked first, so two orders naming one hold cannot both use it. Every
    refusal names ``slot_hold_id`` (the field of the order) and says what does not match.

    Parameters
    ----------
    windows : sequence of (start_s, end_s)
        The order's windows; one of them must cover the held window.
    lat, lon : float or None
        Where the order's address was located (``None``: not located, refused).
    now : datetime
        Timezone-aware; a hold expiring at or before it is refused.

    Raises
    ------
    ConflictError
        ``slot_hold_id``: already used by an order, or expired.
    InvalidInputError
        ``slot_hold_id``: no such hold; or held for another date, for a window none of
        ``windows`` covers, or for an address farther than :data:`HOLD_NEAR_M` (or the
        order's address was not located).
    """
    hold = session.get(SlotHold, hold_id, with_for_update=True)
    if hold is None:
        raise InvalidInputError("slot_hold_id", f"no slot hold {hold_id} (never made, or let go)")
    if hold.consumed_at is not None:
        raise ConflictError("slot_hold_id", f"order {hold.order_id} already used this hold")
    if hold.expires_at <= now:
        raise ConflictError(
            "slot_hold_id", f"the hold expired at {hold.expires_at.isoformat()}; hold a slot again"
        )
    if hold.plan_date != plan_date:
        raise InvalidInputError(
            "slot_hold_id",
            f"the hold is for {hold.plan_date.isoformat()}, the order's delivery_date is "
            f"{plan_date.isoformat()}",
        )
    held = f"{clock(hold.start_s)}-{clock(hold.end_s)}"
    place = hold.address or f"{hold.lat:.5f}, {hold.lon:.5f}"
    if not any(a <= hold.start_s and hold.end_s <= b for a, b in windows):
        asked = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in windows)
        raise InvalidInputError(
            "slot_hold_id",
            f"the hold is for {held}; none of the order's windows ({asked}) covers it",
        )
    if lat is None or lon is None:
        raise InvalidInputError(
            "slot_hold_id",
            f"the order's address was not found, so it cannot be matched to the held one ({place})",
        )
    away_m = float(haversine_m(lat, lon, hold.lat, hold.lon))
    if away_m > HOLD_NEAR_M:
        raise InvalidInputError(
            "slot_hold_id",
            f"the order's address is {away_m:.0f} m from the held one ({place}); at most "
            f"{HOLD_NEAR_M:.0f} m",
        )
    hold.consumed_at, hold.order_id = now, order_id
    session.flush()
    return hold
