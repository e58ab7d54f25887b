"""A self-contained HTML map of a day's rounds, drawn along the streets.

No tile server and no script from the internet: the street network itself is the background
(drawn from the graph), the rounds are SVG lines along the streets ridden, and a few lines of
inline JavaScript give zoom, pan and toggling rounds. The map carries the OpenStreetMap
attribution the data's licence asks for.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from depot.day import Place, clock
from depot.planning import Round, UnplannedStop
from maps.geo import LocalProjection
from maps.graph import BikeGraph

# Colour-blind-safe qualitative palette (Okabe-Ito, then Tol's bright).
PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#117733",
    "#332288", "#AA4499", "#44AA99", "#999933",
)  # fmt: skip
ATTRIBUTION = "© OpenStreetMap contributors"


class MapDay(Protocol):
    """What the map draws: a planned day (:class:`depot.planning.DayPlan`) or one read back
    from the database (:mod:`depot.stored_map`)."""

    @property
    def depot(self) -> Place:
        """The depot the rounds start from."""

    @property
    def rounds(self) -> Sequence[Round]:
        """The rounds with their visits and the streets ridden."""

    @property
    def unassigned(self) -> Sequence[UnplannedStop]:
        """Stops left out, with reasons."""

    def summary(self) -> Mapping[str, Any]:
        """Headline figures: bikes_used, stops_planned, stops_unassigned, bike_km,
        co2_avoided_kg."""


def _path(x_m: np.ndarray, y_m: np.ndarray) -> str:
    """SVG path data for one polyline (y flipped: SVG grows downwards)."""
    points = " ".join(f"{x:.1f},{-y:.1f}" for x, y in zip(x_m.tolist(), y_m.tolist(), strict=True))
    return f"M{points}"


def _network_path(graph: BikeGraph, proj: LocalProjection) -> str:
    x_m, y_m = proj.to_xy(graph.coord_lat, graph.coord_lon)
    parts = []
    for link in range(len(graph.link_length_m)):
        start, end = graph.link_offsets[link], graph.link_offsets[link + 1]
        parts.append(_path(x_m[start:end], y_m[start:end]))
    return " ".join(parts)


def _window_text(windows: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"{clock(a)}–{clock(b)}" for a, b in windows) or "any time"


def render_rounds_html(graph: BikeGraph, day: MapDay, *, title: str = "Bakfiets rounds") -> str:
    """Render the day's rounds as one HTML page.

    Parameters
    ----------
    graph : BikeGraph
        The network the rounds were planned on (drawn as background).
    day : MapDay
        The planned day (a DayPlan, or a stored plan read back).
    title : str
        Page title.

    Returns
    -------
    str
        A complete HTML document, viewable offline.
    """
    proj = graph.projection
    x_all, y_all = proj.to_xy(graph.coord_lat, graph.coord_lon)
    pad_m = 150.0
    view = (
        float(x_all.min() - pad_m),
        float(-y_all.max() - pad_m),
        float(x_all.max() - x_all.min() + 2 * pad_m),
        float(y_all.max() - y_all.min() + 2 * pad_m),
    )
    layers = [f'<path class="net" d="{_network_path(graph, proj)}"/>']
    legend = []
    for k, round_ in enumerate(day.rounds):
        colour = PALETTE[k % len(PALETTE)]
        lines = []
        for leg in round_.legs:
            x_m, y_m = proj.to_xy(np.array(leg.lat), np.array(leg.lon))
            lines.append(_path(x_m, y_m))
        marks = []
        order = 0
        for visit in round_.visits:
            x_m, y_m = proj.to_xy(np.array([visit.lat]), np.array([visit.lon]))
            if visit.stop_id is None:
                continue  # reloads happen at the depot, drawn once below
            order += 1
            tip = html.escape(
                f"{round_.bike_id} #{order} {visit.stop_id} ({visit.kind}) {visit.label}\n"
                f"ETA {clock(visit.arrival_s)}, window {_window_text(visit.windows)}"
            )
            shape = "rect" if visit.kind == "pickup" else "circle"
            if shape == "circle":
                marks.append(
                    f'<circle cx="{x_m[0]:.1f}" cy="{-y_m[0]:.1f}" r="22">'
                    f"<title>{tip}</title></circle>"
                )
            else:
                marks.append(
                    f'<rect x="{x_m[0] - 20:.1f}" y="{-y_m[0] - 20:.1f}" width="40" height="40">'
                    f"<title>{tip}</title></rect>"
                )
        layers.append(
            f'<g class="round" id="r{k}" stroke="{colour}" fill="{colour}">'
            f'<path class="ride" d="{" ".join(lines)}"/>{"".join(marks)}</g>'
        )
        stops = sum(1 for v in round_.visits if v.stop_id is not None)
        legend.append(
            f'<label><input type="checkbox" checked data-round="r{k}">'
            f'<span class="swatch" style="background:{colour}"></span>'
            f"{html.escape(round_.bike_id)}: {stops} stops, {round_.distance_m / 1000:.1f} km, "
            f"{clock(round_.start_s)}–{clock(round_.end_s)}, {round_.trips} trip(s)</label>"
        )
    dx, dy = proj.to_xy(np.array([day.depot.lat]), np.array([day.depot.lon]))
    layers.append(
        f'<g class="depot"><polygon points="{dx[0]:.1f},{-dy[0] - 60:.1f} {dx[0] + 55:.1f},'
        f'{-dy[0] + 40:.1f} {dx[0] - 55:.1f},{-dy[0] + 40:.1f}">'
        f"<title>Depot: {html.escape(day.depot.label)}</title></polygon></g>"
    )
    unassigned = "".join(
        f"<li><b>{html.escape(u.stop_id)}</b> {html.escape(u.label)}: {html.escape(u.reason)}</li>"
        for u in day.unassigned
    )
    summary = day.summary()
    figures = (
        f"{summary['bikes_used']} bikes, {summary['stops_planned']} stops planned, "
        f"{summary['stops_unassigned']} unassigned, {summary['bike_km']} km by bike, "
        f"{summary['co2_avoided_kg']} kg CO₂ avoided vs a diesel van"
    )
    return _PAGE.format(
        title=html.escape(title),
        figures=html.escape(figures),
        view=" ".join(f"{v:.0f}" for v in view),
        layers="\n".join(layers),
        legend="\n".join(legend),
        unassigned=unassigned or "<li>none</li>",
        attribution=ATTRIBUTION,
        view_json=json.dumps(view),
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 0; display: grid;
       grid-template-columns: 1fr 22rem; height: 100vh; }}
#map {{ width: 100%; height: 100vh; background: #f7f5f0; cursor: grab; }}
.net {{ fill: none; stroke: #c9c4b8; stroke-width: 6; stroke-linejoin: round; }}
.ride {{ fill: none; stroke-width: 14; stroke-linejoin: round; stroke-linecap: round;
         opacity: .85; }}
.round circle, .round rect {{ stroke: #fff; stroke-width: 6; }}
.depot polygon {{ fill: #111; stroke: #fff; stroke-width: 8; }}
aside {{ overflow: auto; padding: 0 1rem; border-left: 1px solid #ddd; }}
label {{ display: block; margin: .3rem 0; }}
.swatch {{ display: inline-block; width: 1rem; height: .6rem; margin: 0 .4rem; }}
.attr {{ position: fixed; left: .5rem; bottom: .3rem; background: #fffc; padding: 0 .3rem; }}
</style></head>
<body>
<svg id="map" viewBox="{view}" xmlns="http://www.w3.org/2000/svg">
{layers}
</svg>
<aside>
<h1>{title}</h1>
<p>{figures}</p>
<h2>Rounds</h2>
{legend}
<h2>Unassigned</h2>
<ul>{unassigned}</ul>
<p>Circles: deliveries; squares: shop pickups; triangle: depot. Scroll to zoom, drag to pan.</p>
</aside>
<div class="attr">{attribution}</div>
<script>
const svg = document.getElementById('map');
let [x, y, w, h] = {view_json};
const set = () => svg.setAttribute('viewBox', `${{x}} ${{y}} ${{w}} ${{h}}`);
svg.addEventListener('wheel', e => {{
  e.preventDefault();
  const r = svg.getBoundingClientRect(), f = e.deltaY > 0 ? 1.2 : 1 / 1.2;
  const px = x + w * (e.clientX - r.left) / r.width, py = y + h * (e.clientY - r.top) / r.height;
  x = px - (px - x) * f; y = py - (py - y) * f; w *= f; h *= f; set();
}}, {{passive: false}});
let drag = null;
svg.addEventListener('pointerdown', e => {{ drag = [e.clientX, e.clientY]; }});
window.addEventListener('pointerup', () => {{ drag = null; }});
svg.addEventListener('pointermove', e => {{
  if (!drag) return;
  const r = svg.getBoundingClientRect();
  x -= (e.clientX - drag[0]) * w / r.width; y -= (e.clientY - drag[1]) * h / r.height;
  drag = [e.clientX, e.clientY]; set();
}});
document.querySelectorAll('input[data-round]').forEach(b => b.addEventListener('change', () => {{
  document.getElementById(b.dataset.round).style.display = b.checked ? '' : 'none';
}}));
</script>
</body></html>
"""
