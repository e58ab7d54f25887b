"""The load-out check of a round: are all its parcels on the bike before it leaves the depot?

The depot worker (or the round's courier) scans every parcel put on the bike and sends the
codes at once (``codes``; the scanner keeps the list, so a check can be sent again with more
codes). The answer sorts them out:

- ``on_bike``: parcels of the round that were scanned;
- ``missing``: parcels of the round not scanned (and not gone out already);
- ``already_left``: parcels of the round not scanned that already left the depot (sent out at
  an earlier load-out of this round, or delivered) — not missing;
- ``not_in_round``: scanned codes that are not this round's: unknown, in another round (named,
  with its bike and stop), collected at a shop during this round (those are not loaded at the
  depot), or in no round of the current plans.

"The round's parcels" are those of its delivery stops, less the ones the same round collects
at a shop (same-day pairs of a combined plan). When every one of them is on the bike, or when
depot staff (depot or admin role) say ``allow_missing``, the parcels on the bike become
"out for delivery" (``released``; ``sent_out`` names those moved by this request), each with
one history entry naming the round, its bike and (if any) the parcels missing. Sending the
same check again changes nothing and says so. A parcel on the bike that never arrived at the
depot (not scanned in) or that cannot go out (delivered, returned) refuses the release, naming
it and its status; nothing is changed then. A scanned code of another round does not stop the
release: it is named in ``not_in_round`` (take it off the bike).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depot.errors import ConflictError, ForbiddenError
from depot.rounds import ensure_current, get_round
from depot.scan import delivery_places, normalise_code, status_words
from depot.tracking import TRANSITIONS
from depot.users import Caller
from models import Parcel, ParcelEvent, ParcelStatus, PlanRound, Role, utcnow

#: Statuses a parcel may go out for delivery from (at the depot, or back from a failed attempt).
OUT_FROM = frozenset(s for s, nxt in TRANSITIONS.items() if ParcelStatus.OUT_FOR_DELIVERY in nxt)
LEFT = frozenset({ParcelStatus.OUT_FOR_DELIVERY, ParcelStatus.DELIVERED, ParcelStatus.RETURNED})
#: Roles that may send a round out with parcels missing.
MAY_ALLOW_MISSING = frozenset({Role.DEPOT, Role.ADMIN})


@dataclass(frozen=True)
class LoadItem:
    """A parcel of the round: its code, status, stop number (reloads not counted) and trip."""

    parcel_id: int
    code: str
    status: ParcelStatus
    stop_number: int
    trip: int


@dataclass(frozen=True)
class Stray:
    """A scanned code that is not one of the round's parcels, and why."""

    code: str
    parcel_id: int | None
    round_id: int | None
    reason: str


@dataclass
class LoadOut:
    """The answer of a load-out check (see the module docstring)."""

    round_id: int
    vehicle: str
    on_bike: list[LoadItem] = field(default_factory=list)
    missing: list[LoadItem] = field(default_factory=list)
    already_left: list[LoadItem] = field(default_factory=list)
    not_in_round: list[Stray] = field(default_factory=list)
    sent_out: list[str] = field(default_factory=list)
    released: bool = False
    message: str = ""

    @property
    def complete(self) -> bool:
        """Every parcel of the round is on the bike (or already left)."""
        return not self.missing


def round_parcels(round_: PlanRound) -> tuple[list[LoadItem], dict[int, str]]:
    """The parcels the round takes from the depot, in stop order, and those it collects at
    shops on the way (id → code)."""
    collected = {
        p.id: p.label_code for stop in round_.stops if stop.kind == "pickup" for p in stop.parcels
    }
    items, number, trip = [], 0, 1
    for stop in round_.stops:
        if stop.kind == "reload":
            trip += 1
            continue
        number += 1
        if stop.kind != "delivery":
            continue
        for p in stop.parcels:
            if p.id not in collected:
                items.append(LoadItem(p.id, p.label_code, p.status, number, trip))
    return items, collected


def check_load_out(
    *,
    session: Session,
    round_id: int,
    codes: Sequence[str],
    caller: Caller,
    allow_missing: bool = False,
    at: datetime | None = None,
) -> LoadOut:
    """Check the scanned ``codes`` against round ``round_id``; send its parcels out when all
    are on the bike (or ``allow_missing``). Committed.

    Parameters
    ----------
    session : Session
    round_id : int
    codes : sequence of str
        Label codes scanned onto the bike (case and spaces ignored; repeats count once).
    caller : Caller
        Depot staff, an admin, or the round's courier (the history's actor).
    allow_missing : bool
        Send the scanned parcels out although some are missing (depot and admin roles only).
    at : datetime, optional
        When the bike was loaded (timezone-aware); now by default.

    Returns
    -------
    LoadOut

    Raises
    ------
    ForbiddenError
        ``allow_missing``: asked by a courier.
    NotFoundError
        ``round_id``: no such round, or (a courier) not one of theirs.
    ConflictError
        ``round_id``: the round's plan was replaced by a newer version; ``codes``: a parcel on
        the bike cannot go out for delivery (not scanned in, delivered, returned).
    """
    if allow_missing and caller.role not in MAY_ALLOW_MISSING:
        raise ForbiddenError(
            "allow_missing", "only depot staff may send a round out with parcels missing"
        )
    round_ = get_round(session=session, round_id=round_id, caller=caller)
    ensure_current(session=session, round_=round_)
    expected, collected = round_parcels(round_)
    answer = LoadOut(round_id=round_.id, vehicle=round_.vehicle_ref)
    scanned = list(dict.fromkeys(normalise_code(c) for c in codes if c.strip()))
    by_code = {item.code: item for item in expected}
    answer.on_bike = [by_code[c] for c in scanned if c in by_code]
    for item in expected:
        if item.code not in scanned:
            (answer.already_left if item.status in LEFT else answer.missing).append(item)
    answer.not_in_round = _strays(
        session, [c for c in scanned if c not in by_code], collected, round_
    )
    if not expected:
        answer.message = f"round {round_.id} takes no parcels from the depot"
        return answer
    if not answer.on_bike:
        answer.message = (
            f"none of the round's {len(expected)} parcels is scanned onto the bike; "
            "nothing sent out"
            if answer.missing
            else f"all {len(expected)} parcels of round {round_.id} already left the depot"
        )
        return answer
    if answer.missing and not allow_missing:
        answer.message = (
            f"{len(answer.missing)} of {len(expected)} parcels missing: "
            f"{_codes(answer.missing)}; nothing sent out"
        )
        return answer
    answer.sent_out = _send_out(session, round_, answer, caller=caller, at=at or utcnow())
    answer.released = True
    answer.message = _release_message(answer)
    return answer


def _codes(items: Sequence[LoadItem]) -> str:
    return ", ".join(item.code for item in items)


def _strays(
    session: Session, codes: list[str], collected: dict[int, str], round_: PlanRound
) -> list[Stray]:
    if not codes:
        return []
    parcels = {
        p.label_code: p for p in session.scalars(select(Parcel).where(Parcel.label_code.in_(codes)))
    }
    places = delivery_places(session=session, parcel_ids=[p.id for p in parcels.values()])
    strays = []
    for code in codes:
        parcel = parcels.get(code)
        if parcel is None:
            strays.append(Stray(code, None, None, "no parcel has this label code"))
        elif parcel.id in collected:
            reason = "collected at its shop during this round: it is not loaded at the depot"
            strays.append(Stray(code, parcel.id, round_.id, reason))
        elif (place := places.get(parcel.id)) is not None:
            reason = (
                f"belongs to round {place.round_id} (bike {place.vehicle}, stop "
                f"{place.stop_number}): take it off this bike"
            )
            strays.append(Stray(code, parcel.id, place.round_id, reason))
        else:
            reason = f"is in no round of the current plans ({status_words(parcel.status)})"
            strays.append(Stray(code, parcel.id, None, reason))
    return strays


def _send_out(
    session: Session, round_: PlanRound, answer: LoadOut, *, caller: Caller, at: datetime
) -> list[str]:
    """Move the parcels on the bike to "out for delivery"; the codes of those moved now."""
    blocked = [
        item
        for item in answer.on_bike
        if item.status not in OUT_FROM and item.status is not ParcelStatus.OUT_FOR_DELIVERY
    ]
    if blocked:
        item = blocked[0]
        hint = "it cannot go out again" if item.status in LEFT else "scan it in at the depot first"
        raise ConflictError(
            "codes",
            f"parcel {item.code} is {status_words(item.status)}: {hint} (nothing was sent out)",
        )
    ids = [item.parcel_id for item in answer.on_bike]
    moved = set(
        session.scalars(
            update(Parcel)
            .where(Parcel.id.in_(ids), Parcel.status.in_(OUT_FROM))
            .values(status=ParcelStatus.OUT_FOR_DELIVERY, updated_at=at)
            .returning(Parcel.id)
            .execution_options(synchronize_session=False)
        )
    )
    reason = f"loaded on round {round_.id} (bike {round_.vehicle_ref}) at load-out"
    if answer.missing:
        reason += f"; missing at load-out: {_codes(answer.missing)}"
    for item in answer.on_bike:
        if item.parcel_id in moved:
            session.add(
                ParcelEvent(
                    parcel_id=item.parcel_id,
                    status=ParcelStatus.OUT_FOR_DELIVERY,
                    at=at,
                    actor=caller.actor,
                    reason=reason,
                )
            )
    session.commit()
    answer.on_bike = [
        replace(item, status=ParcelStatus.OUT_FOR_DELIVERY) if item.parcel_id in moved else item
        for item in answer.on_bike
    ]
    return [item.code for item in answer.on_bike if item.parcel_id in moved]


def _release_message(answer: LoadOut) -> str:
    done = len(answer.sent_out)
    again = len(answer.on_bike) - done
    parts = [f"{done} parcels now out for delivery"]
    if again:
        parts.append(f"{again} already out for delivery (nothing changed for them)")
    if answer.missing:
        parts.append(f"sent out with {len(answer.missing)} missing: {_codes(answer.missing)}")
    if answer.not_in_round:
        parts.append(f"take off {len(answer.not_in_round)} parcels not of this round")
    return "; ".join(parts)
