"""Typed errors of the webshop adapters: each names the field at fault, or why it is skipped."""

from __future__ import annotations


class WebshopError(Exception):
    """Base class of everything the webshop adapters raise."""


class SignatureError(WebshopError):
    """The webhook's HMAC signature is missing or does not match the body (HTTP 401).

    Attributes
    ----------
    header : str
        The signature header that was checked (``X-Shopify-Hmac-Sha256``).
    reason : str
        What was wrong: missing, not base64, or not matching the shared secret.
    """

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"{header}: {reason}")
        self.header = header
        self.reason = reason


class PayloadError(WebshopError):
    """A webhook payload or CSV value cannot become an order (HTTP 422).

    Attributes
    ----------
    field : str
        Where in the payload, as a path a webshop admin can find
        (``line_items[2].vendor``, ``note_attributes.Delivery-Date``).
    reason : str
        What is wrong with it, in words the admin can act on.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotForDeliveryError(WebshopError):
    """A well-formed order that Bakfiets does not deliver (pickup in store, not paid yet, ...).

    The webhook answers 200 with this reason so that the webshop does not retry it.

    Attributes
    ----------
    reason : str
        Why the order is not taken, naming the field that says so.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
