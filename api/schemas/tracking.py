"""Public tracking of one parcel."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.orders import WindowOut


class TrackingEventOut(BaseModel):
    """A status change as the customer sees it."""

    status: str
    text: str
    at: str


class TrackingOut(BaseModel):
    """One parcel's status and history; nothing about the customer or other parcels."""

    label_code: str
    status: str
    status_text: str
    delivery_date: str | None
    windows: list[WindowOut]
    history: list[TrackingEventOut]
