"""The travel matrices of a VROOM document, and a shift end no route can reach.

Used by :mod:`planner.formats.vroom`: ``matrices`` per profile (one profile for all vehicles),
the legacy ``matrix``, or ``locations`` ridden by a callback (the command line's bike graph).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.formats.vroom_fields import LatLon, as_matrix, as_object, error
from planner.problem import Stop

if TYPE_CHECKING:
    from planner.formats.vroom import _Reader

DEFAULT_PROFILE = "car"


class LocationError(Exception):
    """Raised by a ``matrix_from_points`` callback: point ``index`` cannot be used, and why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


MatrixFromPoints = Callable[[Sequence[LatLon]], tuple[ArrayLike, ArrayLike]]
"""Given places, return (duration_s, distance_m) square matrices (rounded to integers here), or
raise LocationError naming the place."""


def read_matrices(
    r: _Reader, vehicles: list[dict[str, Any]]
) -> tuple[NDArray[np.int64], NDArray[np.int64], bool]:
    """The document's travel matrices for its one profile.

    Returns
    -------
    duration_s, distance_m, has_distances
        Square integer matrices over the document's places; ``distance_m`` is zeros (and
        ``has_distances`` False) when only durations are given.

    Raises
    ------
    FormatError
        Naming the field: no matrix, matrices of another profile, vehicles on different
        profiles, sizes that disagree, a place the callback cannot use.
    """
    doc = r.doc
    if not r.has_matrices:
        if r.matrix_from_points is None:
            raise error(
                "matrices",
                "missing: the tasks give locations, and a travel matrix is needed "
                "(the command line computes one on the bike graph with --osm)",
            )
        try:
            given_s, given_m = r.matrix_from_points(r.points)
        except LocationError as exc:
            raise error(r.point_field[exc.index], exc.reason) from exc
        return np.rint(given_s).astype(np.int64), np.rint(given_m).astype(np.int64), True
    named = {v["profile"] for v in vehicles if v["profile"] is not None}
    profile = vehicles[0]["profile"] or DEFAULT_PROFILE
    for k, v in enumerate(vehicles):
        if (v["profile"] or DEFAULT_PROFILE) != profile:
            raise error(
                f"vehicles[{k}].profile",
                f"{v['profile'] or DEFAULT_PROFILE!r} differs from vehicles[0]'s {profile!r}; "
                "Bakfiets plans with one travel matrix for all vehicles",
            )
    if "matrices" in doc:
        mats = doc["matrices"]
        if not isinstance(mats, dict) or not mats:
            raise error("matrices", 'expected an object keyed by profile, e.g. {"bike": ...}')
        if profile not in mats and not named and len(mats) == 1:
            profile = next(iter(mats))  # vehicles name no profile: the only one given
        if profile not in mats:
            raise error("matrices", f"no matrices for profile {profile!r} (has {sorted(mats)})")
        path = f"matrices.{profile}"
        m = as_object(mats[profile], path, {"durations", "distances"} | {"costs"})
        if "costs" in m:
            raise error(f"{path}.costs", "custom cost matrices are not supported")
        if "durations" not in m:
            raise error(f"{path}.durations", "missing")
        duration = as_matrix(m["durations"], f"{path}.durations")
        if "distances" in m:
            distance = as_matrix(m["distances"], f"{path}.distances")
            if len(distance) != len(duration):
                raise error(
                    f"{path}.distances",
                    f"{len(distance)}x{len(distance)}, durations are "
                    f"{len(duration)}x{len(duration)}",
                )
            return duration, distance, True
    else:
        duration = as_matrix(doc["matrix"], "matrix")
    return duration, np.zeros_like(duration), False


def horizon_s(
    stops: list[Stop], vehicles: list[dict[str, Any]], duration: NDArray[np.int64]
) -> int:
    """A shift end no route can reach: latest window end + all service, breaks, reloads, rides."""
    ends = [w.end_s for s in stops for w in s.windows]
    ends += [v["time_window"].end_s for v in vehicles if v["time_window"] is not None]
    ends += [w.end_s for v in vehicles for _, w, _ in v["breaks"] if w is not None]
    longest_ride = int(duration.max()) if duration.size else 0
    work = sum(s.service_s for s in stops)
    work += max((sum(d for _, _, d in v["breaks"]) for v in vehicles), default=0)
    trips = max(v["max_trips"] for v in vehicles)
    work += trips * max(v["reload_service"] for v in vehicles)
    return max(ends, default=0) + work + (len(stops) + 2 * trips + 2) * longest_ride
