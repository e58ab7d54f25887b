"""The error body every refusal uses."""

from __future__ import annotations

from pydantic import BaseModel


class FieldError(BaseModel):
    """One input at fault: a path into the JSON body, a query parameter or a header."""

    field: str
    reason: str


class ErrorDetail(BaseModel):
    """Status code, one-line message, and each field at fault."""

    status: int
    message: str
    fields: list[FieldError]


class ErrorOut(BaseModel):
    """``{"error": {...}}``."""

    error: ErrorDetail


def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses=`` entries for the given error status codes."""
    return {code: {"model": ErrorOut} for code in codes}
