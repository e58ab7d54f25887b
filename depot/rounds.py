"""Rounds as the couriers and the depot see them: read, start, report where the bike is.

A courier is bound to their rounds: any other round is "not found" to them, as if it did not
exist. The rounds of a date are those of its current plans (the latest finished version of
each kind).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from depot.errors import ConflictError, NotFoundError
from depot.fleet_contracts import PositionIn
from depot.users import Caller
from models import Bike, Plan, PlanRound, PlanStatus, Role, RoundStop, utcnow


def _visible(round_: PlanRound | None, caller: Caller) -> bool:
    if round_ is None:
        return False
    return caller.role is not Role.COURIER or round_.courier_id == caller.user_id


def get_round(*, session: Session, round_id: int, caller: Caller) -> PlanRound:
    """Round ``round_id`` with its stops and parcels.

    Raises
    ------
    NotFoundError
        ``round_id``: no such round, or (a courier) not one of theirs.
    """
    round_ = session.scalar(
        select(PlanRound)
        .where(PlanRound.id == round_id)
        .options(
            selectinload(PlanRound.plan),
            selectinload(PlanRound.bike),
            selectinload(PlanRound.stops).selectinload(RoundStop.parcels),
        )
    )
    if round_ is None or not _visible(round_, caller):
        raise NotFoundError("round_id", f"no round {round_id}")
    return round_


def current_plan_ids(plan_date: date) -> Select[int]:
    """A query of the ids of ``plan_date``'s current plans (the newest done version of each
    kind)."""
    latest = (
        select(Plan.kind, func.max(Plan.version).label("version"))
        .where(Plan.plan_date == plan_date, Plan.status == PlanStatus.DONE)
        .group_by(Plan.kind)
        .subquery()
    )
    return (
        select(Plan.id)
        .join(latest, (Plan.kind == latest.c.kind) & (Plan.version == latest.c.version))
        .where(Plan.plan_date == plan_date)
    )


def current_rounds(*, session: Session, plan_date: date, caller: Caller) -> list[PlanRound]:
    """The rounds of ``plan_date``'s current plans (a courier: only their own)."""
    query = (
        select(PlanRound)
        .where(PlanRound.plan_id.in_(current_plan_ids(plan_date)))
        .options(
            selectinload(PlanRound.plan),
            selectinload(PlanRound.bike),
            selectinload(PlanRound.stops).selectinload(RoundStop.parcels),
        )
        .order_by(PlanRound.plan_id, PlanRound.seq)
    )
    if caller.role is Role.COURIER:
        query = query.where(PlanRound.courier_id == caller.user_id)
    return list(session.scalars(query))


def start_round(*, session: Session, round_id: int, caller: Caller) -> PlanRound:
    """Mark a round started (its courier set off): a re-plan keeps its stops frozen.

    Raises
    ------
    NotFoundError
        Not visible to the caller.
    ConflictError
        ``round_id``: its plan is not the current one of its date and kind any more.
    """
    round_ = get_round(session=session, round_id=round_id, caller=caller)
    ensure_current(session=session, round_=round_)
    if not round_.started:
        round_.started, round_.started_at = True, utcnow()
        session.commit()
    return round_


def ensure_current(*, session: Session, round_: PlanRound) -> None:
    """Refuse a round whose plan is no longer the current one of its date and kind.

    Raises
    ------
    ConflictError
        ``round_id``: a newer version of the plan replaced it.
    """
    newest = session.scalar(
        select(func.max(Plan.version)).where(
            Plan.plan_date == round_.plan.plan_date,
            Plan.kind == round_.plan.kind,
            Plan.status == PlanStatus.DONE,
        )
    )
    if newest != round_.plan.version:
        raise ConflictError(
            "round_id",
            f"round {round_.id} belongs to plan version {round_.plan.version}, replaced by "
            f"version {newest}; use a round of the current plan",
        )


def report_position(
    *, session: Session, round_id: int, position: PositionIn, caller: Caller
) -> Bike:
    """Record where the round's bike is now (a re-plan sets off from there).

    Raises
    ------
    NotFoundError
        The round is not visible to the caller, or has no bike any more.
    """
    round_ = get_round(session=session, round_id=round_id, caller=caller)
    bike = round_.bike
    if bike is None:
        raise NotFoundError("round_id", f"round {round_id} has no bike any more")
    bike.last_lat, bike.last_lon, bike.last_seen_at = position.lat, position.lon, utcnow()
    session.commit()
    return bike
