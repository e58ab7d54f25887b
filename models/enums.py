"""The fixed vocabularies stored in the database, as string enums.

Stored as short strings with a CHECK constraint (not native PostgreSQL enums), so adding a value
is a one-line migration on both databases.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum


class OrderSource(StrEnum):
    """Where an order came from; ``external_id`` is unique per source."""

    WEBSHOP = "webshop"
    SHOP = "shop"
    CSV = "csv"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class OrderStatus(StrEnum):
    """An order is confirmed (ready to plan) or needs a depot worker's attention first."""

    CONFIRMED = "confirmed"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"


class Handover(StrEnum):
    """How a shop's parcels reach the depot: collected by bike, or brought by the shop."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"


class PickupPurpose(StrEnum):
    """What collected parcels are for: a customer delivery, or storage at the depot."""

    DELIVERY = "delivery"
    DEPOT_STORAGE = "depot_storage"


class PickupStatus(StrEnum):
    """State of a booked pickup at a shop."""

    BOOKED = "booked"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


class ParcelStatus(StrEnum):
    """Where a parcel is in its life (see :mod:`depot.tracking` for the allowed changes)."""

    BOOKED = "booked"
    AWAITING_PICKUP = "awaiting_pickup"
    PICKED_UP = "picked_up"
    AT_DEPOT = "at_depot"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"
    RETURNED = "returned"


class Role(StrEnum):
    """What a user may do; a merchant is bound to one shop."""

    ADMIN = "admin"
    DEPOT = "depot"
    MERCHANT = "merchant"
    COURIER = "courier"
    INTEGRATION = "integration"


class BikeAssist(StrEnum):
    """How a cargo bike is powered."""

    PEDAL = "pedal"
    E_ASSIST = "e_assist"


class PlanKind(StrEnum):
    """What a plan covers: shop pickups to the depot, deliveries from it, or both (with
    same-day pickup-and-delivery pairs)."""

    COMBINED = "combined"
    PICKUPS = "pickups"
    DELIVERIES = "deliveries"


class PlanStatus(StrEnum):
    """Where a planning run is: waiting for a worker, running, or finished one way or another."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class IdempotencyState(StrEnum):
    """An idempotency record is claimed (in flight) until its answer is stored (done)."""

    IN_FLIGHT = "in_flight"
    DONE = "done"


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR column type holding ``enum``'s values, with a CHECK constraint named ``name``."""
    values: Any = lambda members: [member.value for member in members]  # noqa: E731
    length = max(len(member.value) for member in enum)
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(length, 20),
        values_callable=values,
        validate_strings=True,
    )
