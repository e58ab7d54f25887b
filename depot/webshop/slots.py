"""Delivery dates and time slots as delivery-date apps write them into webshop orders.

Shopify apps (Zapiet and others) put ``Delivery-Date`` / ``Delivery-Time`` into the order's
``note_attributes``; WooCommerce plugins put them into the order's ``meta_data`` (Tyche's
``_orddd_timestamp`` / ``_orddd_time_slot``, Iconic's ``jckwds_date`` / ``jckwds_timeslot``,
CodeRockz' ``delivery_date`` / ``delivery_time``). Each app writes them its own way, so this module
reads the common spellings and refuses, naming the field, what it cannot read for certain:

- dates: ``2026-11-24``, ``2026/11/24``, ``20261124``, ``24-11-2026``, ``24.11.2026``,
  ``24/11/2026`` (day first unless the shop writes month first), ``November 24, 2026``,
  ``Tuesday, 24 November 2026``, ``24. november 2026`` (English and Danish month names);
- time slots: ``13:00 - 14:00``, ``13.00–14.00``, ``1:00 PM - 2:00 PM``, ``1pm-2pm``,
  ``kl. 10-12``, ``10:00 til 12:00``; several slots separated by ``,`` or ``;``; ``All day``,
  ``Hele dagen``, ``Any time`` (or no slot at all) mean the whole delivery day, 00:00–24:00.

Windows come back as local clock times ``{"start": "HH:MM", "end": "HH:MM"}``, inclusive, as the
order contract of ``POST /api/v1/orders`` (:class:`depot.contracts.WindowIn`) has them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

from depot.webshop.errors import PayloadError

__all__ = [
    "WHOLE_DAY",
    "DateOrder",
    "WindowBody",
    "parse_delivery_date",
    "parse_time_slot",
    "parse_timestamp_date",
]

DateOrder = Literal["dmy", "mdy"]


class WindowBody(TypedDict):
    """One inclusive delivery window, local clock times of the delivery date."""

    start: str
    end: str


#: The window of an order whose customer chose no time slot: any time of the delivery day.
WHOLE_DAY: WindowBody = {"start": "00:00", "end": "24:00"}

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "januar", "jan"),
        ("february", "februar", "feb"),
        ("march", "marts", "mar"),
        ("april", "apr"),
        ("may", "maj"),
        ("june", "juni", "jun"),
        ("july", "juli", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oktober", "oct", "okt"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_WORD = re.compile(r"[^\W\d_]+|\d+")

_ANY_TIME = frozenset(
    {"", "all day", "allday", "any time", "anytime", "hele dagen", "hele dag", "alle tider"}
)
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?\s*([ap]\.?\s?m\.?)?"
_SLOT = re.compile(
    rf"^(?:kl\.?\s*|fra\s+|from\s+|between\s+|mellem\s+)?{_TIME}\s*"
    rf"(?:-|–|—|to|til|until|and|og)\s*(?:kl\.?\s*)?{_TIME}$",
    re.IGNORECASE,
)


def parse_delivery_date(text: str, *, field: str, date_order: DateOrder = "dmy") -> date:
    """Read a delivery date as a delivery-date app wrote it.

    Parameters
    ----------
    text : str
        The value, e.g. ``"2026-11-24"``, ``"24/11/2026"`` or ``"Tuesday, November 24, 2026"``.
    field : str
        Where it came from, for the error (``note_attributes.Delivery-Date``).
    date_order : {"dmy", "mdy"}
        How to read an all-numeric date with the year last: ``24/11/2026`` (day first, as Danish
        shops write it) or ``11/24/2026`` (month first). ISO dates are always year-month-day.

    Returns
    -------
    datetime.date
        The delivery date.

    Raises
    ------
    PayloadError
        When the value is not a date in one of the understood forms, or is not a real day; a
        value only valid in the other day/month order says so.
    """
    value = " ".join(str(text).split())
    iso = _ISO.match(value) or _COMPACT.match(value)
    if iso:
        return _make_date(int(iso[1]), int(iso[2]), int(iso[3]), field=field, text=value)
    numeric = _NUMERIC.match(value)
    if numeric:
        first, second, year = int(numeric[1]), int(numeric[3]), int(numeric[4])
        day, month = (first, second) if date_order == "dmy" else (second, first)
        if not 1 <= month <= 12 and 1 <= day <= 12:
            raise PayloadError(
                field,
                f"{value!r}: {month} is not a month; the shop seems to write "
                f"{'month' if date_order == 'dmy' else 'day'} first "
                f"(set BAKFIETS_WEBSHOP_DATE_ORDER={'mdy' if date_order == 'dmy' else 'dmy'})",
            )
        return _make_date(year, month, day, field=field, text=value)
    return _parse_words(value, field=field)


def _parse_words(value: str, *, field: str) -> date:
    """``November 24, 2026``, ``24. november 2026``, ``tirsdag d. 24. nov. 2026``."""
    months: list[int] = []
    numbers: list[str] = []
    for word in _WORD.findall(value.lower()):
        if word.isdigit():
            numbers.append(word)
        elif word in _MONTHS:
            months.append(_MONTHS[word])
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(months) != 1 or len(years) != 1 or len(days) != 1 or len(numbers) != 2:
        raise PayloadError(
            field,
            f"{value!r} is not a date Bakfiets can read (use YYYY-MM-DD, DD-MM-YYYY or "
            "'24 November 2026')",
        )
    return _make_date(int(years[0]), months[0], int(days[0]), field=field, text=value)


def _make_date(year: int, month: int, day: int, *, field: str, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PayloadError(field, f"{text!r} is not a real day ({exc})") from None


def parse_timestamp_date(value: str | int | float, *, field: str, timezone: str) -> date:
    """The delivery date of a Unix timestamp written by a WooCommerce delivery-date plugin.

    Plugins store the delivery date's midnight, some in UTC (WordPress runs PHP in UTC) and some
    in the site's time zone. A timestamp that is exactly midnight UTC is read in UTC; any other is
    read in ``timezone``. (Local midnight in Copenhagen is 22:00 or 23:00 UTC, never midnight, so
    the two readings cannot collide there.)

    Parameters
    ----------
    value : str or int or float
        Seconds since 1970-01-01 UTC.
    field : str
        Where it came from, for the error (``meta_data._orddd_timestamp``).
    timezone : str
        IANA name of the shop's time zone (``Europe/Copenhagen``).

    Returns
    -------
    datetime.date
        The delivery date.

    Raises
    ------
    PayloadError
        When the value is not a number of seconds in a plausible range (2000–2100).
    """
    try:
        seconds = int(float(str(value).strip()))
    except ValueError:
        raise PayloadError(field, f"{value!r} is not a Unix timestamp") from None
    if not 946_684_800 <= seconds < 4_102_444_800:
        raise PayloadError(field, f"{value!r} is not a timestamp between 2000 and 2100")
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    if seconds % 86_400 == 0:
        return moment.date()
    return moment.astimezone(ZoneInfo(timezone)).date()


def parse_time_slot(text: str, *, field: str) -> list[WindowBody]:
    """Read a delivery time slot into inclusive windows of local clock time.

    Parameters
    ----------
    text : str
        The slot as the app wrote it: ``"13:00 - 14:00"``, ``"1:00 PM - 2:00 PM"``, ``"kl. 10-12"``,
        ``"10:00-12:00, 16:00-18:00"``; ``"All day"`` or an empty value for any time.
    field : str
        Where it came from, for the error (``note_attributes.Delivery-Time``).

    Returns
    -------
    list of WindowBody
        The windows in the order written (at least one); :data:`WHOLE_DAY` for any time.

    Raises
    ------
    PayloadError
        When a part is not a ``start - end`` slot, a time is not a clock time, or a window ends
        before it starts.
    """
    value = " ".join(str(text).split())
    if value.lower().strip(" .") in _ANY_TIME:
        return [WindowBody(start=WHOLE_DAY["start"], end=WHOLE_DAY["end"])]
    windows: list[WindowBody] = []
    for part in re.split(r"\s*[,;]\s*", value):
        match = _SLOT.match(part.strip())
        if not match:
            raise PayloadError(
                field, f"{part!r} is not a time slot like '13:00 - 14:00' or '1pm - 2pm'"
            )
        start = _clock(match[1], match[2], match[3], field=field, text=part)
        end = _clock(match[4], match[5], match[6], field=field, text=part)
        if end < start:
            raise PayloadError(field, f"{part!r}: the slot ends before it starts")
        windows.append({"start": _hhmm(start), "end": _hhmm(end)})
    return windows


def _clock(hour_text: str, minute_text: str | None, meridiem: str | None, **where: str) -> int:
    """Minutes after midnight; ``24:00`` is the end of the day (1440)."""
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise PayloadError(where["field"], f"{where['text']!r}: {hour} is not a 12-hour time")
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise PayloadError(where["field"], f"{where['text']!r}: {hour}:{minute:02d} is not a time")
    return hour * 60 + minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
