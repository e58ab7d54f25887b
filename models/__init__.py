"""SQLAlchemy tables and Alembic migrations (``models/migrations``).

Importing this package registers every table on :data:`Base.metadata`.
"""

from models.base import Base, utcnow
from models.courier import CourierBreak, CourierShift
from models.customer import Customer, CustomerAddress
from models.depot import Bike, Depot, DepotOpeningHours, ServiceZone
from models.enums import (
    BikeAssist,
    Handover,
    IdempotencyState,
    OrderSource,
    OrderStatus,
    ParcelStatus,
    PickupPurpose,
    PickupStatus,
    PlanKind,
    PlanStatus,
    Role,
)
from models.idempotency import IdempotencyRecord
from models.order import Order, OrderLine, OrderWindow
from models.parcel import Parcel, ParcelEvent, Pickup
from models.plan import Plan, PlanPart, PlanRound, PlanUnassigned, RoundStop
from models.shop import Shop, ShopPickupWindow
from models.slot_hold import SlotHold
from models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "Base",
    "Bike",
    "BikeAssist",
    "CourierBreak",
    "CourierShift",
    "Customer",
    "CustomerAddress",
    "Depot",
    "DepotOpeningHours",
    "Handover",
    "IdempotencyRecord",
    "IdempotencyState",
    "Order",
    "OrderLine",
    "OrderSource",
    "OrderStatus",
    "OrderWindow",
    "Parcel",
    "ParcelEvent",
    "ParcelStatus",
    "Pickup",
    "PickupPurpose",
    "PickupStatus",
    "Plan",
    "PlanKind",
    "PlanPart",
    "PlanRound",
    "PlanStatus",
    "PlanUnassigned",
    "Role",
    "RoundStop",
    "ServiceZone",
    "Shop",
    "ShopPickupWindow",
    "SlotHold",
    "User",
    "utcnow",
]
