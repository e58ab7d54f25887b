"""Typed readers for the fields of a VROOM document; each error names the field's path.

Used by :mod:`planner.formats.vroom`. Every function takes the value and its path
(``vehicles[2].breaks[0].time_windows``) and raises :class:`~planner.formats.common.FormatError`
with a message that starts with that path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.formats.common import FormatError
from planner.problem import TimeWindow

REFUSED = {
    "setup": "setup times are not modelled; add them to service",
    "setup_per_type": "per-type setup times are not modelled",
    "service_per_type": "per-type service times are not modelled",
    "steps": "custom or initial routes (vehicle steps) are not supported",
    "max_travel_time": "a travel-time limit is not modelled (only the shift, time_window)",
    "max_load": "load limits during breaks are not modelled",
}


@dataclass(frozen=True)
class LatLon:
    """A WGS84 position in degrees (VROOM writes ``[lon, lat]``; this is the named form)."""

    lat: float
    lon: float


def error(path: str, reason: str) -> FormatError:
    return FormatError(f"{path}: {reason}")


def as_int(value: Any, path: str, *, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise error(path, f"expected an integer, got {json_repr(value)}")
    if value < low or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"between {low} and {high}"
        raise error(path, f"must be {span}, got {value}")
    return int(value)


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise error(path, f"expected an array, got {json_repr(value)}")
    return value


def as_object(value: Any, path: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise error(path, f"expected an object, got {json_repr(value)}")
    for key in value:
        if key in REFUSED:
            raise error(f"{path}.{key}", REFUSED[key])
        if key not in known:
            raise error(f"{path}.{key}", "unknown key")
    return value


def as_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise error(path, f"expected a string, got {json_repr(value)}")
    return value


def as_window(value: Any, path: str) -> TimeWindow:
    pair = as_list(value, path)
    if len(pair) != 2:
        raise error(path, f"a time window is [start, end], got {len(pair)} values")
    start, end = as_int(pair[0], f"{path}[0]"), as_int(pair[1], f"{path}[1]")
    if start > end:
        raise error(path, f"starts at {start}, after its end {end}")
    return TimeWindow(start, end)


def as_windows(value: Any, path: str) -> tuple[TimeWindow, ...]:
    items = as_list(value, path)
    if not items:
        raise error(path, "empty: leave the key out for 'any time'")
    return tuple(
        sorted(
            (as_window(w, f"{path}[{k}]") for k, w in enumerate(items)),
            key=lambda w: (w.start_s, w.end_s),
        )
    )


def as_skills(value: Any, path: str) -> frozenset[str]:
    return frozenset(str(as_int(s, f"{path}[{k}]")) for k, s in enumerate(as_list(value, path)))


def as_lonlat(value: Any, path: str) -> LatLon:
    pair = as_list(value, path)
    ok = len(pair) == 2 and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in pair
    )
    if not ok:
        raise error(path, f"expected [lon, lat] in degrees, got {json_repr(value)}")
    lon, lat = float(pair[0]), float(pair[1])  # VROOM is lon-first
    if not -180.0 <= lon <= 180.0 or not -90.0 <= lat <= 90.0:
        raise error(path, f"[lon, lat] = [{lon}, {lat}] is not a position on Earth")
    return LatLon(lat=lat, lon=lon)


def json_repr(value: Any) -> str:
    """A short rendering of a JSON value for error messages."""
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def one_window(windows: tuple[TimeWindow, ...], path: str) -> TimeWindow:
    """Merge windows that overlap or touch into one; refuse a gap (a break has one window)."""
    merged = windows[0]
    for w in windows[1:]:
        if w.start_s > merged.end_s + 1:
            raise error(
                path,
                f"windows [{merged.start_s}, {merged.end_s}] and [{w.start_s}, {w.end_s}] "
                "leave a gap; a Bakfiets break has one window: give one, or split the break",
            )
        merged = TimeWindow(merged.start_s, max(merged.end_s, w.end_s))
    return merged


def as_matrix(value: Any, path: str) -> NDArray[np.int64]:
    rows = as_list(value, path)
    if not rows:
        raise error(path, "empty")
    n = len(rows)
    for i, row in enumerate(rows):
        if len(as_list(row, f"{path}[{i}]")) != n:
            raise error(f"{path}[{i}]", f"{len(row)} values in a {n}-row matrix (not square)")
    arr = np.array(rows)
    if arr.dtype.kind not in "iu" or (arr.size and arr.min() < 0):
        for i, row in enumerate(rows):  # find the first bad entry to name it
            for j, x in enumerate(row):
                as_int(x, f"{path}[{i}][{j}]")
    return arr.astype(np.int64)
