"""A round's map for the driver's manifest, drawn as vectors on our own street graph.

No tiles and no network: the streets near the round come from the bike graph (light grey), the
legs ridden in the round's colour, the stops as numbered markers (circles deliver, squares pick
up at a shop) and the depot as a black triangle. North is up; a scale bar gives the distance.
Positions go through the same local metric projection as the HTML map
(:class:`maps.geo.LocalProjection`, as in :mod:`depot.rounds_map`), centred on the round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from depot.paper.fonts import register_fonts
from depot.rounds_map import ATTRIBUTION
from maps.geo import LocalProjection
from maps.graph import BikeGraph

STREET_GREY = colors.Color(0.78, 0.78, 0.76)
MARKER_MM = 2.6  # marker radius
SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000)


@dataclass(frozen=True)
class Polyline:
    """A line on the map: ``lat`` and ``lon`` in degrees, vertex by vertex."""

    lat: tuple[float, ...]
    lon: tuple[float, ...]


@dataclass(frozen=True)
class MapStop:
    """A numbered marker: the stop's position in the round and where it is."""

    number: int
    kind: str  # "delivery" or "pickup"
    lat: float
    lon: float


def streets_near(
    graph: BikeGraph,
    lat: Sequence[float],
    lon: Sequence[float],
    *,
    margin_m: float = 300.0,
    aspect: float = 1.0,
) -> tuple[Polyline, ...]:
    """The graph's streets with a vertex inside the points' bounding box, widened to the map's
    shape and grown by ``margin_m``.

    Parameters
    ----------
    graph : BikeGraph
    lat, lon : sequence of float
        The round's positions (stops, depot, leg vertices), degrees.
    margin_m : float
        Metres added around the box, so the streets around the edge stops show.
    aspect : float
        The map frame's width over its height: the box is widened (or heightened) to it, so
        the streets fill the frame.

    Returns
    -------
    tuple of Polyline
        One per link of the graph, whole (the map clips them to its frame).
    """
    proj = graph.projection
    x_m, y_m = proj.to_xy(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    half_w = max(float(x_m.max() - x_m.min()) / 2, 100.0)
    half_h = max(float(y_m.max() - y_m.min()) / 2, 100.0)
    # The map pads its frame around the round (about a fifth of the span): cover that too.
    half_w, half_h = max(half_w, half_h * aspect) * 1.2, max(half_h, half_w / aspect) * 1.2
    half_w, half_h = half_w + margin_m, half_h + margin_m
    mid_x, mid_y = float(x_m.max() + x_m.min()) / 2, float(y_m.max() + y_m.min()) / 2
    x_all, y_all = proj.to_xy(graph.coord_lat, graph.coord_lon)
    inside = (np.abs(x_all - mid_x) <= half_w) & (np.abs(y_all - mid_y) <= half_h)
    offsets = graph.link_offsets
    hits = np.add.reduceat(inside.astype(np.int64), offsets[:-1]) > 0
    lines = []
    for link in np.flatnonzero(hits).tolist():
        link_lat, link_lon = graph.link_coords(link)
        lines.append(Polyline(tuple(link_lat.tolist()), tuple(link_lon.tolist())))
    return tuple(lines)


def _scale_bar_m(width_m: float) -> int:
    """The largest round distance at most a fifth of the map's width."""
    fitting = [step for step in SCALE_STEPS_M if step <= width_m / 5]
    return fitting[-1] if fitting else SCALE_STEPS_M[0]


class RoundMap(Flowable):
    """The map as a platypus flowable ``width`` × ``height`` points.

    Parameters
    ----------
    legs : sequence of Polyline
        The streets ridden, in order.
    streets : sequence of Polyline
        Background streets (see :func:`streets_near`).
    stops : sequence of MapStop
    depot_lat, depot_lon : float
    colour : str
        The round's colour (``#RRGGBB``).
    width, height : float
        Size on the page in points.
    """

    def __init__(
        self,
        *,
        legs: Sequence[Polyline],
        streets: Sequence[Polyline],
        stops: Sequence[MapStop],
        depot_lat: float,
        depot_lon: float,
        colour: str,
        width: float,
        height: float,
    ) -> None:
        super().__init__()
        self.legs, self.streets, self.stops = legs, streets, stops
        self.depot_lat, self.depot_lon = depot_lat, depot_lon
        self.colour = colors.HexColor(colour)
        self.width, self.height = width, height
        lat = [depot_lat, *(s.lat for s in stops)]
        lon = [depot_lon, *(s.lon for s in stops)]
        for leg in legs:
            lat.extend(leg.lat)
            lon.extend(leg.lon)
        self._proj = LocalProjection(lat0=(min(lat) + max(lat)) / 2, lon0=(min(lon) + max(lon)) / 2)
        x_m, y_m = self._proj.to_xy(np.array(lat), np.array(lon))
        span_x = max(float(x_m.max() - x_m.min()), 200.0)
        span_y = max(float(y_m.max() - y_m.min()), 200.0)
        pad = 8 * mm
        self._scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # pt per m

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def _xy(self, lat: Sequence[float], lon: Sequence[float]) -> tuple[list[float], list[float]]:
        x_m, y_m = self._proj.to_xy(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        x = self.width / 2 + x_m * self._scale
        y = self.height / 2 + y_m * self._scale
        return x.tolist(), y.tolist()

    def _lines(self, lines: Sequence[Polyline]) -> None:
        """Stroke every polyline as one path (one projection for all their vertices)."""
        lat = [p for line in lines for p in line.lat]
        lon = [p for line in lines for p in line.lon]
        xs, ys = self._xy(lat, lon)
        path = self.canv.beginPath()
        start = 0
        for line in lines:
            end = start + len(line.lat)
            if end - start >= 2:
                path.moveTo(xs[start], ys[start])
                for i in range(start + 1, end):
                    path.lineTo(xs[i], ys[i])
            start = end
        self.canv.drawPath(path, stroke=1, fill=0)

    def draw(self) -> None:
        canvas = self.canv
        regular, bold = register_fonts()
        canvas.saveState()
        frame = canvas.beginPath()
        frame.rect(0, 0, self.width, self.height)
        canvas.clipPath(frame, stroke=0, fill=0)
        canvas.setFillColor(colors.Color(0.97, 0.96, 0.94))
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        canvas.setStrokeColor(STREET_GREY)
        canvas.setLineWidth(0.5)
        self._lines(self.streets)
        canvas.setStrokeColor(self.colour)
        canvas.setLineWidth(2.2)
        self._lines(self.legs)
        (dx,), (dy,) = self._xy([self.depot_lat], [self.depot_lon])
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.white)
        canvas.setLineWidth(1)
        triangle = canvas.beginPath()
        triangle.moveTo(dx, dy + 4 * mm)
        triangle.lineTo(dx + 3.5 * mm, dy - 2.5 * mm)
        triangle.lineTo(dx - 3.5 * mm, dy - 2.5 * mm)
        triangle.close()
        canvas.drawPath(triangle, stroke=1, fill=1)
        r = MARKER_MM * mm
        for stop in self.stops:
            (x,), (y,) = self._xy([stop.lat], [stop.lon])
            canvas.setFillColor(self.colour)
            canvas.setStrokeColor(colors.white)
            if stop.kind == "pickup":
                canvas.rect(x - r, y - r, 2 * r, 2 * r, stroke=1, fill=1)
            else:
                canvas.circle(x, y, r, stroke=1, fill=1)
            canvas.setFillColor(colors.white)
            canvas.setFont(bold, 6.5 if stop.number < 100 else 5)
            canvas.drawCentredString(x, y - 2.3, str(stop.number))
        canvas.restoreState()
        self._frame_and_scale(regular)

    def _frame_and_scale(self, font: str) -> None:
        canvas = self.canv
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.6)
        canvas.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        bar_m = _scale_bar_m(self.width / self._scale)
        bar = bar_m * self._scale
        x0, y0 = 4 * mm, 4 * mm
        canvas.setLineWidth(1.5)
        canvas.line(x0, y0, x0 + bar, y0)
        canvas.setFillColor(colors.black)
        canvas.setFont(font, 7)
        label = f"{bar_m} m" if bar_m < 1000 else f"{bar_m // 1000} km"
        canvas.drawString(x0, y0 + 2 * mm, f"{label}   N ↑")
        canvas.drawRightString(self.width - 2 * mm, 2 * mm, ATTRIBUTION)
