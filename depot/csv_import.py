"""Merchants' CSV files of orders: parsed and checked row by row, before anything is stored.

One row is one order to deliver from the importing merchant's shop. The first row names the
columns (any case; spaces and hyphens count as ``_``; Danish names in brackets are accepted too):

==================  =========  ===================================================================
column              needed     what
==================  =========  ===================================================================
``external_id``     yes        the merchant's order number (``order_id``, ``ordrenr``); stored as
                               ``<shop>-<external_id>`` because ids are unique per source
``delivery_date``   yes        ``2026-11-24``, ``24-11-2026``, ``24/11/2026`` (``leveringsdato``)
``name``            yes        the customer (``navn``); ``phone`` (``telefon``), ``email`` optional
``street``          yes [1]_   street and house number: ``street`` + ``housenumber`` (``vej``,
                               ``husnummer``), or ``address`` as one line (``Nørrebrogade 34``)
``postcode``        yes [1]_   ``postnr``; and ``city`` (``by``)
``lat``, ``lon``    [1]_       WGS84 degrees instead of a street address
``window``          no         delivery slot ``10:00-12:00`` (several with ``;`` inside quotes);
                               or ``window_start`` + ``window_end``; none means the whole day
``weight_g``        yes        grams per parcel
``volume_ml``       no         millilitres per parcel; the file's default is used and noted
``parcels``         no         identical parcels (``antal``), 1 by default
==================  =========  ===================================================================

.. [1] Either a street address (street, house number, postcode, city) or ``lat`` and ``lon``.

The file must be UTF-8 (with or without BOM, as Excel's "CSV UTF-8" writes it). Any other
encoding is refused with the line and byte where decoding failed, unless the caller names the
encoding (``cp1252`` for Excel's plain "CSV" on Danish Windows): nothing is guessed. The
delimiter is ``,``, ``;`` (Danish Excel) or a tab, whichever the header row uses.

Row numbers are the spreadsheet's: the header is row 1, the first order row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from depot.contracts import OrderIn
from depot.errors import InvalidInputError
from depot.intake import check_delivery_date
from depot.webshop.common import split_street_line
from depot.webshop.errors import PayloadError
from depot.webshop.slots import (
    WHOLE_DAY,
    DateOrder,
    WindowBody,
    parse_delivery_date,
    parse_time_slot,
)

__all__ = [
    "MAX_ROWS",
    "CsvFileError",
    "CsvOrder",
    "CsvParse",
    "RowError",
    "parse_orders_csv",
]

#: Most order rows one file may hold (a day of a busy shop is a few hundred).
MAX_ROWS = 5_000

_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "order_id", "order", "ordre", "ordrenr", "ordre_id"),
    "delivery_date": ("delivery_date", "date", "leveringsdato", "dato"),
    "name": ("name", "customer", "customer_name", "navn"),
    "phone": ("phone", "telefon", "tlf"),
    "email": ("email", "e_mail", "mail"),
    "address": ("address", "adresse"),
    "street": ("street", "vej", "gade"),
    "housenumber": ("housenumber", "house_number", "husnummer", "husnr", "nr"),
    "postcode": ("postcode", "zip", "postnr", "postnummer"),
    "city": ("city", "by"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "window": ("window", "slot", "time_slot", "tidsrum"),
    "window_start": ("window_start", "from", "fra"),
    "window_end": ("window_end", "to", "til"),
    "weight_g": ("weight_g", "vaegt_g", "vægt_g"),
    "volume_ml": ("volume_ml", "rumfang_ml"),
    "parcels": ("parcels", "count", "antal", "kolli"),
}
_REQUIRED = ("external_id", "delivery_date", "name", "weight_g")


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, no header, a needed column missing).

    Attributes
    ----------
    field : str
        ``"file"``, or the missing column's name.
    reason : str
        What is wrong, with the line and byte for an encoding error.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    """Why one row cannot become an order: spreadsheet row number, column, reason."""

    row: int
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"row", "field", "reason"}`` for a JSON report."""
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class CsvOrder:
    """One good row: its spreadsheet row number and the validated order."""

    row: int
    order: OrderIn


@dataclass(frozen=True)
class CsvParse:
    """What a file holds: the good rows, every bad row's errors, and notes on assumptions.

    Attributes
    ----------
    orders : list of CsvOrder
        Rows that are valid orders, in file order.
    errors : list of RowError
        Every problem found, in row order (a row may have several).
    notes : list of str
        Assumptions made for the whole file (a default volume, ignored columns).
    row_count : int
        Order rows read (blank rows are skipped and not counted).
    """

    orders: list[CsvOrder]
    errors: list[RowError]
    notes: list[str] = field(default_factory=list)
    row_count: int = 0


def parse_orders_csv(
    data: bytes,
    *,
    shop: str,
    today: date,
    encoding: str = "utf-8",
    date_order: DateOrder = "dmy",
    default_volume_ml: int = 5_000,
    max_rows: int = MAX_ROWS,
) -> CsvParse:
    """Parse a merchant's CSV of orders; every row is checked, none is stored.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    shop : str
        Ref of the merchant's shop: every order gets one line of this shop's parcels, and the
        row's ``external_id`` becomes ``<shop>-<external_id>``.
    today : date
        The depot's local date: delivery dates before it are row errors.
    encoding : str
        The file's encoding; ``utf-8`` (a BOM is allowed) unless the caller knows better.
    date_order : {"dmy", "mdy"}
        How all-numeric dates with the year last are written.
    default_volume_ml : int
        Volume per parcel when the file has no ``volume_ml`` column (noted), or a row leaves it
        empty (a row error is *not* raised for that; the note names the rows).
    max_rows : int
        More order rows than this is a file error.

    Returns
    -------
    CsvParse
        The valid orders and the errors of the others.

    Raises
    ------
    CsvFileError
        The bytes are not text in ``encoding`` (naming the line and byte), the encoding is
        unknown, there is no header, a needed column is missing, or there are too many rows.
    """
    text = _decode(data, encoding)
    sample = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFileError("file", "empty: no header row") from None
    except csv.Error as exc:
        raise CsvFileError("file", f"row 1: {exc}") from None
    columns, notes = _columns(header)
    if "volume_ml" not in columns:
        notes.append(f"no volume_ml column: every parcel is taken as {default_volume_ml} ml")
    orders: list[CsvOrder] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    empty_volume_rows: list[int] = []
    row_count = 0
    row = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row += 1
            errors.append(RowError(row, "file", f"not CSV: {exc}"))
            break
        row += 1
        if not any(cell.strip() for cell in cells):
            continue
        row_count += 1
        if row_count > max_rows:
            raise CsvFileError("file", f"more than {max_rows} order rows; split the file")
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            errors.append(
                RowError(row, "file", f"{len(cells)} cells but the header has {len(header)}")
            )
            continue
        if "volume_ml" in columns and not values["volume_ml"]:
            empty_volume_rows.append(row)
        row_errors, order = _order(
            values,
            row=row,
            shop=shop,
            today=today,
            date_order=date_order,
            default_volume_ml=default_volume_ml,
        )
        if order is not None:
            first = seen.setdefault(order.external_id, row)
            if first != row:
                row_errors.append(
                    RowError(
                        row, "external_id", f"{values['external_id']!r} is also on row {first}"
                    )
                )
        if row_errors:
            errors.extend(row_errors)
        elif order is not None:
            orders.append(CsvOrder(row, order))
    if empty_volume_rows:
        notes.append(
            f"volume_ml empty on rows {_ranges(empty_volume_rows)}: {default_volume_ml} ml taken"
        )
    return CsvParse(orders=orders, errors=errors, notes=notes, row_count=row_count)


def _decode(data: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise CsvFileError("encoding", f"{encoding!r} is not an encoding Python knows") from None
    if codec.name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        hint = (
            " (Excel's plain 'CSV' on Danish Windows writes cp1252: save as 'CSV UTF-8', or "
            "import with encoding cp1252)"
            if codec.name == "utf-8"
            else ""
        )
        raise CsvFileError(
            "file",
            f"not {codec.name} text: line {line}, byte {exc.start} (0x{byte}, column {column})"
            f"{hint}",
        ) from None
    if "\x00" in text:
        raise CsvFileError("file", "contains NUL characters: not a text CSV file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _fold(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Canonical column name → index; notes on ignored columns."""
    by_alias = {alias: canonical for canonical, names in _ALIASES.items() for alias in names}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = _fold(raw)
        if not name:
            continue
        canonical = by_alias.get(name)
        if canonical is None:
            ignored.append(raw.strip())
            continue
        if canonical in columns:
            raise CsvFileError(canonical, f"two columns mean {canonical}: {raw.strip()!r} again")
        columns[canonical] = index
    for needed in _REQUIRED:
        if needed not in columns:
            raise CsvFileError(needed, f"no {needed} column in the header row")
    has_street = "address" in columns or "street" in columns
    if not has_street and not ("lat" in columns and "lon" in columns):
        raise CsvFileError("street", "no street (or address, or lat and lon) column")
    notes = [f"columns ignored: {', '.join(ignored)}"] if ignored else []
    return columns, notes


def _order(
    values: dict[str, str],
    *,
    row: int,
    shop: str,
    today: date,
    date_order: DateOrder,
    default_volume_ml: int,
) -> tuple[list[RowError], OrderIn | None]:
    errors: list[RowError] = []

    def cell(name: str) -> str:
        return values.get(name, "")

    delivery_date: str | None = None
    try:
        day = parse_delivery_date(
            cell("delivery_date"), field="delivery_date", date_order=date_order
        )
        check_delivery_date(day, today=today, field="delivery_date")
        delivery_date = day.isoformat()
    except (PayloadError, InvalidInputError) as exc:
        errors.append(RowError(row, exc.field, exc.reason))
    address: dict[str, Any] = {}
    try:
        address = _address(values)
    except PayloadError as exc:
        errors.append(RowError(row, exc.field, exc.reason))
    windows: list[WindowBody] = [WindowBody(start=WHOLE_DAY["start"], end=WHOLE_DAY["end"])]
    try:
        windows = _windows(values)
    except PayloadError as exc:
        errors.append(RowError(row, exc.field, exc.reason))
    parcel: dict[str, Any] = {
        "weight_g": _number(cell("weight_g")),
        "volume_ml": _number(cell("volume_ml")) if cell("volume_ml") else default_volume_ml,
        "count": _number(cell("parcels")) if cell("parcels") else 1,
    }
    external_id = cell("external_id")
    body = {
        "external_id": f"{shop}-{external_id}" if external_id else "",
        "delivery_date": delivery_date or "2000-01-01",
        "customer": {
            "name": cell("name"),
            "phone": cell("phone") or None,
            "email": cell("email") or None,
        },
        "address": address or {"street": "-"},
        "windows": windows,
        "lines": [{"shop": shop, "parcels": [parcel]}],
    }
    try:
        order = OrderIn.model_validate(body)
    except ValidationError as exc:
        errors.extend(_validation_errors(exc, row=row, skip=_already(errors)))
        return errors, None
    return errors, (None if errors else order)


def _already(errors: list[RowError]) -> set[str]:
    return {error.field for error in errors}


def _number(text: str) -> int | str:
    """Digits (spaces allowed: ``1 200``) as an int; anything else as typed, for the contract."""
    compact = text.replace(" ", "").replace("\u00a0", "")
    return int(compact) if compact.isdigit() else text


def _address(values: dict[str, str]) -> dict[str, Any]:
    lat, lon = values.get("lat", ""), values.get("lon", "")
    line, street = values.get("address", ""), values.get("street", "")
    if (lat or lon) and not (line or street):
        return {"lat": _degrees(lat, "lat"), "lon": _degrees(lon, "lon")}
    if line:
        street, housenumber, _rest = split_street_line(line, field="address")
    else:
        housenumber = values.get("housenumber", "")
        if street and not housenumber:
            street, housenumber, _rest = split_street_line(street, field="housenumber")
    if not street:
        raise PayloadError("street", "empty: give street and housenumber, or lat and lon")
    address = {
        "street": street,
        "housenumber": housenumber,
        "postcode": values.get("postcode", ""),
        "city": values.get("city", ""),
    }
    for name in ("postcode", "city"):
        if not address[name]:
            raise PayloadError(name, "empty")
    return address


def _degrees(text: str, name: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise PayloadError(name, f"{text!r} is not degrees") from None


def _windows(values: dict[str, str]) -> list[WindowBody]:
    slot = values.get("window", "")
    start, end = values.get("window_start", ""), values.get("window_end", "")
    if slot and (start or end):
        raise PayloadError("window", "give window, or window_start and window_end, not both")
    if start or end:
        if not (start and end):
            missing = "window_end" if start else "window_start"
            raise PayloadError(missing, "empty while the other end of the window is given")
        slot = f"{start}-{end}"
        return parse_time_slot(slot, field="window_start")
    return parse_time_slot(slot, field="window")


_LOCATION_TO_COLUMN = {
    "external_id": "external_id",
    "delivery_date": "delivery_date",
    "customer.name": "name",
    "customer.phone": "phone",
    "customer.email": "email",
    "address.street": "street",
    "address.housenumber": "housenumber",
    "address.postcode": "postcode",
    "address.city": "city",
    "address.lat": "lat",
    "address.lon": "lon",
    "address": "street",
    "windows": "window",
    "weight_g": "weight_g",
    "volume_ml": "volume_ml",
    "count": "parcels",
}


def _validation_errors(exc: ValidationError, *, row: int, skip: set[str]) -> Iterable[RowError]:
    """The contract's errors as the CSV column a merchant can fix."""
    reported: set[str] = set(skip)
    for error in exc.errors():
        path = [str(part) for part in error["loc"] if not isinstance(part, int)]
        dotted = ".".join(path)
        column = (
            _LOCATION_TO_COLUMN.get(dotted)
            or _LOCATION_TO_COLUMN.get(path[-1] if path else "")
            or _LOCATION_TO_COLUMN.get(path[0] if path else "")
            or (dotted or "row")
        )
        if column in reported:
            continue
        reported.add(column)
        reason = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        shown = isinstance(value, str | int | float) and not isinstance(value, bool)
        if shown and repr(value) not in reason:
            reason = f"{value!r}: {reason}"
        yield RowError(row, column, reason)


def _ranges(rows: list[int]) -> str:
    """``[2, 3, 4, 7]`` → ``"2-4, 7"``."""
    parts: list[str] = []
    start = previous = rows[0]
    for number in [*rows[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)
