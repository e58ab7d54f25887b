"""A JSON body that a route reads and validates itself, as FastAPI would, in one pass.

FastAPI decodes a JSON body into Python objects and then validates them; a route that declares
no parameters and calls :func:`read_json_body` has pydantic validate the raw bytes at once, and
skips the dependency machinery around parameters (the intake load run spent more on that than
on the validation). Anything the fast way refuses is read again the way FastAPI reads it, so
every refusal is the one FastAPI gives: malformed JSON (before the caller is checked), a
missing body, a body that is not JSON, each field at fault. :func:`document_json_bodies` puts
such a route's models into the OpenAPI document, since FastAPI does not see them.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

M = TypeVar("M", bound=BaseModel)

_REF_TEMPLATE = "#/components/schemas/{model}"


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


async def read_json_body(request: Request, model: type[M]) -> tuple[M | None, list[Any]]:
    """The request's JSON body as ``model``, or ``None`` and its validation errors (located in
    ``body``, as FastAPI's), for the route to report together with any others.

    Raises
    ------
    RequestValidationError
        The body is not well-formed JSON (FastAPI refuses that before anything else).
    fastapi.HTTPException
        413 from :class:`api.errors.BodySizeLimit` while the body is read; 400 for a body
        that is not text.
    """
    raw = await request.body()
    content_type = request.headers.get("content-type")
    if raw and content_type and _is_json(content_type):
        try:
            return model.model_validate_json(raw), []
        except ValidationError:
            pass  # read again as FastAPI does, for the same refusal
    if not raw:
        return None, [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
    value: Any = raw  # FastAPI passes a body that is not declared JSON on as bytes
    if content_type and _is_json(content_type):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            error = {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
            raise RequestValidationError([error], body=exc.doc) from None
        except ValueError:  # not UTF-8 (or -16, -32)
            raise HTTPException(400, "There was an error parsing the body") from None
    try:
        return model.model_validate(value, from_attributes=True), []
    except ValidationError as exc:
        return None, [
            {**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)
        ]


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` of a route reading ``model`` with :func:`read_json_body`: the request
    body FastAPI would have documented (``model`` must be given to
    :func:`document_json_bodies`)."""
    schema = {"$ref": _REF_TEMPLATE.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def document_json_bodies(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add ``models`` (and the models they use) to ``app``'s OpenAPI components, where a route
    reading them with :func:`read_json_body` refers to them; a component FastAPI already
    generated is kept as it is."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        _, top = models_json_schema(
            [(model, "validation") for model in models], ref_template=_REF_TEMPLATE
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in top.get("$defs", {}).items():
            # Without null values, as FastAPI writes the rest of the document.
            components.setdefault(name, jsonable_encoder(definition, exclude_none=True))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
