"""Delivery dates and time slots as delivery-date apps write them (depot.webshop.slots)."""

from __future__ import annotations

from datetime import date

import pytest

from depot.webshop.errors import PayloadError
from depot.webshop.slots import parse_delivery_date, parse_time_slot, parse_timestamp_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", date(2026, 11, 24)),
        ("2026/11/24", date(2026, 11, 24)),
        ("20261124", date(2026, 11, 24)),
        ("24-11-2026", date(2026, 11, 24)),
        ("24.11.2026", date(2026, 11, 24)),
        ("24/11/2026", date(2026, 11, 24)),
        ("4/1/2027", date(2027, 1, 4)),
        ("November 24, 2026", date(2026, 11, 24)),
        ("Tuesday, November 24, 2026", date(2026, 11, 24)),
        ("25 November, 2026", date(2026, 11, 25)),
        ("24. november 2026", date(2026, 11, 24)),
        ("tirsdag d. 1. dec. 2026", date(2026, 12, 1)),
        ("  2026-11-24  ", date(2026, 11, 24)),
    ],
)
def test_dates_in_the_forms_apps_write(text: str, expected: date) -> None:
    """ISO, Danish day-first numerics and English/Danish month names all read to the same day."""
    assert parse_delivery_date(text, field="f") == expected


def test_month_first_dates_when_the_shop_writes_them() -> None:
    """``11/24/2026`` is 24 November for a month-first shop; ``4/1/2027`` is then 1 April."""
    assert parse_delivery_date("11/24/2026", field="f", date_order="mdy") == date(2026, 11, 24)
    assert parse_delivery_date("4/1/2027", field="f", date_order="mdy") == date(2027, 4, 1)


def test_a_month_first_date_in_a_day_first_shop_says_which_setting_to_change() -> None:
    """``11/24/2026`` read day first has month 24: the error says the shop writes month first."""
    with pytest.raises(PayloadError) as caught:
        parse_delivery_date("11/24/2026", field="note_attributes.Delivery-Date")
    assert caught.value.field == "note_attributes.Delivery-Date"
    assert "BAKFIETS_WEBSHOP_DATE_ORDER=mdy" in caught.value.reason


@pytest.mark.parametrize(
    "text", ["2026-02-30", "31.04.2026", "tomorrow", "", "24 Nov", "13/13/2026"]
)
def test_unreadable_or_impossible_dates_name_the_field(text: str) -> None:
    """A day that does not exist, or a text without day, month and year, is refused by field."""
    with pytest.raises(PayloadError) as caught:
        parse_delivery_date(text, field="meta_data.jckwds_date")
    assert caught.value.field == "meta_data.jckwds_date"


def test_timestamps_at_utc_midnight_and_at_copenhagen_midnight_give_the_same_day() -> None:
    """1795564800 is 2026-11-25 00:00 UTC; 1795561200 is 2026-11-25 00:00 in Copenhagen (UTC+1)."""
    tz = "Europe/Copenhagen"
    assert parse_timestamp_date("1795564800", field="f", timezone=tz) == date(2026, 11, 25)
    assert parse_timestamp_date(1795561200, field="f", timezone=tz) == date(2026, 11, 25)
    # 2026-07-01 00:00 in Copenhagen (UTC+2) is 2026-06-30 22:00 UTC.
    assert parse_timestamp_date("1782856800", field="f", timezone=tz) == date(2026, 7, 1)
    # West of UTC the rule matters: UTC midnight is 19:00 the day before in New York.
    ny = "America/New_York"
    assert parse_timestamp_date("1795564800", field="f", timezone=ny) == date(2026, 11, 25)


@pytest.mark.parametrize("value", ["soon", "12", "99999999999"])
def test_timestamps_that_are_not_plausible_are_refused(value: str) -> None:
    """Text, and numbers outside 2000–2100, are not taken for a delivery date."""
    with pytest.raises(PayloadError) as caught:
        parse_timestamp_date(value, field="meta_data._orddd_timestamp", timezone="UTC")
    assert caught.value.field == "meta_data._orddd_timestamp"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13:00 - 14:00", [("13:00", "14:00")]),
        ("13:00-14:00", [("13:00", "14:00")]),
        ("13.00 – 14.00", [("13:00", "14:00")]),
        ("1:00 PM - 2:00 PM", [("13:00", "14:00")]),
        ("10am-12pm", [("10:00", "12:00")]),
        ("12:30 am - 1 am", [("00:30", "01:00")]),
        ("kl. 10-12", [("10:00", "12:00")]),
        ("10:00 til 12:00", [("10:00", "12:00")]),
        ("between 9 and 11", [("09:00", "11:00")]),
        ("08:00:00 - 10:00:00", [("08:00", "10:00")]),
        ("18:00 - 24:00", [("18:00", "24:00")]),
        ("10:00-12:00, 16:00-18:00", [("10:00", "12:00"), ("16:00", "18:00")]),
        ("All day", [("00:00", "24:00")]),
        ("Hele dagen", [("00:00", "24:00")]),
        ("", [("00:00", "24:00")]),
    ],
)
def test_time_slots_in_the_forms_apps_write(text: str, expected: list[tuple[str, str]]) -> None:
    """Slots become inclusive HH:MM windows; 'all day' and empty mean the whole day."""
    windows = parse_time_slot(text, field="f")
    assert [(w["start"], w["end"]) for w in windows] == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("14:00 - 13:00", "ends before it starts"),
        ("13:00", "is not a time slot"),
        ("asap", "is not a time slot"),
        ("25:00 - 26:00", "is not a time"),
        ("10:75 - 11:00", "is not a time"),
        ("13pm - 14pm", "is not a 12-hour time"),
    ],
)
def test_bad_slots_name_the_field_and_the_reason(text: str, words: str) -> None:
    """A reversed slot, a single time or an impossible clock time is refused with its reason."""
    with pytest.raises(PayloadError) as caught:
        parse_time_slot(text, field="note_attributes.Delivery-Time")
    assert caught.value.field == "note_attributes.Delivery-Time"
    assert words in caught.value.reason
