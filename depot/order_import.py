"""Importing a merchant's CSV of orders: all of it or nothing, or every valid row.

The file is parsed and every row checked first (:mod:`depot.csv_import`); then each good row goes
through :func:`depot.intake.create_order`, the one way an order enters Bakfiets, with source
``csv``. Each order is idempotent on its ``<shop>-<external_id>``: importing the same file again
answers every row with its first order and creates none, and a file corrected after a
refusal can simply be sent again.

Modes:

- ``all_or_nothing``: if any row has an error, nothing is stored and every error is reported.
  Before storing, each row is also checked against orders already stored (an id used before for
  a different order is a row error). Orders are stored one by one, each in its own transaction;
  should one still fail while storing (another request took its id in the meantime), the rows
  stored before it stay (each a whole order) and the report says exactly which rows were stored
  and which were not.
- ``valid_rows``: every valid row is stored; the others are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.csv_import import CsvOrder, CsvParse, RowError
from depot.errors import ServiceError
from depot.intake import create_order, order_fingerprint
from depot.locate import Locator
from depot.users import Caller
from models import IdempotencyRecord, OrderSource

__all__ = ["ImportMode", "ImportReport", "import_orders"]


class ImportMode(StrEnum):
    """How a file with bad rows is imported."""

    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ROWS = "valid_rows"


@dataclass
class ImportReport:
    """What an import did, row by row.

    Attributes
    ----------
    mode : ImportMode
    shop : str
    row_count : int
        Order rows in the file.
    stored : list of dict
        ``{"row", "external_id", "order_id", "status", "result"}`` per stored row; ``result``
        is ``created`` or ``existing`` (the same order was imported before).
    errors : list of RowError
        Every row that was not stored, and why.
    not_attempted : list of int
        Rows left unstored because an all-or-nothing import stopped at an error while storing.
    notes : list of str
        Assumptions made for the file.
    """

    mode: ImportMode
    shop: str
    row_count: int
    stored: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    not_attempted: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        """Orders this import created."""
        return sum(1 for row in self.stored if row["result"] == "created")

    @property
    def outcome(self) -> str:
        """``imported`` (every row stored), ``partial`` (some), or ``nothing_imported``."""
        if not self.stored:
            return "nothing_imported"
        return "imported" if len(self.stored) == self.row_count else "partial"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "mode": self.mode.value,
            "shop": self.shop,
            "outcome": self.outcome,
            "rows": self.row_count,
            "created": self.created,
            "existing": len(self.stored) - self.created,
            "rejected": len({error.row for error in self.errors}),
            "stored": self.stored,
            "errors": [error.to_dict() for error in self.errors],
            "not_attempted": self.not_attempted,
            "notes": self.notes,
        }


def import_orders(
    *,
    session: Session,
    parsed: CsvParse,
    shop: str,
    mode: ImportMode,
    caller: Caller,
    locator: Locator,
    today: date,
) -> ImportReport:
    """Store the orders of a parsed CSV file as ``mode`` says.

    Parameters
    ----------
    session : Session
        With no pending work; each order is committed on its own.
    parsed : CsvParse
        The file, parsed for ``shop`` (:func:`depot.csv_import.parse_orders_csv`).
    shop : str
        The shop's ref (the caller may only import for a shop it may book for).
    mode : ImportMode
    caller : Caller
        Who imports; named in each parcel's history.
    locator : Locator
        Geocoder and service area (an unplaceable address makes the order need attention).
    today : date
        The depot's local date.

    Returns
    -------
    ImportReport
    """
    report = ImportReport(
        mode=mode,
        shop=shop,
        row_count=parsed.row_count,
        errors=list(parsed.errors),
        notes=list(parsed.notes),
    )
    rows = list(parsed.orders)
    if mode is ImportMode.ALL_OR_NOTHING:
        report.errors.extend(_conflicts_with_stored(session, rows))
        if report.errors:
            report.errors.sort(key=lambda error: error.row)
            return report
    for index, row in enumerate(rows):
        try:
            result = create_order(
                session=session,
                order=row.order,
                source=OrderSource.CSV,
                caller=caller,
                locator=locator,
                today=today,
            )
        except ServiceError as exc:
            report.errors.append(RowError(row.row, _column(exc.field), exc.reason))
            if mode is ImportMode.ALL_OR_NOTHING:
                report.not_attempted = [later.row for later in rows[index + 1 :]]
                break
            continue
        report.stored.append(
            {
                "row": row.row,
                "external_id": row.order.external_id,
                "order_id": result.body["id"],
                "status": result.body["status"],
                "result": "existing" if result.replayed else "created",
            }
        )
    report.errors.sort(key=lambda error: error.row)
    return report


def _conflicts_with_stored(session: Session, rows: list[CsvOrder]) -> list[RowError]:
    """Rows whose id was stored before for a different order (they would be refused)."""
    scope = f"order:{OrderSource.CSV.value}"
    by_id = {row.order.external_id: row for row in rows}
    errors: list[RowError] = []
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        records = session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key.in_(ids[start : start + 500]),
            )
        )
        for record in records:
            row = by_id[record.key]
            if record.fingerprint != order_fingerprint(row.order, OrderSource.CSV):
                errors.append(
                    RowError(
                        row.row,
                        "external_id",
                        f"'{record.key}' was imported before with different details "
                        f"(first received {record.created_at:%Y-%m-%d %H:%M} UTC)",
                    )
                )
    session.rollback()
    return errors


def _column(service_field: str) -> str:
    """A service error's field (``lines[0].shop``) as the CSV column a merchant can fix."""
    if service_field.startswith("lines"):
        return "shop" if service_field.endswith("shop") else service_field
    return service_field.split(".")[-1] or "row"
