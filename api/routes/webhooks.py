"""``/api/v1/webhooks``: Shopify and WooCommerce order webhooks, verified by their HMAC.

No bearer token: the webshop proves itself with the signature of the raw body (the secrets are
``BAKFIETS_SHOPIFY_WEBHOOK_SECRET`` / ``BAKFIETS_WOOCOMMERCE_WEBHOOK_SECRET``). The route only
reads the request; :mod:`depot.webhook_intake` does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from sqlalchemy.orm import Session

from api.deps import LocatorDep, SessionDep, SettingsDep, TodayDep
from api.responses import intake_response
from api.schemas.common import errors
from depot.locate import Locator
from depot.settings import Settings
from depot.webhook_intake import WebhookAnswer, take_shopify_order, take_woocommerce_order
from depot.webshop.common import WebshopConfig
from depot.webshop.errors import SignatureError

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


async def raw_body(request: Request) -> bytes:
    """The request body exactly as sent: the signature is over these bytes."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _take(
    take: Callable[..., WebhookAnswer],
    secret: SecretStr,
    request: Request,
    body: bytes,
    session: Session,
    settings: Settings,
    locator: Locator,
    today: date,
) -> JSONResponse:
    """Hand the raw webhook to its depot function; a bad signature is 401 naming the header."""
    try:
        answer = take(
            session=session,
            raw_body=body,
            headers=request.headers,
            secret=secret.get_secret_value(),
            config=WebshopConfig.from_settings(settings),
            locator=locator,
            today=today,
        )
    except SignatureError as exc:
        raise HTTPException(401, {"field": exc.header, "reason": exc.reason}) from None
    return intake_response(answer.status_code, answer.body, replayed=answer.replayed)


@router.post(
    "/shopify",
    status_code=201,
    responses={
        **errors(401, 409, 413, 422),
        200: {"description": "Not an order Bakfiets delivers; not retried."},
    },
    openapi_extra=_JSON_BODY,
)
def shopify_orders_create(
    request: Request,
    body: RawBody,
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    today: TodayDep,
) -> JSONResponse:
    """Shopify ``orders/create``: 201 with the order (the same answer for every retry of the
    event, ``X-Shopify-Event-Id``); 200 with the reason for an order Bakfiets does not deliver;
    401 for a bad ``X-Shopify-Hmac-Sha256``; 422 naming the payload field that is wrong."""
    secret = settings.shopify_webhook_secret
    return _take(take_shopify_order, secret, request, body, session, settings, locator, today)


@router.post(
    "/woocommerce",
    status_code=201,
    responses={
        **errors(401, 409, 413, 422),
        200: {"description": "Creation ping, or not an order Bakfiets delivers."},
    },
    openapi_extra=_JSON_BODY,
)
def woocommerce_order(
    request: Request,
    body: RawBody,
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    today: TodayDep,
) -> JSONResponse:
    """WooCommerce ``order.created`` / ``order.updated``: 201 with the order (the same answer for
    a repeat of the same order version); 200 for the creation ping and for orders not delivered
    (yet); 401 for a bad ``X-WC-Webhook-Signature``; 422 naming the payload field."""
    secret = settings.woocommerce_webhook_secret
    return _take(take_woocommerce_order, secret, request, body, session, settings, locator, today)
