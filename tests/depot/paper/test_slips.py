"""Pickup slips read back as a depot worker and a scanner would: every label matches its parcel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from depot.paper.slips import SlipData, render_slips_pdf
from tests.depot.paper.readback import (
    decode,
    glyph_heights_mm,
    measure_bars,
    open_pdf,
    page_size_mm,
    page_text,
    raster,
)

DPI = 300
KAREN = SlipData(
    label_code="BK-7QX2-M9KD-3PZA",
    tracking_url="https://bakfiets.example.dk/track/q2V9bWfX1nR7YcL0pT4sZk8dHa3Ue6Jg",
    shop_name="Nørregade Boghandel",
    customer_name="Karen Holm",
    address_lines=("Amaliegade 13C", "1256 København K"),
    window_text="10:00–12:00, 16:00–18:00",
    delivery_date=date(2026, 11, 24),
    round_ref="bike-03",
    stop_number=12,
    index=2,
    count=3,
    weight_g=4500,
)
#: Three parcels of one order from three shops; the third not planned yet.
SLIPS = (
    replace(KAREN, index=1, label_code="BK-0000-1111-2222", shop_name="Vesterbro Vin"),
    KAREN,
    replace(
        KAREN,
        index=3,
        label_code="BK-ZZZZ-9999-AAAA",
        tracking_url="https://bakfiets.example.dk/track/other_token-with_underscores_00",
        shop_name="Kongens Blomster",
        round_ref=None,
        stop_number=None,
    ),
)
SIZES_MM = {"a6": (105.0, 148.0), "4x6": (101.6, 152.4)}


@pytest.fixture(scope="module", params=["a6", "4x6"])
def printed(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    """The three slips printed on one label size."""
    return request.param, render_slips_pdf(SLIPS, size=request.param)


def test_every_label_scans_to_its_parcel_and_tracking_link(printed: tuple[str, bytes]) -> None:
    """One page per parcel, of the label size; its Code 128 scans to its code, its QR code to
    its tracking link."""
    size, pdf = printed
    document = open_pdf(pdf)
    assert len(document) == len(SLIPS)
    for page, slip in zip(document, SLIPS, strict=True):
        width_mm, height_mm = page_size_mm(page)
        assert width_mm == pytest.approx(SIZES_MM[size][0], abs=0.1)
        assert height_mm == pytest.approx(SIZES_MM[size][1], abs=0.1)
        found = {(d.format, d.text) for d in decode(raster(page, DPI))}
        assert found == {("Code128", slip.label_code), ("QRCode", slip.tracking_url)}


def test_label_says_who_where_when_and_which_parcel(printed: tuple[str, bytes]) -> None:
    """Shop, customer, address, date, window, round and stop (or "not planned yet"), "2 of 3",
    weight and the code in plain text are on each label."""
    _size, pdf = printed
    texts = [page_text(page) for page in open_pdf(pdf)]
    for text, slip in zip(texts, SLIPS, strict=True):
        flat = " ".join(text.split())
        for expected in (
            slip.shop_name,
            "Karen Holm",
            "Amaliegade 13C",
            "1256 København K",
            "Tue 24 Nov 2026",
            "10:00–12:00, 16:00–18:00",
            f"{slip.index} of 3",
            "4.5 kg",
            slip.label_code,
        ):
            assert expected in flat, (expected, flat)
    assert "Round bike-03" in texts[0] and "Stop 12" in texts[0]
    assert "not planned yet" in texts[2] and "Round" not in texts[2]


def test_text_is_at_least_3_mm_high(printed: tuple[str, bytes]) -> None:
    """Every capital letter and digit on the label is drawn at least 3 mm high."""
    _size, pdf = printed
    for page in open_pdf(pdf):
        heights = glyph_heights_mm(page, "ABCDEFGHKLMNRTVWXZ0123456789")
        assert len(heights) > 20
        short = [(c, round(h, 2)) for c, h in heights if h < 3.0]
        assert not short, short


def test_bars_are_32_mm_high_with_quiet_zones(printed: tuple[str, bytes]) -> None:
    """Measured on a 600 dpi raster: bars at least 32 mm high, and at least ten narrowest bars
    of blank space on both sides of them (up to anything printed or the label's edge)."""
    _size, pdf = printed
    for page in open_pdf(pdf):
        image = raster(page, 600)
        (code,) = [d for d in decode(image) if d.format == "Code128"]
        bars = measure_bars(image, code, 600)
        assert bars.height_mm >= 32.0
        assert bars.narrowest_mm >= 0.25  # a 203 dpi thermal printer can print it
        assert bars.left_quiet_mm >= 10 * bars.narrowest_mm
        assert bars.right_quiet_mm >= 10 * bars.narrowest_mm


def test_long_names_wrap_and_still_scan() -> None:
    """A very long shop, customer and address wrap (ending in "…" when cut), keep their 3 mm,
    and the barcodes still scan."""
    long_one = replace(
        KAREN,
        shop_name="Det Ny Kongelige Antikvariat og Boghandel ved Kultorvet " * 3,
        customer_name="Karoline Amalie Frederikke Holm-Rasmussen Christiansen " * 3,
        address_lines=(
            "Sankt Annæ Gade 28, baghuset, 4. sal til venstre, dør 3",
            "1416 København K",
        ),
    )
    page = open_pdf(render_slips_pdf([long_one]))[0]
    text = page_text(page)
    assert "…" in text and "1416 København K" in text
    assert all(h >= 3.0 for _c, h in glyph_heights_mm(page, "ABCDEFGHKLMNRTVWXZ0123456789"))
    found = {(d.format, d.text) for d in decode(raster(page, DPI))}
    assert found == {("Code128", KAREN.label_code), ("QRCode", KAREN.tracking_url)}


def test_demo_labels_say_so() -> None:
    """A demo slip says it is not a real parcel."""
    text = page_text(open_pdf(render_slips_pdf([replace(KAREN, demo=True)]))[0])
    assert "DEMO" in text and "not a real parcel" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label_code": "BK-ÆØÅ-1"}, "label_code"),
        ({"label_code": ""}, "label_code"),
        ({"label_code": "BK " + "X" * 10}, "label_code"),
        ({"tracking_url": "bakfiets.dk/track/x"}, "tracking_url"),
        ({"index": 4}, "index"),
        ({"index": 0}, "index"),
        ({"stop_number": None}, "stop_number"),
        ({"weight_g": -1}, "weight_g"),
    ],
)
def test_a_slip_that_cannot_be_printed_truly_is_refused(
    change: dict[str, object], field: str
) -> None:
    """Data a scanner or a reader would get wrong is refused, naming the field."""
    with pytest.raises(ValueError, match=f"^{field}:"):
        replace(KAREN, **change)  # type: ignore[arg-type]


def test_size_and_empty_list_are_refused() -> None:
    """An unknown size or no parcels at all is refused, naming it."""
    with pytest.raises(ValueError, match=r"^size:"):
        render_slips_pdf([KAREN], size="a4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^slips:"):
        render_slips_pdf([])
