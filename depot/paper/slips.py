"""Pickup slips: one label per parcel, as a PDF of A6 or 4×6 in pages.

Each label carries the parcel's label code as a Code 128 barcode (bars at least 32 mm high, a
quiet zone of ten narrowest bars on both sides), a QR code with the public tracking link, the
shop, the customer and address, the delivery date and window, the round and stop number (or
"not planned yet"), and "2 of 3" among the parcels of the order's stop. Every character is at
least 3 mm high (capitals and digits, measured in the font's own outlines). Barcodes are drawn
as vectors, so they stay sharp on any printer. Sizes on the page are in millimetres.

Rendering is pure: :class:`SlipData` in, PDF bytes out; reading parcels from the database is
:mod:`depot.paper.collect`, ZPL for Zebra printers is :mod:`depot.paper.zpl`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Literal

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from depot.paper.fonts import register_fonts

SlipSize = Literal["a6", "4x6"]
#: Page sizes in points: A6 is the label-printer size, 4×6 in the carriers' default.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "a6": (105 * mm, 148 * mm),
    "4x6": (4 * inch, 6 * inch),
}
MARGIN = 4 * mm
BAR_HEIGHT = 34 * mm  # at least 32 mm, with room for a printer's rounding
QUIET_MODULES = 10  # quiet zone on each side, in narrowest bars
MAX_MODULE = 0.5 * mm
MIN_MODULE = 0.25 * mm  # narrower bars do not survive a 203 dpi thermal printer
QR_SIZE = 28 * mm  # four-module quiet zone included
# Text sizes in points: DejaVu capitals and digits are 0.73 em tall, so 13 pt gives 3.3 mm.
SMALL, BODY, NAME, BIG = 13, 14, 16, 22
LEADING = 1.2
MAX_LABEL_CODE = 32  # the parcels table's label_code column


@dataclass(frozen=True)
class SlipData:
    """What one parcel's label says.

    Attributes
    ----------
    label_code : str
        The parcel's code (printable ASCII), encoded in the Code 128 barcode.
    tracking_url : str
        Public tracking link (``https://.../track/TOKEN``), encoded in the QR code.
    shop_name : str
        The shop the parcel comes from.
    customer_name : str
        Who receives it.
    address_lines : tuple of str
        The delivery address, one line each (street, postcode and city).
    window_text : str
        The delivery window(s) as printed (``"10:00–12:00"``, ``"any time"``).
    delivery_date : date or None
        The delivery day, when known.
    round_ref : str or None
        The round (bike) the parcel is planned on; ``None`` prints "not planned yet".
    stop_number : int or None
        The stop's number in that round (1 = first call), with ``round_ref``.
    index, count : int
        This is parcel ``index`` of ``count`` for the stop ("2 of 3").
    weight_g : int
        The parcel's weight in grams.
    demo : bool
        Printed as a demo label, not for a real parcel.
    """

    label_code: str
    tracking_url: str
    shop_name: str
    customer_name: str
    address_lines: tuple[str, ...]
    window_text: str
    delivery_date: date | None
    round_ref: str | None
    stop_number: int | None
    index: int
    count: int
    weight_g: int
    demo: bool = False

    def __post_init__(self) -> None:
        code = self.label_code
        if not code or len(code) > MAX_LABEL_CODE or not all(32 < ord(c) < 127 for c in code):
            raise ValueError(
                f"label_code: {code!r} must be 1 to {MAX_LABEL_CODE} printable ASCII characters"
            )
        if not self.tracking_url.startswith(("https://", "http://")):
            raise ValueError(f"tracking_url: {self.tracking_url!r} is not an http(s) link")
        if not 1 <= self.index <= self.count:
            raise ValueError(f"index: {self.index} is not between 1 and count {self.count}")
        if (self.round_ref is None) != (self.stop_number is None):
            raise ValueError("stop_number: give it with round_ref, or neither")
        if self.stop_number is not None and self.stop_number < 1:
            raise ValueError(f"stop_number: {self.stop_number} must be at least 1")
        if self.weight_g < 0:
            raise ValueError(f"weight_g: {self.weight_g} must not be negative")


def tracking_url(public_url: str, token: str) -> str:
    """The tracking page of the parcel with ``token`` (the route ``/track/{token}``)."""
    return f"{public_url.rstrip('/')}/track/{token}"


def placement_text(slip: SlipData) -> str:
    """``"Round bike-03 · stop 12"``, or ``"not planned yet"``."""
    if slip.round_ref is None:
        return "not planned yet"
    return f"Round {slip.round_ref} · stop {slip.stop_number}"


def count_text(slip: SlipData) -> str:
    """``"2 of 3"``."""
    return f"{slip.index} of {slip.count}"


def weight_text(weight_g: int) -> str:
    """``"1.2 kg"``."""
    return f"{weight_g / 1000:.1f} kg"


def date_text(day: date | None) -> str:
    """``"Tue 24 Nov 2026"`` (English, whatever the machine's locale), or ``""``."""
    if day is None:
        return ""
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{weekday} {day.day} {month[day.month - 1]} {day.year}"


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width``; past ``max_lines`` the last ends in "…"."""
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and simpleSplit(last + "…", font, size, width)[0] != last + "…":
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


def code128(code: str, *, width: float, bar_height: float = BAR_HEIGHT) -> Code128:
    """The Code 128 symbol of ``code`` with the widest bars that fit ``width`` with quiet zones.

    The symbol itself has no quiet zone: the caller leaves ``QUIET_MODULES`` narrow bars blank
    on each side (``quiet_zone(symbol)``).

    Raises
    ------
    ValueError
        ``label_code``: the code is too long for bars of at least 0.25 mm in ``width``.
    """
    modules = Code128(code, barWidth=1.0, quiet=0, humanReadable=0, barHeight=1.0).width
    module = min(MAX_MODULE, width / (modules + 2 * QUIET_MODULES))
    if module < MIN_MODULE:
        raise ValueError(f"label_code: {code!r} is too long to print legibly on this label")
    return Code128(code, barWidth=module, quiet=0, humanReadable=0, barHeight=bar_height)


def quiet_zone(symbol: Code128) -> float:
    """Blank width on each side of a symbol from :func:`code128`, in points."""
    return QUIET_MODULES * float(symbol.barWidth)


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code of ``url`` (smallest version, error correction M): rows of dark modules."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return [[bool(dark) for dark in row] for row in code.modules]


def draw_qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` filling a square, a four-module quiet zone included.

    The dark modules of each row are merged into runs and filled as one path.
    """
    matrix = qr_matrix(url)
    module = size / (len(matrix) + 8)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 4) * module
        c = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                path.rect(x + (c + 4) * module, top - module, length * module, module)
            c += length
    canvas.drawPath(path, stroke=0, fill=1)


class _Column:
    """Lines of text set from the top of a column downwards."""

    def __init__(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        self.canvas, self.x, self.y, self.width = canvas, x, top, width

    def lines(self, text: str, font: str, size: float, max_lines: int) -> None:
        for line in wrap(text, font, size, self.width, max_lines):
            self.y -= size * LEADING
            self.canvas.setFont(font, size)
            self.canvas.drawString(self.x, self.y + size * 0.25, line)

    def skip(self, height: float) -> None:
        self.y -= height


def _draw_slip(canvas: Canvas, slip: SlipData, page_w: float, page_h: float) -> None:
    regular, bold = register_fonts()
    inner_w = page_w - 2 * MARGIN
    top = page_h - MARGIN
    # Top band: where from, when, beside the QR code.
    draw_qr(canvas, slip.tracking_url, x=page_w - MARGIN - QR_SIZE, y=top - QR_SIZE, size=QR_SIZE)
    head = _Column(canvas, MARGIN, top, inner_w - QR_SIZE - 2 * mm)
    if slip.demo:
        head.lines("DEMO – not a real parcel", bold, SMALL, 1)
    head.lines(f"From: {slip.shop_name}", regular, SMALL, 1 if slip.demo else 2)
    if slip.delivery_date is not None:
        head.lines(date_text(slip.delivery_date), regular, SMALL, 1)
    head.lines(slip.window_text, bold, SMALL, 2)
    # The customer, full width below the QR code.
    body = _Column(canvas, MARGIN, min(head.y, top - QR_SIZE) - 1 * mm, inner_w)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, body.y, page_w - MARGIN, body.y)
    body.skip(1 * mm)
    body.lines(slip.customer_name, bold, NAME, 2)
    for line in slip.address_lines[:3]:
        body.lines(line, regular, BODY, 1)
    body.skip(1.5 * mm)
    canvas.line(MARGIN, body.y, page_w - MARGIN, body.y)
    # Where it goes on the bike, and which of the stop's parcels it is.
    count = count_text(slip)
    count_w = canvas.stringWidth(count, bold, BIG)
    place = _Column(canvas, MARGIN, body.y, inner_w - count_w - 3 * mm)
    if slip.round_ref is None:
        place.lines(placement_text(slip), bold, NAME, 1)
    else:
        place.lines(f"Round {slip.round_ref}", bold, NAME, 1)
        place.lines(f"Stop {slip.stop_number}", bold, BIG, 1)
    place.lines(weight_text(slip.weight_g), regular, SMALL, 1)
    canvas.setFont(bold, BIG)
    canvas.drawRightString(page_w - MARGIN, body.y - BIG * 1.05, count)
    # The barcode, with its quiet zones, and the code in plain text under it.
    symbol = code128(slip.label_code, width=inner_w)
    text_y = MARGIN + 1 * mm
    bars_y = text_y + SMALL * 1.1
    symbol.drawOn(canvas, (page_w - symbol.width) / 2, bars_y)
    canvas.setFont(regular, SMALL)
    canvas.drawCentredString(page_w / 2, text_y, slip.label_code)
    if place.y - SMALL * LEADING < bars_y + BAR_HEIGHT:  # cannot happen with the caps above
        raise ValueError(f"label_code: the text of {slip.label_code} overlaps its barcode")


def render_slips_pdf(slips: Sequence[SlipData], *, size: SlipSize = "a6") -> bytes:
    """One page per parcel label, as a PDF.

    Parameters
    ----------
    slips : sequence of SlipData
        The labels, in print order.
    size : {"a6", "4x6"}
        A6 (105×148 mm) or 4×6 in (101.6×152.4 mm) pages.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ValueError
        ``size``: not a known size; ``slips``: none given; ``label_code``: too long to print.
    """
    if size not in PAGE_SIZES:
        raise ValueError(f"size: {size!r} is not one of {', '.join(PAGE_SIZES)}")
    if not slips:
        raise ValueError("slips: no parcels to print")
    page_w, page_h = PAGE_SIZES[size]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(page_w, page_h), pageCompression=1)
    canvas.setTitle(f"Bakfiets pickup slips ({len(slips)} parcels)")
    canvas.setCreator("Bakfiets")
    for slip in slips:
        _draw_slip(canvas, slip, page_w, page_h)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
