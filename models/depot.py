"""The depot, its cargo bikes and the service zones it delivers in."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt


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

    bikes: Mapped[list[Bike]] = relationship(back_populates="depot", order_by="Bike.ref")


class Bike(Base, CreatedAt):
    """A cargo bike and what it carries per trip."""

    __tablename__ = "bikes"
    __table_args__ = (
        CheckConstraint("max_weight_g > 0", name="max_weight_g"),
        CheckConstraint("max_volume_ml > 0", name="max_volume_ml"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    max_weight_g: Mapped[int]
    max_volume_ml: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)

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
