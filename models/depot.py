"""The depot (opening hours, reload time), its cargo bikes and the service zones it delivers in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt
from models.enums import BikeAssist, enum_column


class Depot(Base, CreatedAt):
    """The city depot where parcels are consolidated and rounds start."""

    __tablename__ = "depots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    housenumber: Mapped[str] = mapped_column(String(32), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    reload_s: Mapped[int] = mapped_column(default=600)

    bikes: Mapped[list[Bike]] = relationship(back_populates="depot", order_by="Bike.ref")
    opening_hours: Mapped[list[DepotOpeningHours]] = relationship(
        back_populates="depot",
        cascade="all, delete-orphan",
        order_by="(DepotOpeningHours.weekday, DepotOpeningHours.open_s)",
    )


class DepotOpeningHours(Base):
    """When the depot is open on one weekday (seconds after midnight, inclusive).

    Rounds leave and come back while it is open: a courier's shift is cut to these hours.
    """

    __tablename__ = "depot_opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("open_s >= 0 AND open_s < close_s AND close_s <= 86400", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday ... 6 = Sunday
    open_s: Mapped[int]
    close_s: Mapped[int]

    depot: Mapped[Depot] = relationship(back_populates="opening_hours")


class Bike(Base, CreatedAt):
    """A cargo bike: what it carries per trip, its assist, skills and range.

    ``max_parcels`` and ``range_m`` are ``None`` when there is no such limit; ``skills`` is a
    sorted list of short words (``"cold"``, ``"trailer"``). ``last_lat``/``last_lon`` is where
    its courier last reported it (a re-plan starts the bike there).
    """

    __tablename__ = "bikes"
    __table_args__ = (
        CheckConstraint("max_weight_g > 0", name="max_weight_g"),
        CheckConstraint("max_volume_ml > 0", name="max_volume_ml"),
        CheckConstraint("max_parcels IS NULL OR max_parcels > 0", name="max_parcels"),
        CheckConstraint("range_m IS NULL OR range_m > 0", name="range_m"),
        CheckConstraint("max_trips >= 1", name="max_trips"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    max_weight_g: Mapped[int]
    max_volume_ml: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_parcels: Mapped[int | None]
    assist: Mapped[BikeAssist] = mapped_column(
        enum_column(BikeAssist, "bike_assist"), default=BikeAssist.PEDAL
    )
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    range_m: Mapped[int | None]
    max_trips: Mapped[int] = mapped_column(default=3)
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]
    last_seen_at: Mapped[datetime | None]

    depot: Mapped[Depot] = relationship(back_populates="bikes")


class ServiceZone(Base, CreatedAt):
    """A named area: served, or inside the coverage but not served (``served=False``).

    ``geometry_geojson`` is a GeoJSON Polygon or MultiPolygon, **lon-first** as GeoJSON is.
    """

    __tablename__ = "service_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    served: Mapped[bool] = mapped_column(Boolean, default=True)
    geometry_geojson: Mapped[str] = mapped_column(Text)
