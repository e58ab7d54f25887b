"""``POST /api/v1/orders/import``: a merchant's CSV of orders, with a report row by row.

The body is the CSV file itself (``Content-Type: text/csv``; a ``charset`` parameter or the
``encoding`` query names a non-UTF-8 file). ``mode=all_or_nothing`` (default) stores nothing
when any row is wrong and answers 422 with every row's errors; ``mode=valid_rows`` stores the
good rows and reports the others. Columns and rules: :mod:`depot.csv_import`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from api.deps import LocatorDep, SessionDep, SettingsDep, TodayDep, require
from api.routes.webhooks import RawBody
from api.schemas.common import errors
from depot.csv_import import CsvFileError, parse_orders_csv
from depot.errors import InvalidInputError
from depot.order_import import ImportMode, import_orders
from depot.shops import shop_for_line
from depot.users import Caller
from models import Role, Shop

router = APIRouter(prefix="/orders", tags=["orders"])

_CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


@router.post(
    "/import",
    responses={
        **errors(401, 403, 413, 415, 422),
        200: {"description": "The import report: stored rows, rejected rows and why."},
    },
    openapi_extra=_CSV_BODY,
)
def post_orders_import(
    request: Request,
    body: RawBody,
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    today: TodayDep,
    caller: Annotated[Caller, Depends(require(Role.MERCHANT, Role.ADMIN, Role.DEPOT))],
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    shop: Annotated[
        str | None, Query(max_length=32, description="The shop (a merchant: their own).")
    ] = None,
    encoding: Annotated[
        str | None, Query(max_length=32, description="The file's encoding (default UTF-8).")
    ] = None,
) -> JSONResponse:
    """Import a CSV of orders for one shop; every row gets its order or its errors."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() not in _CSV_TYPES:
        raise HTTPException(
            415,
            {"field": "Content-Type", "reason": f"send the file as text/csv, not {content_type!r}"},
        )
    if shop is None:
        if caller.shop_id is None:
            raise InvalidInputError("shop", "name the shop the orders are for (?shop=REF)")
        own = session.get(Shop, caller.shop_id)
        assert own is not None
        shop = own.ref
    shop_for_line(session, shop, caller, "shop")
    try:
        parsed = parse_orders_csv(
            body,
            shop=shop,
            today=today,
            encoding=encoding or _charset(content_type) or "utf-8",
            date_order=settings.webshop_date_order,
            default_volume_ml=settings.webshop_parcel_volume_ml,
        )
    except CsvFileError as exc:
        raise InvalidInputError(exc.field, exc.reason) from None
    report = import_orders(
        session=session,
        parsed=parsed,
        shop=shop,
        mode=mode,
        caller=caller,
        locator=locator,
        today=today,
    )
    if mode is ImportMode.ALL_OR_NOTHING and report.errors:
        # Nothing stored: 422. Stored up to a row that failed while storing (a concurrent
        # request took its id): 409, and the report says which rows are stored.
        status = 409 if report.stored else 422
        fields = [{"field": f"row {e.row}.{e.field}", "reason": e.reason} for e in report.errors]
        what = "rows have" if len(report.errors) > 1 else "row has"
        done = (
            f"rows {', '.join(str(r['row']) for r in report.stored)} were stored before it"
            if report.stored
            else "nothing was imported"
        )
        message = f"{len(report.errors)} {what} errors; {done} (mode all_or_nothing)"
        error = {"status": status, "message": message, "fields": fields}
        return JSONResponse({"error": error, "report": report.to_dict()}, status_code=status)
    return JSONResponse(report.to_dict(), status_code=200)
