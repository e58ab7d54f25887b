"""Errors raised by the depot services, each naming the field at fault.

The API maps them to status codes (:class:`InvalidInputError` 422, :class:`NotFoundError`
404, :class:`ConflictError` 409, :class:`ForbiddenError` 403); the CLI to exit status 2. The
services never speak HTTP themselves.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; ``field`` names the input at fault, ``reason`` says why.

    Parameters
    ----------
    field : str
        Path of the field in the request (``lines[0].shop``), or a header name
        (``Idempotency-Key``), or ``""`` when no single field is at fault.
    reason : str
        What is wrong, in words the caller can act on.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class InvalidInputError(ServiceError):
    """The input is well-formed but not acceptable (unknown shop, date in the past...)."""


class NotFoundError(ServiceError):
    """No such resource — or one the caller may not see (a merchant asking for another shop's)."""


class ConflictError(ServiceError):
    """The request collides with the current state (a repeat still in flight, a duplicate)."""


class ForbiddenError(ServiceError):
    """The caller's role may not do this at all."""
