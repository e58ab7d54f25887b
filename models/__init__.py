"""SQLAlchemy tables and Alembic migrations (``models/migrations``).

Importing this package registers every table on :data:`Base.metadata`.
"""

from models.base import Base, utcnow
from models.customer import Customer, CustomerAddress
from models.depot import Bike, Depot, ServiceZone
from models.enums import (
    Handover,
    IdempotencyState,
    OrderSource,
    OrderStatus,
    ParcelStatus,
    PickupPurpose,
    PickupStatus,
    Role,
)
from models.idempotency import IdempotencyRecord
from models.order import Order, OrderLine, OrderWindow
from models.parcel import Parcel, ParcelEvent, Pickup
from models.shop import Shop, ShopPickupWindow
from models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "Base",
    "Bike",
    "Customer",
    "CustomerAddress",
    "Depot",
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
    "Role",
    "ServiceZone",
    "Shop",
    "ShopPickupWindow",
    "User",
    "utcnow",
]
