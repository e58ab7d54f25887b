"""Webshop adapters: Shopify and WooCommerce order webhooks into Bakfiets orders.

Pure functions (no database, no HTTP): a verified webhook body in, the body of
``POST /api/v1/orders`` out, or a typed error naming the field (:mod:`depot.webshop.errors`).
"""

from depot.webshop.common import AdaptedOrder, OrderBody, ShopMapping, WebshopConfig
from depot.webshop.errors import NotForDeliveryError, PayloadError, SignatureError, WebshopError

__all__ = [
    "AdaptedOrder",
    "NotForDeliveryError",
    "OrderBody",
    "PayloadError",
    "ShopMapping",
    "SignatureError",
    "WebshopConfig",
    "WebshopError",
]
