"""Merchants' CSV files of orders (depot.csv_import): per-row errors, encodings, delimiters."""

from __future__ import annotations

from datetime import date

import pytest

from depot.csv_import import CsvFileError, parse_orders_csv

TODAY = date(2026, 11, 23)
HEADER = (
    "external_id,delivery_date,name,phone,email,street,housenumber,postcode,city,window,"
    "weight_g,volume_ml,parcels"
)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


GOOD = [
    "1001,26-11-2026,Mette Holm,+45 31 22 45 67,mette@example.dk,Blågårdsgade,17,2200,"
    "København N,10:00-12:00,1200,5000,1",
    "1002,2026-11-27,Jonas Nielsen,,,Jægersborggade,41,2200,København N,,800,3000,2",
]


def test_good_rows_become_orders_of_the_shop() -> None:
    """Each row is one order of the merchant's shop; ids are prefixed with the shop."""
    parsed = parse_orders_csv(_csv(*GOOD), shop="S001", today=TODAY)
    assert parsed.errors == []
    assert parsed.row_count == 2
    first, second = parsed.orders
    assert (first.row, second.row) == (2, 3)
    assert first.order.model_dump(mode="json") == {
        "external_id": "S001-1001",
        "delivery_date": "2026-11-26",
        "customer": {"name": "Mette Holm", "phone": "+45 31 22 45 67", "email": "mette@example.dk"},
        "address": {
            "street": "Blågårdsgade",
            "housenumber": "17",
            "postcode": "2200",
            "city": "København N",
            "lat": None,
            "lon": None,
        },
        "windows": [{"start": "10:00", "end": "12:00"}],
        "lines": [
            {
                "shop": "S001",
                "handover": "pickup",
                "parcels": [{"weight_g": 1200, "volume_ml": 5000, "count": 1}],
            }
        ],
        "slot_hold_id": None,  # a CSV file holds no slot
    }
    # No window: the whole day; two identical parcels.
    assert second.order.model_dump(mode="json")["windows"] == [{"start": "00:00", "end": "24:00"}]
    assert second.order.lines[0].parcels[0].count == 2


def test_broken_rows_are_reported_by_row_field_and_reason() -> None:
    """Every problem of every row is listed with the spreadsheet row and the column to fix."""
    rows = [
        GOOD[0],
        "1003,2026-11-20,Ida,,not-an-email,Nørrebrogade,,2200,København N,14-12,-5,,",
        GOOD[1],
        ",31-02-2026,,,,Fiolstræde,24,1171,København K,,abc,,",
        "1001,26-11-2026,Dup,,,Istedgade,80,1650,København V,,800,,",
    ]
    parsed = parse_orders_csv(_csv(*rows), shop="S001", today=TODAY)
    assert [o.row for o in parsed.orders] == [2, 4]
    found = {(e.row, e.field) for e in parsed.errors}
    assert found == {
        (3, "delivery_date"),
        (3, "housenumber"),
        (3, "window"),
        (3, "email"),
        (3, "weight_g"),
        (5, "delivery_date"),
        (5, "external_id"),
        (5, "name"),
        (5, "weight_g"),
        (6, "external_id"),
    }
    reasons = {(e.row, e.field): e.reason for e in parsed.errors}
    assert reasons[(3, "delivery_date")] == "2026-11-20 is in the past (today is 2026-11-23)"
    assert reasons[(3, "window")] == "'14-12': the slot ends before it starts"
    assert reasons[(6, "external_id")] == "'1001' is also on row 2"
    assert "is not a real day" in reasons[(5, "delivery_date")]


def test_latin1_file_is_refused_naming_line_and_byte() -> None:
    """Excel's plain CSV (cp1252): the error gives the line, the byte and what to do."""
    data = _csv(*GOOD).decode("utf-8").encode("cp1252")
    with pytest.raises(CsvFileError) as caught:
        parse_orders_csv(data, shop="S001", today=TODAY)
    # The first non-ASCII byte is the 'å' (0xE5) of Blågårdsgade on line 2.
    offset = data.index(b"\xe5")
    assert caught.value.field == "file"
    assert f"line 2, byte {offset} (0xE5," in caught.value.reason
    assert "cp1252" in caught.value.reason


def test_the_same_file_reads_when_its_encoding_is_named() -> None:
    """With encoding='cp1252' the Danish letters come through as written."""
    data = _csv(*GOOD).decode("utf-8").encode("cp1252")
    parsed = parse_orders_csv(data, shop="S001", today=TODAY, encoding="cp1252")
    assert [o.order.address.street for o in parsed.orders] == ["Blågårdsgade", "Jægersborggade"]


def test_excel_utf8_with_bom_and_semicolons_and_crlf() -> None:
    """Danish Excel's 'CSV UTF-8': BOM, ';' between cells, CRLF line ends."""
    text = "\r\n".join(
        [
            "Ordrenr;Leveringsdato;Navn;Adresse;Postnr;By;Tidsrum;Vægt g;Antal",
            "A-7;26.11.2026;Søren Ægidius;Vesterbrogade 59;1620;København V;kl. 16-18;2 500;3",
        ]
    )
    data = b"\xef\xbb\xbf" + text.encode("utf-8")
    parsed = parse_orders_csv(data, shop="S002", today=TODAY)
    assert parsed.errors == []
    order = parsed.orders[0].order
    assert order.external_id == "S002-A-7"
    assert order.customer.name == "Søren Ægidius"
    assert (order.address.street, order.address.housenumber) == ("Vesterbrogade", "59")
    assert order.lines[0].parcels[0].weight_g == 2500
    assert order.lines[0].parcels[0].count == 3
    assert [(w.start, w.end) for w in order.windows] == [("16:00", "18:00")]
    assert parsed.notes == ["no volume_ml column: every parcel is taken as 5000 ml"]


def test_coordinates_instead_of_a_street_address() -> None:
    """lat/lon columns alone make a point address."""
    data = _csv(
        "P1,2026-11-26,Kiosk,55.6812,12.5728,900",
        header="external_id,delivery_date,name,lat,lon,weight_g",
    )
    order = parse_orders_csv(data, shop="S001", today=TODAY).orders[0].order
    assert (order.address.lat, order.address.lon) == (55.6812, 12.5728)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"", "file"),
        (
            b"external_id,delivery_date,name,street,postcode,city\n1,2026-11-26,A,B 1,2200,K\n",
            "weight_g",
        ),
        (b"external_id,delivery_date,name,weight_g\n1,2026-11-26,A,5\n", "street"),
        (b"external_id,order_id,delivery_date,name,weight_g,lat,lon\n", "external_id"),
        (b"external_id,delivery_date\x00,name\n", "file"),
    ],
)
def test_unusable_files_name_what_is_missing(data: bytes, field: str) -> None:
    """Empty files, missing needed columns, doubled columns and binary data are file errors."""
    with pytest.raises(CsvFileError) as caught:
        parse_orders_csv(data, shop="S001", today=TODAY)
    assert caught.value.field == field


def test_too_many_rows_is_a_file_error() -> None:
    """More rows than the limit are refused as a whole, before any is used."""
    with pytest.raises(CsvFileError, match="more than 1 order rows"):
        parse_orders_csv(_csv(*GOOD), shop="S001", today=TODAY, max_rows=1)


def test_a_row_with_more_cells_than_the_header_is_an_error() -> None:
    """A stray delimiter shifts the row: it is reported, not read into the wrong columns."""
    parsed = parse_orders_csv(_csv(GOOD[0] + ",extra"), shop="S001", today=TODAY)
    assert parsed.orders == []
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "file")]


def test_blank_rows_are_skipped_but_row_numbers_stay_the_spreadsheets() -> None:
    """A blank line is not an order, and the row after it keeps its spreadsheet number."""
    parsed = parse_orders_csv(_csv(GOOD[0], ",,,,,,,,,,,,", GOOD[1]), shop="S001", today=TODAY)
    assert [o.row for o in parsed.orders] == [2, 4]
    assert parsed.row_count == 2
