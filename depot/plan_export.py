"""A planned day as JSON (for the courier app and integrations) and GeoJSON (for maps).

Conventions stated in the document itself: clock times as ``HH:MM`` plus seconds after
midnight, distances in metres, weights in grams, coordinates as named ``lat`` / ``lon`` (the
GeoJSON is lon-first, as GeoJSON requires).
"""

from __future__ import annotations

from typing import Any

from depot.day import clock
from depot.planning import DayPlan
from depot.rounds_map import ATTRIBUTION


def day_plan_json(day: DayPlan) -> dict[str, Any]:
    """The plan: summary, rounds with timed visits, and the unassigned with reasons."""
    return {
        "conventions": {
            "time": "seconds after midnight (*_s) and HH:MM",
            "distance": "metres",
            "weight": "grams",
            "coordinates": "lat/lon degrees (WGS84)",
            "windows": "inclusive",
        },
        "summary": day.summary(),
        "depot": {"label": day.depot.label, "lat": day.depot.lat, "lon": day.depot.lon},
        "routes": [
            {
                "bike_id": r.bike_id,
                "start": clock(r.start_s),
                "end": clock(r.end_s),
                "start_s": r.start_s,
                "end_s": r.end_s,
                "distance_m": r.distance_m,
                "trips": r.trips,
                "peak_load_g": r.peak_load_g,
                "breaks": [{"start": clock(s), "start_s": s, "duration_s": d} for s, d in r.breaks],
                "visits": [
                    {
                        "stop_id": v.stop_id,
                        "kind": v.kind,
                        "label": v.label,
                        "lat": v.lat,
                        "lon": v.lon,
                        "eta": clock(v.arrival_s),
                        "arrival_s": v.arrival_s,
                        "start_s": v.start_s,
                        "end_s": v.end_s,
                        "load_after_g": v.load_after_g,
                        "windows": [{"start_s": a, "end_s": b} for a, b in v.windows],
                    }
                    for v in r.visits
                ],
            }
            for r in day.rounds
        ],
        "unassigned": [
            {"stop_id": u.stop_id, "label": u.label, "code": u.code, "reason": u.reason}
            for u in day.unassigned
        ],
        "attribution": ATTRIBUTION,
    }


def day_plan_geojson(day: DayPlan) -> dict[str, Any]:
    """Rounds as LineStrings along the streets and stops as Points (GeoJSON: lon, lat)."""
    features: list[dict[str, Any]] = []
    for r in day.rounds:
        coords: list[list[float]] = []
        for leg in r.legs:
            coords.extend([lon, lat] for lat, lon in zip(leg.lat, leg.lon, strict=True))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"bike_id": r.bike_id, "distance_m": r.distance_m},
            }
        )
        for order, v in enumerate((v for v in r.visits if v.stop_id), start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [v.lon, v.lat]},
                    "properties": {
                        "bike_id": r.bike_id,
                        "order": order,
                        "stop_id": v.stop_id,
                        "kind": v.kind,
                        "label": v.label,
                        "eta": clock(v.arrival_s),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}
