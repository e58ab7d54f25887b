"""The impact report written out: JSON (as the API answers it), CSV, and an SVG bar chart.

The chart is SVG written by hand (no plotting library): bike km per day for a month, per round
for a day, with each bar's parcels above it and the period's totals in the title.
"""

from __future__ import annotations

import csv
import html
import io
import math
from typing import Any

from depot.impact import (
    NO_DELIVERIES,
    VAN_CO2_G_PER_KM,
    VAN_CO2_SOURCE,
    VAN_KM_PER_BIKE_KM,
    Figures,
    ImpactReport,
    RoundFigures,
)

CSV_COLUMNS = (
    "date",
    "rounds",
    "bike_km",
    "stops",
    "pickup_stops",
    "delivery_stops",
    "parcels",
    "parcels_collected",
    "consolidation_ratio",
    "delivered",
    "on_time",
    "on_time_share",
    "on_time_text",
    "van_km",
    "co2_avoided_kg",
)


def figures_view(figures: Figures) -> dict[str, Any]:
    """The figures as JSON: km and kg rounded to 0.01, ratios to 0.001."""
    share = figures.on_time_share
    ratio = figures.consolidation_ratio
    return {
        "rounds": figures.rounds,
        "bike_km": round(figures.bike_km, 2),
        "stops": figures.pickup_stops + figures.delivery_stops,
        "pickup_stops": figures.pickup_stops,
        "delivery_stops": figures.delivery_stops,
        "parcels": figures.parcels,
        "parcels_collected": figures.parcels_collected,
        "consolidation_ratio": round(ratio, 3) if ratio is not None else None,
        "delivered": figures.delivered,
        "on_time": figures.on_time,
        "on_time_share": round(share, 3) if share is not None else None,
        "on_time_text": (
            f"{share:.0%} ({figures.on_time} of {figures.delivered})"
            if share is not None
            else NO_DELIVERIES
        ),
        "van_km": round(figures.van_km, 2),
        "co2_avoided_kg": round(figures.co2_avoided_kg, 2),
    }


def round_view(round_: RoundFigures) -> dict[str, Any]:
    """A round's distance, stops and parcels as JSON (on-time and CO₂ are per day)."""
    figures = round_.figures
    ratio = figures.consolidation_ratio
    return {
        "round_id": round_.round_id,
        "plan_id": round_.plan_id,
        "vehicle": round_.vehicle,
        "bike_km": round(figures.bike_km, 2),
        "pickup_stops": figures.pickup_stops,
        "delivery_stops": figures.delivery_stops,
        "parcels": figures.parcels,
        "parcels_collected": figures.parcels_collected,
        "consolidation_ratio": round(ratio, 3) if ratio is not None else None,
    }


def report_view(report: ImpactReport) -> dict[str, Any]:
    """The report as JSON: the basis of the CO₂ figure, the totals, and each day."""
    return {
        "period": report.label,
        "basis": {
            "van_co2_g_per_km": VAN_CO2_G_PER_KM,
            "van_co2_source": VAN_CO2_SOURCE,
            "van_km_per_bike_km": VAN_KM_PER_BIKE_KM,
            "assumption": "a diesel van rides as far as the bikes for the same stops "
            "(its tour on the drive network is not computed); tailpipe CO2 only",
        },
        "totals": figures_view(report.totals),
        "days": [
            {
                "date": d.day.isoformat(),
                "plan_ids": list(d.plan_ids),
                **figures_view(d.figures),
                "by_round": [round_view(r) for r in d.rounds],
            }
            for d in report.days
        ],
    }


def report_csv(report: ImpactReport) -> str:
    """One row per day (every day of a month), then a ``total`` row when there are several.

    Empty cells stand for "none" (no delivery stops: no ratio; no deliveries: no on-time
    share, and ``on_time_text`` says "no deliveries recorded").
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = [(d.day.isoformat(), d.figures) for d in report.days]
    if len(rows) > 1:
        rows.append(("total", report.totals))
    for label, figures in rows:
        view = figures_view(figures)
        writer.writerow(
            {
                "date": label,
                **{
                    key: "" if view[key] is None else view[key]
                    for key in CSV_COLUMNS
                    if key != "date"
                },
            }
        )
    return out.getvalue()


def report_svg(report: ImpactReport) -> str:
    """A bar chart of bike km: per day for a month, per round for one day (SVG text)."""
    if len(report.days) == 1:
        day = report.days[0]
        bars = [(r.vehicle, r.figures) for r in day.rounds]
        what = f"Bike km per round, {report.label}"
    else:
        bars = [(str(d.day.day), d.figures) for d in report.days]
        what = f"Bike km per day, {report.label}"
    totals = report.totals
    share = totals.on_time_share
    on_time = f"{share:.0%} on time" if share is not None else NO_DELIVERIES
    subtitle = (
        f"{totals.bike_km:.1f} km, {totals.parcels} parcels, {on_time}, "
        f"{totals.co2_avoided_kg:.1f} kg CO2 avoided vs a diesel van"
    )
    return _bar_chart(what, subtitle, bars)


def _nice_step(top: float) -> float:
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(power * k for k in (1, 2, 2.5, 5, 10) if power * k >= raw)


def _bar_chart(title: str, subtitle: str, bars: list[tuple[str, Figures]]) -> str:
    width, height, left, right, top, bottom = 820, 380, 60, 20, 70, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    top_km = max((f.bike_km for _label, f in bars), default=0.0)
    step = _nice_step(top_km) if top_km > 0 else 1.0
    y_max = step * max(1, math.ceil(top_km / step))
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="16" font-weight="bold">{e(title)}</text>',
        f'<text x="{left}" y="44">{e(subtitle)}</text>',
    ]
    ticks = round(y_max / step)
    for k in range(ticks + 1):
        y = top + plot_h - plot_h * k / ticks
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{step * k:g}</text>'
        )
    parts.append(
        f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14 {top + plot_h / 2:.0f})"'
        ' text-anchor="middle">km</text>'
    )
    if not bars:
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" '
            'text-anchor="middle">no rounds planned</text>'
        )
    slot = plot_w / max(1, len(bars))
    for i, (label, figures) in enumerate(bars):
        bar_h = plot_h * figures.bike_km / y_max
        x, y = left + i * slot + slot * 0.15, top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="#2e7d32"><title>{e(label)}: {figures.bike_km:.2f} km, '
            f"{figures.parcels} parcels</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16:.1f}" '
            f'text-anchor="middle">{e(label)}</text>'
        )
        if figures.parcels:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="10">{figures.parcels}</text>'
            )
    parts.append(
        f'<text x="{left}" y="{height - 12}" font-size="10">Numbers above the bars: parcels on '
        f"delivery stops. CO2: {VAN_CO2_G_PER_KM:g} g/km (EEA 2022 new-van average), van km = bike "
        f"km x {VAN_KM_PER_BIKE_KM:g}.</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
