"""Public tracking of one parcel by its token: JSON under ``/api/v1/tracking``, a page at
``/track/{token}``. No login; the token (on the label) shows that parcel only."""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.schemas.common import errors
from api.schemas.tracking import TrackingOut
from depot.errors import NotFoundError
from depot.tracking import track_parcel

router = APIRouter(prefix="/tracking", tags=["tracking"])
page_router = APIRouter(tags=["tracking"])

Token = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/{token}", response_model=TrackingOut, responses=errors(404))
def get_tracking(token: Token, session: SessionDep) -> dict[str, Any]:
    """Status, delivery date and windows, and history of the parcel with this token."""
    return track_parcel(session=session, token=token)


@page_router.get("/track/{token}", response_class=HTMLResponse, include_in_schema=False)
def tracking_page(token: Token, session: SessionDep) -> HTMLResponse:
    """The tracking page a customer opens from the label's QR code or an e-mail."""
    try:
        view = track_parcel(session=session, token=token)
    except NotFoundError as exc:
        return HTMLResponse(_page("Parcel not found", f"<p>{html.escape(exc.reason)}</p>"), 404)
    windows = ", ".join(f"{w['start']}–{w['end']}" for w in view["windows"])
    rows = "".join(
        f"<li><time>{html.escape(e['at'][:16].replace('T', ' '))} UTC</time> "
        f"{html.escape(e['text'])}</li>"
        for e in reversed(view["history"])
    )
    when = (
        f"<p>Delivery on {html.escape(view['delivery_date'])}"
        + (f", between {html.escape(windows)}" if windows else "")
        + "</p>"
        if view["delivery_date"]
        else ""
    )
    body = (
        f"<p class=status>{html.escape(view['status_text'])}</p>{when}"
        f"<p>Parcel {html.escape(view['label_code'])}</p><ol reversed>{rows}</ol>"
    )
    return HTMLResponse(_page(f"Parcel {view['label_code']}", body))


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · Bakfiets</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;"
        "padding:0 1rem}.status{font-size:1.4rem;font-weight:600}</style>"
        f"<h1>{html.escape(title)}</h1>{body}</html>"
    )
