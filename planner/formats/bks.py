"""Best-known solutions (``bks.csv``: set, instance, vehicles, distance, source)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Bks:
    """A best-known solution: fewest vehicles, then distance (instance units, unrounded)."""

    set: str
    instance: str
    vehicles: int
    distance: float


def read_bks(path: str | Path) -> dict[str, Bks]:
    """Read ``bks.csv`` into a dict keyed by lower-case instance name (``r101``, ``c1_2_1``)."""
    out: dict[str, Bks] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            b = Bks(row["set"], row["instance"], int(row["vehicles"]), float(row["distance"]))
            out[b.instance.lower()] = b
    return out


def find_bks(instance_file: str | Path) -> Bks | None:
    """The BKS of an instance file, from a ``bks.csv`` beside it or beside its folder."""
    f = Path(instance_file)
    for candidate in (f.parent / "bks.csv", f.parent.parent / "bks.csv"):
        if candidate.is_file():
            return read_bks(candidate).get(f.stem.lower())
    return None


def gap_percent(distance: float, best: float) -> float:
    """Distance above the best-known one, in percent."""
    return 100.0 * (distance - best) / best
