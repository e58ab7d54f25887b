"""Driver manifests: one A4 PDF per round, for the courier and the depot.

The first page shows the round's totals (distance, time, load, trips, parcels) and its map on
our own street graph (:mod:`depot.paper.round_map`); then every call in the plan's order with
its number (the same number as on the map and on the parcels' slips), ETA, window, address,
customer, parcel codes, count and weight, notes, and an empty box for the courier's initials.
Reloads at the depot and breaks stand between the calls at their time.

Rendering is pure: :class:`ManifestData` in, PDF bytes out. Building the data from a planned
round is :func:`depot.paper.from_plan.manifest_data_from_round`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from depot.day import clock
from depot.paper.fonts import register_fonts
from depot.paper.round_map import MapStop, Polyline, RoundMap
from depot.paper.slips import date_text, weight_text
from depot.rounds_map import PALETTE

StopKind = Literal["pickup", "delivery", "reload"]
MARGIN = 12 * mm
MAP_HEIGHT = 105 * mm
MAP_ASPECT = (A4[0] - 2 * MARGIN) / MAP_HEIGHT  # width / height
# Column widths (A4 less margins = 186 mm): #, ETA, call, customer and address, parcels, kg,
# notes, initials.
COLUMNS_MM = (9, 22, 17, 50, 36, 13, 23, 16)


@dataclass(frozen=True)
class ManifestStop:
    """One call of the round, in the plan's order.

    Attributes
    ----------
    number : int or None
        The stop's number in the round (1 = first call); ``None`` for a reload at the depot.
    kind : {"delivery", "pickup", "reload"}
    stop_id : str or None
        The plan's stop id (``None`` for a reload).
    eta_s : int
        Planned arrival, seconds after midnight.
    address : str
    customer : str
        Who receives (delivery) or hands over (pickup: the shop).
    parcel_codes : tuple of str
        The parcels' label codes.
    weight_g : int
        Weight handed over, grams.
    window_text : str
        The stop's window(s) as printed.
    notes : str
        Door codes, "ring twice"... for the courier.
    lat, lon : float
        Where, in degrees (for the map).
    """

    number: int | None
    kind: StopKind
    stop_id: str | None
    eta_s: int
    address: str
    customer: str
    parcel_codes: tuple[str, ...]
    weight_g: int
    window_text: str
    notes: str
    lat: float
    lon: float


@dataclass(frozen=True)
class ManifestData:
    """Everything one round's manifest shows.

    Attributes
    ----------
    round_ref : str
        How the depot names the round.
    bike : str
        The bike riding it.
    service_date : date or None
        The day (``None`` for a demo day without a date).
    depot_label : str
    depot_lat, depot_lon : float
    stops : tuple of ManifestStop
        Every call, reloads included, in the plan's order.
    breaks : tuple of (start_s, duration_s)
    legs : tuple of Polyline
        The streets ridden, depot to depot.
    streets : tuple of Polyline
        Streets around the round, drawn light grey behind it.
    distance_m : int
    start_s, end_s : int
        Leaving and back at the depot, seconds after midnight.
    peak_load_g : int
        Heaviest load on the bike at any time.
    trips : int
        Times the bike leaves the depot loaded.
    colour : str
        The round's colour on the map (as on the HTML map of the day).
    demo : bool
        A demo day: parcel codes are made up.
    """

    round_ref: str
    bike: str
    service_date: date | None
    depot_label: str
    depot_lat: float
    depot_lon: float
    stops: tuple[ManifestStop, ...]
    breaks: tuple[tuple[int, int], ...]
    legs: tuple[Polyline, ...]
    streets: tuple[Polyline, ...]
    distance_m: int
    start_s: int
    end_s: int
    peak_load_g: int
    trips: int
    colour: str = PALETTE[0]
    demo: bool = False

    @property
    def calls(self) -> tuple[ManifestStop, ...]:
        """The numbered stops (reloads left out)."""
        return tuple(s for s in self.stops if s.number is not None)

    @property
    def parcels(self) -> int:
        """Parcels delivered or picked up in the round (each counted once per call)."""
        return sum(len(s.parcel_codes) for s in self.calls)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20),
        "line": ParagraphStyle("line", fontName=regular, fontSize=10, leading=13),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "bold": ParagraphStyle("bold", fontName=bold, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=10),
    }


def _duration(seconds: int) -> str:
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min"


def totals_text(data: ManifestData) -> str:
    """The totals line: distance, time, load, trips, calls and parcels."""
    delivered_g = sum(s.weight_g for s in data.calls if s.kind == "delivery")
    picked_g = sum(s.weight_g for s in data.calls if s.kind == "pickup")
    return (
        f"{len(data.calls)} stops · {data.parcels} parcels · {data.distance_m / 1000:.1f} km · "
        f"{_duration(data.end_s - data.start_s)} ({clock(data.start_s)}–{clock(data.end_s)}) · "
        f"{data.trips} trip(s) · peak load {weight_text(data.peak_load_g)} · "
        f"delivers {weight_text(delivered_g)}, picks up {weight_text(picked_g)}"
    )


def _row(stop: ManifestStop, styles: dict[str, ParagraphStyle]) -> list[object]:
    cell, bold = styles["cell"], styles["bold"]
    if stop.number is None:
        return [
            "",
            Paragraph(clock(stop.eta_s), bold),
            Paragraph("reload", bold),
            Paragraph(escape(f"Reload at the depot: {stop.address}"), cell),
            "",
            "",
            "",
            "",
        ]
    who = f"<b>{escape(stop.customer)}</b><br/>{escape(stop.address)}"
    codes = "<br/>".join(escape(code) for code in stop.parcel_codes) or "–"
    return [
        Paragraph(str(stop.number), bold),
        Paragraph(f"{clock(stop.eta_s)}<br/>{escape(stop.window_text)}", cell),
        Paragraph(f"{escape(stop.kind)}<br/>{escape(stop.stop_id or '')}", cell),
        Paragraph(who, cell),
        Paragraph(codes, cell),
        Paragraph(f"{len(stop.parcel_codes)}<br/>{weight_text(stop.weight_g)}", cell),
        Paragraph(escape(stop.notes), cell),
        "",
    ]


def _table(data: ManifestData, styles: dict[str, ParagraphStyle]) -> Table:
    head = [
        "#",
        "ETA / window",
        "Call",
        "Customer, address",
        "Parcels",
        "Count",
        "Notes",
        "Initials",
    ]
    rows: list[list[object]] = [[Paragraph(h, styles["head"]) for h in head]]
    breaks = sorted(data.breaks)
    style: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 7),  # room to write in the initials box
    ]
    for stop in data.stops:
        while breaks and breaks[0][0] <= stop.eta_s:
            start_s, duration_s = breaks.pop(0)
            rows.append(_break_row(start_s, duration_s, styles))
            style.append(("SPAN", (3, len(rows) - 1), (-1, len(rows) - 1)))
        rows.append(_row(stop, styles))
        if stop.number is None:
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.whitesmoke))
    for start_s, duration_s in breaks:
        rows.append(_break_row(start_s, duration_s, styles))
        style.append(("SPAN", (3, len(rows) - 1), (-1, len(rows) - 1)))
    table = Table(rows, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _break_row(start_s: int, duration_s: int, styles: dict[str, ParagraphStyle]) -> list[object]:
    text = f"Break {duration_s // 60} min"
    return ["", Paragraph(clock(start_s), styles["bold"]), Paragraph("break", styles["bold"]),
            Paragraph(text, styles["cell"]), "", "", "", ""]  # fmt: skip


def render_manifest_pdf(data: ManifestData) -> bytes:
    """The round's manifest as an A4 PDF.

    Parameters
    ----------
    data : ManifestData

    Returns
    -------
    bytes
        The PDF: header with totals and map on the first page, the calls table after it
        (continued on further pages, its header repeated).
    """
    styles = _styles()
    out = io.BytesIO()
    day = date_text(data.service_date) if data.service_date else "demo day"
    bike = "" if data.bike == data.round_ref else f" · bike {data.bike}"
    title = f"Manifest {data.round_ref}{bike} · {day}"
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Bakfiets",
    )
    story: list[Flowable] = [Paragraph(escape(title), styles["title"])]
    if data.demo:
        story.append(Paragraph("DEMO – made-up parcel codes, not real parcels", styles["line"]))
    story += [
        Paragraph(escape(totals_text(data)), styles["line"]),
        Paragraph(escape(f"Depot: {data.depot_label}"), styles["line"]),
        Spacer(1, 3 * mm),
        RoundMap(
            legs=data.legs,
            streets=data.streets,
            stops=[MapStop(s.number, s.kind, s.lat, s.lon) for s in data.calls if s.number],
            depot_lat=data.depot_lat,
            depot_lon=data.depot_lon,
            colour=data.colour,
            width=A4[0] - 2 * MARGIN,
            height=MAP_HEIGHT,
        ),
        Spacer(1, 4 * mm),
        _table(data, styles),
    ]
    doc.build(story, onFirstPage=_footer(title), onLaterPages=_footer(title))
    return out.getvalue()


def _footer(title: str) -> Callable[[Canvas, Any], None]:
    """Title and page number at the foot of every page."""

    def draw(canvas: Canvas, doc: Any) -> None:
        regular, _bold = register_fonts()
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(MARGIN, 6 * mm, title)
        canvas.drawRightString(A4[0] - MARGIN, 6 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw
