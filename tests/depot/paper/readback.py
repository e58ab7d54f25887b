"""Reading printed paper back as a person or a scanner would: text, sizes, barcodes, bars.

Text and character boxes come from pdfium (the PDF's own text layer); barcodes are decoded by
zxing-cpp from a raster of the page, as a scanner reads the printed label; bar heights and
quiet zones are measured in that raster. Nothing here uses Bakfiets code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True)
class Decoded:
    """A barcode found on a page: its format, content and bounding box in pixels."""

    format: str
    text: str
    left: int
    right: int
    top: int
    bottom: int


def open_pdf(content: bytes) -> pdfium.PdfDocument:
    """The PDF document (pages by index)."""
    return pdfium.PdfDocument(content)


def page_size_mm(page: pdfium.PdfPage) -> tuple[float, float]:
    """Width and height of a page in millimetres."""
    width, height = page.get_size()
    return width * MM_PER_POINT, height * MM_PER_POINT


def page_text(page: pdfium.PdfPage) -> str:
    """All text of the page, in drawing order."""
    return str(page.get_textpage().get_text_range())


def glyph_heights_mm(page: pdfium.PdfPage, characters: str) -> list[tuple[str, float]]:
    """The drawn height of every character of ``characters`` on the page (tight glyph box)."""
    text = page.get_textpage()
    found = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char and char in characters:
            _left, bottom, _right, top = text.get_charbox(index)
            found.append((char, (top - bottom) * MM_PER_POINT))
    return found


def char_boxes(page: pdfium.PdfPage) -> list[tuple[str, float, float, float, float]]:
    """Every character with its box ``(char, left, bottom, right, top)`` in points from the
    page's lower left corner."""
    text = page.get_textpage()
    boxes = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.strip():
            boxes.append((char, *text.get_charbox(index)))
    return boxes


def raster(page: pdfium.PdfPage, dpi: int = 300) -> np.ndarray:
    """The page as a greyscale image (0 black … 255 white), ``dpi`` pixels per inch."""
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    return np.asarray(image)


def decode(image: np.ndarray) -> list[Decoded]:
    """Every barcode zxing-cpp finds in the image."""
    found = []
    for result in zxingcpp.read_barcodes(Image.fromarray(image)):
        pos = result.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        found.append(
            Decoded(
                str(result.format).split(".")[-1].replace(" ", ""),
                result.text,
                min(xs),
                max(xs),
                min(ys),
                max(ys),
            )
        )
    return found


def runs(dark: np.ndarray) -> list[tuple[bool, int, int]]:
    """``(is_dark, start, length)`` of each run of equal values in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(dark.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(dark)]])
    return [(bool(dark[s]), int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


@dataclass(frozen=True)
class Bars:
    """A linear barcode measured in the raster, in millimetres."""

    height_mm: float
    narrowest_mm: float
    left_quiet_mm: float
    right_quiet_mm: float


def measure_bars(image: np.ndarray, found: Decoded, dpi: int) -> Bars:
    """Bar height, narrowest bar and the blank space either side, along the scan line.

    The blank space ends at the first dark pixel or at the edge of the page, whichever comes
    first, within the bars' full height (anything printed beside the bars counts).
    """
    mm_per_px = 25.4 / dpi
    dark = image < 128
    row = (found.top + found.bottom) // 2
    line = runs(dark[row])
    bars = [(start, length) for is_dark, start, length in line if is_dark]
    inside = [b for b in bars if found.left - 2 <= b[0] and b[0] + b[1] <= found.right + 3]
    first, last = inside[0][0], inside[-1][0] + inside[-1][1]
    column = dark[:, first]
    top = bottom = row
    while top > 0 and column[top - 1]:
        top -= 1
    while bottom < len(column) - 1 and column[bottom + 1]:
        bottom += 1
    band = dark[top : bottom + 1]
    left_dark = np.flatnonzero(band[:, :first].any(axis=0))
    right_dark = np.flatnonzero(band[:, last:].any(axis=0))
    left_blank = first - (left_dark[-1] + 1 if len(left_dark) else 0)
    right_blank = right_dark[0] if len(right_dark) else image.shape[1] - last
    return Bars(
        height_mm=(bottom - top + 1) * mm_per_px,
        narrowest_mm=min(length for _start, length in inside) * mm_per_px,
        left_quiet_mm=left_blank * mm_per_px,
        right_quiet_mm=right_blank * mm_per_px,
    )
