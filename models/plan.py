"""Plans of a date: versions, their progress, and (once done) rounds, stops and the unassigned.

A plan row is created ``queued``; a worker moves it to ``running`` and writes progress to it.
Its rounds and unassigned stops are written in the same transaction that marks it ``done``, so
a plan is never seen half-written. At most one plan per date is queued or running at a time:
the partial unique index ``uq_plans_active_date`` makes the database itself refuse a second.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt
from models.depot import Bike
from models.enums import PlanKind, PlanStatus, enum_column
from models.parcel import Parcel

ACTIVE = "status IN ('queued', 'running')"


class Plan(Base, CreatedAt):
    """One planning run for ``plan_date`` (version 1, 2... per date).

    Attributes
    ----------
    stage : str
        What the run is doing (``queued``, ``reading``, ``matrix``, ``solving``, ``streets``,
        ``writing``, ``done``...).
    progress_share : float
        Share of the time limit spent so far, 0..1.
    stops_planned : int or None
        Stops in rounds so far (known once the planner has answered).
    now_s : int or None
        The clock (seconds after midnight) the plan was made from: nothing new starts before it.
    based_on_id : int or None
        The plan whose started rounds this one keeps frozen.
    attempts : int
        Times a worker started it (above 1: a worker was lost and it was run again).
    worker : str or None
        ``host:pid`` of the process running (or that ran) it.
    """

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("plan_date", "version"),
        Index(
            "uq_plans_active_date",
            "plan_date",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        CheckConstraint("time_limit_s > 0", name="time_limit_s"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_date: Mapped[date]
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind, "plan_kind"))
    version: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"))
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    progress_share: Mapped[float] = mapped_column(default=0.0)
    stops_planned: Mapped[int | None]
    time_limit_s: Mapped[int]
    now_s: Mapped[int | None]
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    rounds: Mapped[list[PlanRound]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanRound.seq"
    )
    unassigned: Mapped[list[PlanUnassigned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanUnassigned.id"
    )


class PlanRound(Base):
    """One bike's round in a plan: its courier and shift, times, distance and trips.

    ``started`` is set when the courier sets off; a later version of the plan keeps a started
    round's stops frozen.
    """

    __tablename__ = "plan_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    vehicle_ref: Mapped[str] = mapped_column(String(40))
    bike_id: Mapped[int | None] = mapped_column(ForeignKey("bikes.id", ondelete="SET NULL"))
    courier_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("courier_shifts.id", ondelete="SET NULL")
    )
    start_s: Mapped[int]
    end_s: Mapped[int]
    distance_m: Mapped[int]
    trips: Mapped[int]
    peak_load_g: Mapped[int]
    started: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    #: Courier breaks as planned: ``[[start_s, duration_s], ...]``.
    breaks: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    path_geojson: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    plan: Mapped[Plan] = relationship(back_populates="rounds")
    bike: Mapped[Bike | None] = relationship()
    stops: Mapped[list[RoundStop]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundStop.seq"
    )


round_stop_parcels = Table(
    "round_stop_parcels",
    Base.metadata,
    Column(
        "round_stop_id",
        ForeignKey("round_stops.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("parcel_id", ForeignKey("parcels.id", ondelete="CASCADE"), primary_key=True, index=True),
)

unassigned_parcels = Table(
    "unassigned_parcels",
    Base.metadata,
    Column(
        "unassigned_id",
        ForeignKey("plan_unassigned.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("parcel_id", ForeignKey("parcels.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class RoundStop(Base):
    """A call in a round, in order: a delivery, a pickup, or a reload at the depot.

    Times are local clock seconds of the plan's date: ``arrival_s`` (the ETA), ``start_s``
    (service starts, after any wait for the window), ``end_s``. ``load_after_*`` is what is on
    the bike when it leaves. ``stop_ref`` is the stop's id in the planning run.
    """

    __tablename__ = "round_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("plan_rounds.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    stop_ref: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float]
    lon: Mapped[float]
    windows: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    arrival_s: Mapped[int]
    start_s: Mapped[int]
    end_s: Mapped[int]
    load_after_g: Mapped[int]
    load_after_ml: Mapped[int]
    load_after_parcels: Mapped[int]

    round: Mapped[PlanRound] = relationship(back_populates="stops")
    parcels: Mapped[list[Parcel]] = relationship(secondary=round_stop_parcels, order_by="Parcel.id")


class PlanUnassigned(Base):
    """A stop the plan leaves out: the planner's ``code`` and a ``reason`` in plain words."""

    __tablename__ = "plan_unassigned"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    stop_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="unassigned")
    parcels: Mapped[list[Parcel]] = relationship(secondary=unassigned_parcels, order_by="Parcel.id")


class PlanPart(Base):
    """One part of a large day, planned by its own job (see :mod:`depot.plan_parts`).

    Part 0 of an attempt holds what the parts are assembled with (``payload``); parts 1..k hold
    their planning problem (``payload``) and, once solved, the planner's answer (``result``).
    Both are pickled by Bakfiets itself and read back only by Bakfiets.
    """

    __tablename__ = "plan_parts"
    __table_args__ = (UniqueConstraint("plan_id", "attempt", "part_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int]
    part_no: Mapped[int]
    parts: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="queued")
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    worker: Mapped[str | None] = mapped_column(String(200))
