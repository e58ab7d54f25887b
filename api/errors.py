"""One error body for every refusal, and the request-size guard.

Every 4xx answers ``{"error": {"status", "message", "fields": [{"field", "reason"}]}}``:
``message`` is one line (``lines[0].parcels[0].weight_g: must be at most 50000``), ``fields``
names each input at fault as a path into the JSON body (``windows[1].end``), a query parameter
(``date``) or a header (``Idempotency-Key``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from depot.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)

SERVICE_STATUS: dict[type[ServiceError], int] = {
    InvalidInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    ForbiddenError: 403,
}


def error_response(
    status: int, fields: Sequence[tuple[str, str]], headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error body for ``status`` naming each ``(field, reason)``."""
    message = "; ".join(f"{field}: {reason}" if field else reason for field, reason in fields)
    body = {
        "error": {
            "status": status,
            "message": message,
            "fields": [{"field": field, "reason": reason} for field, reason in fields],
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def field_path(loc: Sequence[Any]) -> str:
    """``("body", "lines", 0, "shop")`` → ``lines[0].shop``; query and header names as they are."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        kind = parts.pop(0)
        if kind == "header" and parts:
            return "-".join(word.capitalize() for word in str(parts[0]).split("-"))
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "body"


def _reason(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        detail = error.get("ctx", {}).get("error", "")
        return f"malformed JSON ({detail})" if detail else "malformed JSON"
    if error.get("type") == "missing":
        return "is required"
    if error.get("type") == "extra_forbidden":
        return "is not a known field"
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            loc = ["body"]
        fields.append((field_path(loc), _reason(error)))
    return error_response(422, fields or [("body", "is not valid")])


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status = next((code for kind, code in SERVICE_STATUS.items() if isinstance(exc, kind)), 400)
    return error_response(status, [(exc.field, exc.reason)])


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail
    if isinstance(detail, dict) and "field" in detail:
        fields = [(str(detail["field"]), str(detail["reason"]))]
    else:
        fields = [("", str(detail))]
    return error_response(exc.status_code, fields, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """Answer validation errors, service errors and HTTP errors with the one error body."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class BodySizeLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413, before reading them whole.

    A declared ``Content-Length`` over the limit is refused at once; a chunked body is counted
    as it arrives and refused when it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = f"the request body is larger than {self.max_bytes:,} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    response = error_response(413, [("body", reason)])
                    await response(scope, receive, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, {"field": "body", "reason": reason})
            return message

        await self.app(scope, limited, send)
