"""Webshop webhooks in: verify, read the order, take it in once (Shopify and WooCommerce).

Each function takes the raw request (body bytes and the few headers that matter), verifies the
HMAC signature, reads the order with the pure adapter of :mod:`depot.webshop`, and hands it to
:func:`depot.intake.create_order` with the webshop's duplicate key (Shopify's event id,
WooCommerce's order id + modification time) as the idempotency key: a repeated delivery gets
the first answer, never a second order.

Answers (:class:`WebhookAnswer`): ``201 {"order": ..., "notes": [...]}`` for a new order (and
the same for every repeat); ``200 {"order": null, "reason": ...}`` for what is well-formed but
not Bakfiets' to deliver (a store-pickup or unpaid order, WooCommerce's creation ping, another
topic) so that the webshop does not retry it. Refusals raise: :class:`SignatureError` (the API
answers 401) and :class:`~depot.errors.InvalidInputError` naming the payload field (422).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from depot.contracts import OrderIn
from depot.errors import InvalidInputError, ServiceError
from depot.intake import IntakeResult, create_order
from depot.locate import Locator
from depot.users import system_caller
from depot.webshop import shopify, woocommerce
from depot.webshop.common import AdaptedOrder, WebshopConfig, read_json_object
from depot.webshop.errors import NotForDeliveryError, PayloadError
from models import OrderSource

__all__ = ["WebhookAnswer", "take_shopify_order", "take_woocommerce_order"]

log = logging.getLogger(__name__)

#: WooCommerce topics that carry an order to take in.
WOOCOMMERCE_ORDER_TOPICS = frozenset({"order.created", "order.updated"})


@dataclass(frozen=True)
class WebhookAnswer:
    """What to answer the webshop.

    Attributes
    ----------
    status_code : int
        201 for an order (also on a repeat), 200 for what is not taken.
    body : dict
        ``{"order": <order view or null>, "reason": <why not, or null>, "notes": [...]}``.
    replayed : bool
        A repeat answered with the first answer.
    """

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def _not_taken(reason: str) -> WebhookAnswer:
    return WebhookAnswer(200, {"order": None, "reason": reason, "notes": []})


def _validated(adapted: AdaptedOrder) -> OrderIn:
    """The adapter's body through the intake contract; its first error names the order field."""
    try:
        return OrderIn.model_validate(adapted.body)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ""
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else ("." if path else "") + str(part)
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(f"order.{path or 'body'}", reason) from None


def _take(
    *,
    session: Session,
    adapted: AdaptedOrder,
    source: OrderSource,
    dedupe_key: str | None,
    locator: Locator,
    today: date,
) -> WebhookAnswer:
    order = _validated(adapted)
    notes = list(adapted.notes)

    def take(order: OrderIn) -> IntakeResult:
        return create_order(
            session=session,
            order=order,
            source=source,
            caller=system_caller(f"{source.value} webhook"),
            locator=locator,
            today=today,
            idempotency_key=dedupe_key,
            idempotency_scope=f"{source.value}-webhook" if dedupe_key else None,
        )

    try:
        result = take(order)
    except ServiceError as exc:
        # The shopper has paid: a hold the order cannot use (expired while the webhook waited,
        # another address) must not lose the order, which a refusal would once the webshop's
        # retries run out. It is taken without the hold (its stop then finds room as any later
        # booking), and the answer says so.
        if exc.field != "slot_hold_id" or order.slot_hold_id is None:
            raise
        notes.append(f"slot hold {order.slot_hold_id} not used ({exc.reason}): taken without it")
        result = take(order.model_copy(update={"slot_hold_id": None}))
    if notes and not result.replayed:
        log.info("%s order %s: %s", source.value, order.external_id, "; ".join(notes))
    body = {"order": result.body, "reason": None, "notes": notes}
    return WebhookAnswer(result.status_code, body, replayed=result.replayed)


def _payload_error(exc: PayloadError) -> InvalidInputError:
    return InvalidInputError(exc.field, exc.reason)


def take_shopify_order(
    *,
    session: Session,
    raw_body: bytes,
    headers: Mapping[str, str],
    secret: str,
    config: WebshopConfig,
    locator: Locator,
    today: date,
) -> WebhookAnswer:
    """Take in a Shopify ``orders/create`` webhook.

    Parameters
    ----------
    session : Session
        With no pending work; committed by the intake.
    raw_body : bytes
        The request body exactly as received.
    headers : Mapping of str to str
        The request headers (``X-Shopify-Hmac-Sha256``, ``X-Shopify-Event-Id``; any case).
    secret : str
        The Shopify app secret.
    config : WebshopConfig
        Shop mapping and parcel rules.
    locator : Locator
        Geocoder and service area.
    today : date
        The depot's local date.

    Returns
    -------
    WebhookAnswer

    Raises
    ------
    SignatureError
        Missing or wrong signature (nothing is read).
    InvalidInputError
        A payload field is missing or unreadable, a mapped shop is unknown, the delivery date
        is past, or the order id was used for another order; ``field`` names it.
    ConflictError
        The first delivery of this event is still being taken in.
    """
    folded = {name.lower(): value for name, value in headers.items()}
    shopify.verify_shopify_signature(
        raw_body, secret=secret, signature=folded.get(shopify.SIGNATURE_HEADER.lower())
    )
    try:
        adapted = shopify.order_from_shopify(read_json_object(raw_body), config=config)
    except NotForDeliveryError as exc:
        return _not_taken(exc.reason)
    except PayloadError as exc:
        raise _payload_error(exc) from None
    return _take(
        session=session,
        adapted=adapted,
        source=OrderSource.SHOPIFY,
        dedupe_key=shopify.shopify_dedupe_key(headers),
        locator=locator,
        today=today,
    )


def take_woocommerce_order(
    *,
    session: Session,
    raw_body: bytes,
    headers: Mapping[str, str],
    secret: str,
    config: WebshopConfig,
    locator: Locator,
    today: date,
) -> WebhookAnswer:
    """Take in a WooCommerce order webhook (``order.created`` / ``order.updated``).

    The unsigned creation ping (form-encoded ``webhook_id=N``) is answered 200. Other topics are
    answered 200 and not read. An ``order.updated`` of an order already taken in with the same
    details gets its first answer; with other details it is not applied (200, saying so,
    because WooCommerce disables a webhook after a few failed deliveries in a row and every
    later order would then be lost).

    Parameters
    ----------
    session, raw_body, config, locator, today
        As for :func:`take_shopify_order`.
    headers : Mapping of str to str
        ``Content-Type``, ``X-WC-Webhook-Signature``, ``X-WC-Webhook-Topic`` (any case).
    secret : str
        The webhook's secret.

    Returns
    -------
    WebhookAnswer

    Raises
    ------
    SignatureError, InvalidInputError, ConflictError
        As for :func:`take_shopify_order`.
    """
    folded = {name.lower(): value for name, value in headers.items()}
    webhook_id = woocommerce.creation_ping_webhook_id(folded.get("content-type"), raw_body)
    if webhook_id is not None:
        return _not_taken(f"creation ping of webhook {webhook_id} received")
    woocommerce.verify_woocommerce_signature(
        raw_body, secret=secret, signature=folded.get(woocommerce.SIGNATURE_HEADER.lower())
    )
    topic = (folded.get("x-wc-webhook-topic") or "").strip()
    if topic and topic not in WOOCOMMERCE_ORDER_TOPICS:
        return _not_taken(f"X-WC-Webhook-Topic {topic!r} carries no order to take in")
    try:
        payload = read_json_object(raw_body)
        dedupe_key = woocommerce.woocommerce_dedupe_key(payload)
        adapted = woocommerce.order_from_woocommerce(payload, config=config)
    except NotForDeliveryError as exc:
        return _not_taken(exc.reason)
    except PayloadError as exc:
        raise _payload_error(exc) from None
    try:
        return _take(
            session=session,
            adapted=adapted,
            source=OrderSource.WOOCOMMERCE,
            dedupe_key=dedupe_key,
            locator=locator,
            today=today,
        )
    except InvalidInputError as exc:
        if topic != "order.updated" or exc.field != "external_id":
            raise
        reason = (
            f"order {adapted.body['external_id']} was taken in before with other details; "
            "this update is not applied: ask the depot to change the order"
        )
        log.warning("woocommerce %s", reason)
        return _not_taken(reason)
