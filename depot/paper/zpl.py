"""Pickup slips in ZPL II, for Zebra thermal printers (203 or 300 dpi).

The same label as :func:`depot.paper.slips.render_slips_pdf`, written as printer commands: one
``^XA`` … ``^XZ`` block per parcel, text in the printer's scalable font 0 (UTF-8, ``^CI28``),
``^BC`` Code 128 in automatic subset mode (bars at least 32 mm high, a quiet zone of ten narrow
bars kept on both sides), ``^BQ`` model 2 QR code with the tracking link. Every text field goes
through ``^FH_`` so a ``^`` or ``~`` in a name cannot end the command early.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128

from depot.paper.slips import (
    PAGE_SIZES,
    QUIET_MODULES,
    SlipData,
    SlipSize,
    count_text,
    date_text,
    placement_text,
    qr_matrix,
    weight_text,
)

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0
BAR_HEIGHT_MM = 34.0


def _hex(text: str) -> str:
    """Field data for ``^FH_``: underscore, caret and tilde as hex escapes."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _block(text: str) -> str:
    """Field data inside a ``^FB`` block, where a backslash starts a command (``\\&``)."""
    return _hex(text.replace("\\", "\\\\"))


def _text(
    x: int, y: int, text: str, *, height: int, width: int, lines: int = 1, align: str = "L"
) -> str:
    """A text field block ``width`` dots wide, wrapped to at most ``lines`` lines."""
    return f"^FO{x},{y}^A0N,{height},{height}^FB{width},{lines},0,{align},0^FH_^FD{_block(text)}^FS"


def slip_zpl(slip: SlipData, *, size: SlipSize = "4x6", dpi: int = 203) -> str:
    """One label as a ZPL ``^XA`` … ``^XZ`` block.

    Parameters
    ----------
    slip : SlipData
    size : {"4x6", "a6"}
        Label stock.
    dpi : {203, 300}
        The printer's resolution.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``dpi``: not 203 or 300; ``label_code``: too long for bars of at least two dots;
        ``tracking_url``: too long for QR modules of at least three dots.
    """
    if dpi not in (203, 300):
        raise ValueError(f"dpi: {dpi} is not 203 or 300")
    dots_per_mm = dpi / MM_PER_INCH
    page_w, page_h = (round(side / POINTS_PER_INCH * dpi) for side in PAGE_SIZES[size])
    margin = round(4 * dots_per_mm)
    inner = page_w - 2 * margin
    small, body, name, big = (round(h * dots_per_mm) for h in (4.6, 5.0, 5.6, 7.5))
    modules = int(Code128(slip.label_code, barWidth=1.0, quiet=0, barHeight=1.0).width)
    module = min(4 if dpi == 203 else 6, inner // (modules + 2 * QUIET_MODULES))
    if module < 2:
        raise ValueError(f"label_code: {slip.label_code!r} is too long to print on this label")
    bar_h = round(BAR_HEIGHT_MM * dots_per_mm)
    qr_side = round(28 * dots_per_mm)
    qr_mag = qr_side // (len(qr_matrix(slip.tracking_url)) + 8)  # four-module quiet zone each side
    if qr_mag < 3:
        raise ValueError(f"tracking_url: {slip.tracking_url!r} is too long for the QR code")
    head_w = inner - qr_side - margin
    parts = ["^XA", "^CI28", f"^PW{page_w}", f"^LL{page_h}", "^LH0,0"]
    y = margin
    if slip.demo:
        parts.append(_text(margin, y, "DEMO – not a real parcel", height=small, width=head_w))
        y += round(small * 1.2)
    parts.append(_text(margin, y, f"From: {slip.shop_name}", height=small, width=head_w, lines=2))
    y += round(small * 2.4)
    if slip.delivery_date is not None:
        parts.append(_text(margin, y, date_text(slip.delivery_date), height=small, width=head_w))
        y += round(small * 1.2)
    parts.append(_text(margin, y, slip.window_text, height=small, width=head_w, lines=2))
    parts.append(f"^FO{page_w - margin - qr_side},{margin}^BQN,2,{qr_mag}")
    parts.append(f"^FH_^FDMA,{_hex(slip.tracking_url)}^FS")
    y = max(y + round(small * 2.4), margin + qr_side) + margin
    parts.append(f"^FO{margin},{y}^GB{inner},3,3^FS")
    y += margin
    parts.append(_text(margin, y, slip.customer_name, height=name, width=inner, lines=2))
    y += round(name * 2.4)
    address = "\\&".join(_block(line) for line in slip.address_lines[:3])
    parts.append(f"^FO{margin},{y}^A0N,{body},{body}^FB{inner},3,0,L,0^FH_^FD{address}^FS")
    y += round(body * 3.6)
    parts.append(f"^FO{margin},{y}^GB{inner},3,3^FS")
    y += margin
    count_w = round(big * 3.2)
    parts.append(_text(margin, y, placement_text(slip), height=name, width=inner - count_w))
    parts.append(
        _text(page_w - margin - count_w, y, count_text(slip), height=big, width=count_w, align="R")
    )
    y += round(name * 1.3)
    parts.append(_text(margin, y, weight_text(slip.weight_g), height=small, width=inner))
    text_y = page_h - margin - small
    bars_y = text_y - round(2 * dots_per_mm) - bar_h
    bars_x = (page_w - modules * module) // 2
    parts.append(f"^FO{bars_x},{bars_y}^BY{module},3,{bar_h}^BCN,{bar_h},N,N,N,A")
    parts.append(f"^FH_^FD{_hex(slip.label_code)}^FS")
    parts.append(_text(margin, text_y, slip.label_code, height=small, width=inner, align="C"))
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def render_slips_zpl(slips: Sequence[SlipData], *, size: SlipSize = "4x6", dpi: int = 203) -> str:
    """Every label, one ``^XA`` … ``^XZ`` block each, ready to send to the printer.

    Raises
    ------
    ValueError
        ``slips``: none given; see :func:`slip_zpl` for the rest.
    """
    if not slips:
        raise ValueError("slips: no parcels to print")
    return "".join(slip_zpl(slip, size=size, dpi=dpi) for slip in slips)
