"""How an intake answer is sent: the first answer's status and body, marked on a repeat."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

#: Set (``true``) on the answer to a repeated request, answered with the first answer.
REPLAYED_HEADER = "Idempotent-Replayed"


def intake_response(status_code: int, body: Any, *, replayed: bool) -> JSONResponse:
    """The answer to an order, pickup or webhook request; a repeat's carries
    ``Idempotent-Replayed: true`` and is otherwise the first answer."""
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return JSONResponse(body, status_code=status_code, headers=headers)
