"""Parcel status: the allowed changes, the history they leave, labels, and public tracking.

booked → awaiting pickup → picked up → at depot → out for delivery → delivered / failed /
returned. A parcel a shop brings to the depot itself goes from booked straight to at depot; one
scanned in at the depot while still awaiting pickup (the bike's pickup was not recorded on the
way) goes straight to at depot too; a failed delivery goes back to the depot, out again, or is
returned. Every change is a :class:`~models.ParcelEvent` with its time, actor and reason.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.contracts import format_clock
from depot.errors import ConflictError, NotFoundError
from models import Order, Parcel, ParcelEvent, ParcelStatus, utcnow

S = ParcelStatus
#: Which status may follow which.
TRANSITIONS: dict[ParcelStatus, frozenset[ParcelStatus]] = {
    S.BOOKED: frozenset({S.AWAITING_PICKUP, S.AT_DEPOT, S.RETURNED}),
    S.AWAITING_PICKUP: frozenset({S.PICKED_UP, S.AT_DEPOT, S.RETURNED}),
    S.PICKED_UP: frozenset({S.AT_DEPOT}),
    S.AT_DEPOT: frozenset({S.OUT_FOR_DELIVERY, S.RETURNED}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.FAILED}),
    S.FAILED: frozenset({S.AT_DEPOT, S.OUT_FOR_DELIVERY, S.RETURNED}),
    S.DELIVERED: frozenset(),
    S.RETURNED: frozenset(),
}

#: What each status means to a customer reading the tracking page.
STATUS_TEXT: dict[ParcelStatus, str] = {
    S.BOOKED: "Booked: the shop is preparing your parcel",
    S.AWAITING_PICKUP: "Ready at the shop, waiting for the cargo bike",
    S.PICKED_UP: "Collected from the shop by cargo bike",
    S.AT_DEPOT: "At the city depot",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.DELIVERED: "Delivered",
    S.FAILED: "Delivery attempt failed",
    S.RETURNED: "Returned to the shop",
}

_LABEL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_label_code() -> str:
    """A parcel label code, ``BK-XXXX-XXXX-XXXX`` (60 random bits, unambiguous letters)."""
    bits = secrets.randbits(60)
    chars = "".join(_LABEL_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
    return f"BK-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def new_tracking_token() -> str:
    """A public tracking token: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def change_status(
    parcel: Parcel,
    status: ParcelStatus,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> ParcelEvent:
    """Move ``parcel`` to ``status`` and record the change (not committed).

    Parameters
    ----------
    parcel : Parcel
    status : ParcelStatus
    actor : str
        Who made the change (``"courier:Mads (user 4)"``).
    reason : str, optional
        Why, when it is worth saying (always for failed and returned).
    at : datetime, optional
        When (timezone-aware); now by default.

    Returns
    -------
    ParcelEvent

    Raises
    ------
    ConflictError
        ``status``: the change is not allowed from the parcel's current status.
    """
    if status not in TRANSITIONS[parcel.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[parcel.status])) or "nothing"
        raise ConflictError(
            "status",
            f"parcel {parcel.label_code} is {parcel.status.value}; it can become {allowed}, "
            f"not {status.value}",
        )
    parcel.status = status
    event = ParcelEvent(status=status, actor=actor, reason=reason, at=at or utcnow())
    parcel.events.append(event)
    return event


def first_event(parcel: Parcel, *, actor: str, reason: str | None) -> None:
    """Record a new parcel's ``booked`` status in its history (not committed)."""
    parcel.status = ParcelStatus.BOOKED
    parcel.events.append(ParcelEvent(status=ParcelStatus.BOOKED, actor=actor, reason=reason))


def history_view(parcel: Parcel, *, with_actor: bool) -> list[dict[str, Any]]:
    """The parcel's history, oldest first; actors only for staff and merchants."""
    rows = []
    for event in parcel.events:
        row: dict[str, Any] = {
            "status": event.status.value,
            "at": event.at.isoformat(),
            "reason": event.reason,
        }
        if with_actor:
            row["actor"] = event.actor
        rows.append(row)
    return rows


def track_parcel(*, session: Session, token: str) -> dict[str, Any]:
    """What the public tracking page shows for one parcel: that parcel only.

    No customer name, address or other parcel is shown: whoever holds the token (it is printed
    on the label) sees the status, the delivery date and windows, and the history.

    Parameters
    ----------
    session : Session
    token : str
        The parcel's tracking token.

    Returns
    -------
    dict
        ``label_code``, ``status``, ``status_text``, ``delivery_date``, ``windows``, ``history``.

    Raises
    ------
    NotFoundError
        No parcel has this token.
    """
    parcel = None
    if 16 <= len(token) <= 64:
        parcel = session.scalar(
            select(Parcel)
            .where(Parcel.tracking_token == token)
            .options(selectinload(Parcel.events))
        )
    if parcel is None:
        raise NotFoundError("token", "no parcel has this tracking code; check the link")
    order = session.get(Order, parcel.order_id) if parcel.order_id is not None else None
    return {
        "label_code": parcel.label_code,
        "status": parcel.status.value,
        "status_text": STATUS_TEXT[parcel.status],
        "delivery_date": order.delivery_date.isoformat() if order else None,
        "windows": [
            {"start": format_clock(w.start_s), "end": format_clock(w.end_s)}
            for w in (order.windows if order else [])
        ],
        "history": [
            {
                "status": row["status"],
                "text": STATUS_TEXT[ParcelStatus(row["status"])],
                "at": row["at"],
            }
            for row in history_view(parcel, with_actor=False)
        ],
    }
