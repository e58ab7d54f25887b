"""Scan-in at the depot and the load-out check of a round.

``POST /scans`` (depot staff, admins): the parcels with these label codes are "at depot". A
repeat (already at the depot) is a 200 whose ``warning`` says so and changes nothing, so a
retried request is harmless; an unknown code is a 404 naming it (``codes[i]``); a parcel where
"at depot" makes no sense (out for delivery, delivered, returned) is a 409 naming its status. A
refused scan records nothing.

``POST /rounds/{round_id}/load-out`` (depot staff, admins, the round's own courier): which of
the round's parcels are on the bike, missing, or not of this round; when complete (or with
``allow_missing``, depot staff and admins only) they go out for delivery.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import SessionDep, require
from api.schemas.common import errors
from api.schemas.scans import LoadOutIn, LoadOutOut, ScanAnswer, ScanIn
from depot.load_out import LoadOut, check_load_out
from depot.scan import scan_in
from depot.users import Caller
from models import Role

router = APIRouter(tags=["scans"])
Staff = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT))]
Loader = Annotated[Caller, Depends(require(Role.ADMIN, Role.DEPOT, Role.COURIER))]


@router.post("/scans", response_model=ScanAnswer, responses=errors(401, 403, 404, 409, 422))
def post_scans(body: ScanIn, session: SessionDep, caller: Staff) -> dict[str, Any]:
    """Scan parcels in at the depot (all or none); repeats are warned about, not recorded."""
    results = scan_in(session=session, codes=body.codes, caller=caller)
    scans = [
        {
            "code": r.code,
            "parcel_id": r.parcel_id,
            "status": r.status.value,
            "scanned_in": r.scanned_in,
            "warning": r.warning,
            "round": asdict(r.place) if r.place is not None else None,
        }
        for r in results
    ]
    return {
        "scanned_in": sum(r.scanned_in for r in results),
        "scans": scans,
        "warnings": [r.warning for r in results if r.warning],
    }


@router.post(
    "/rounds/{round_id}/load-out",
    response_model=LoadOutOut,
    responses=errors(401, 403, 404, 409, 422),
)
def post_load_out(
    round_id: int, body: LoadOutIn, session: SessionDep, caller: Loader
) -> dict[str, Any]:
    """Check the codes scanned onto the bike against the round; send its parcels out for
    delivery when all are there (or ``allow_missing``)."""
    answer = check_load_out(
        session=session,
        round_id=round_id,
        codes=body.codes,
        caller=caller,
        allow_missing=body.allow_missing,
    )
    return load_out_view(answer)


def load_out_view(answer: LoadOut) -> dict[str, Any]:
    """The JSON answer of a load-out check."""

    def items(rows: list[Any]) -> list[dict[str, Any]]:
        return [{**asdict(row), "status": row.status.value} for row in rows]

    return {
        "round_id": answer.round_id,
        "vehicle": answer.vehicle,
        "complete": answer.complete,
        "on_bike": items(answer.on_bike),
        "missing": items(answer.missing),
        "already_left": items(answer.already_left),
        "not_in_round": [asdict(s) for s in answer.not_in_round],
        "sent_out": answer.sent_out,
        "released": answer.released,
        "message": answer.message,
    }
