"""ZPL slips for Zebra printers, read back command by command (no printer or renderer here)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import zxingcpp

from depot.paper.zpl import render_slips_zpl
from tests.depot.paper.test_slips import KAREN, SLIPS

DOTS_PER_MM = 203 / 25.4


def _unhex(field: str) -> str:
    """Undo ``^FH_`` escapes (``_5E`` is a caret) on UTF-8 field data."""
    return re.sub(r"_([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m[1]).decode("latin-1"), field)


def _labels(zpl: str) -> list[str]:
    return re.findall(r"\^XA(.*?)\^XZ", zpl, flags=re.DOTALL)


def _fields(label: str) -> list[str]:
    return [_unhex(f) for f in re.findall(r"\^FD(.*?)\^FS", label, flags=re.DOTALL)]


def test_each_label_encodes_its_code_and_link() -> None:
    """One label per parcel: ``^BC`` holds the label code, ``^BQ`` the tracking link, and the
    texts name the shop, customer, address, window, round/stop and "2 of 3"."""
    labels = _labels(render_slips_zpl(SLIPS))
    assert len(labels) == len(SLIPS)
    for label, slip in zip(labels, SLIPS, strict=True):
        code = re.search(r"\^BC[^^]*\^FH_\^FD(.*?)\^FS", label)
        qr = re.search(r"\^BQN,2,\d+\s*\^FH_\^FD(.*?)\^FS", label)
        assert code is not None and _unhex(code[1]) == slip.label_code
        assert qr is not None and _unhex(qr[1]) == f"MA,{slip.tracking_url}"
        text = " | ".join(_fields(label))
        for expected in (slip.shop_name, "Karen Holm", "1256 København K", slip.window_text):
            assert expected in text
        assert f"{slip.index} of 3" in text
        assert "^CI28" in label  # UTF-8 for ø and å
    assert "Round bike-03 · stop 12" in " ".join(_fields(labels[0]))
    assert "not planned yet" in " ".join(_fields(labels[2]))


def test_bars_are_tall_wide_enough_and_have_quiet_zones() -> None:
    """4×6 in at 203 dpi: bars ≥ 32 mm high, narrow bar ≥ 2 dots, and ten narrow bars of
    blank either side of the symbol (its width from zxing-cpp's own Code 128 encoder)."""
    label = _labels(render_slips_zpl([KAREN]))[0]
    assert "^PW812" in label and "^LL1218" in label
    at = re.search(r"\^FO(\d+),(\d+)\^BY(\d+),\d+,(\d+)\^BCN,(\d+)", label)
    assert at is not None
    x, module, height = int(at[1]), int(at[3]), int(at[5])
    assert height / DOTS_PER_MM >= 32.0
    assert module >= 2
    modules = (
        zxingcpp.create_barcode(KAREN.label_code, zxingcpp.BarcodeFormat.Code128)
        .to_image(scale=1, add_quiet_zones=False)
        .shape[1]
    )
    assert x >= 10 * module
    assert x + modules * module + 10 * module <= 812


def test_carets_and_tildes_in_names_cannot_break_the_label() -> None:
    """A ``^`` or ``~`` in a shop or customer name is escaped, and read back as written."""
    odd = replace(KAREN, shop_name="Vin ^XZ & ~JA Øl_bar", customer_name="Back\\slash ^FS")
    label = _labels(render_slips_zpl([odd]))[0]
    fields = _fields(label)
    assert any("Vin ^XZ & ~JA Øl_bar" in f for f in fields)
    assert any("Back\\\\slash ^FS" in f for f in fields)  # ^FB doubles a backslash
    raw = re.findall(r"\^FD(.*?)\^FS", label, flags=re.DOTALL)
    assert not any("^" in f or "~" in f for f in raw)


def test_unknown_resolution_is_refused() -> None:
    """Only 203 and 300 dpi printers are written for."""
    with pytest.raises(ValueError, match=r"^dpi:"):
        render_slips_zpl([KAREN], dpi=600)
