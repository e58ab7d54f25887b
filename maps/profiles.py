"""Cargo-bike speed profiles: how fast a loaded cargo bike moves on each kind of way.

Speeds are cruising speeds in km/h averaged over a way, including the slowing-down at junctions
that a loaded bike (up to ~100 kg of parcels, 2.5 m long) needs. They are deliberately below
what a commuter rides. Sources for the defaults: Copenhagen's bicycle accounts (average cyclist
speed about 16 km/h), cargo-bike trial reports of 12–15 km/h door to door for pedal bikes, and
the EU pedal-assist cut-off of 25 km/h, which caps the e-assist profile.

| way class                 | pedal | e-assist |
|---------------------------|------:|---------:|
| cycleway / cycle track    |  16   |   20     |
| primary, secondary, trunk |  15   |   19     |
| tertiary, unclassified    |  14   |   18     |
| residential, road         |  14   |   18     |
| service, track            |  10   |   12     |
| living_street             |   8   |   10     |
| path, footway (bikes ok)  |  10   |   12     |
| pedestrian (bikes ok)     |   8   |    8     |
| walking (pushed)          |   4.5 |    4.5   |

"walking" applies to pedestrian zones and ``bicycle=dismount`` ways when
:attr:`BikeProfile.pedestrian_zones` is ``"walk"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

PedestrianMode = Literal["walk", "ride", "exclude"]

SPEED_CLASSES = (
    "cycleway",
    "major",
    "minor",
    "residential",
    "service",
    "living_street",
    "path",
    "pedestrian",
    "walking",
)

_PEDAL_KPH = {
    "cycleway": 16.0,
    "major": 15.0,
    "minor": 14.0,
    "residential": 14.0,
    "service": 10.0,
    "living_street": 8.0,
    "path": 10.0,
    "pedestrian": 8.0,
    "walking": 4.5,
}
_E_ASSIST_KPH = {
    "cycleway": 20.0,
    "major": 19.0,
    "minor": 18.0,
    "residential": 18.0,
    "service": 12.0,
    "living_street": 10.0,
    "path": 12.0,
    "pedestrian": 8.0,
    "walking": 4.5,
}


@dataclass(frozen=True)
class BikeProfile:
    """Speeds per speed class and how pedestrian zones are treated.

    Attributes
    ----------
    name : str
        Short name, part of the graph cache key.
    speed_kph : Mapping[str, float]
        Speed in km/h for every class in :data:`SPEED_CLASSES`.
    pedestrian_zones : {"walk", "ride", "exclude"}
        Pedestrian streets without a bicycle permission: pushed at walking pace, ridden at the
        pedestrian speed (town centres with delivery hours), or left out of the graph.
    """

    name: str
    speed_kph: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(_PEDAL_KPH))
    pedestrian_zones: PedestrianMode = "walk"

    def __post_init__(self) -> None:
        missing = [c for c in SPEED_CLASSES if c not in self.speed_kph]
        if missing:
            raise ValueError(f"speed_kph: missing speed classes {missing}")
        for speed_class, speed in self.speed_kph.items():
            if speed_class not in SPEED_CLASSES:
                raise ValueError(f"speed_kph: unknown speed class {speed_class!r}")
            if not 0 < speed <= 45:
                raise ValueError(f"speed_kph[{speed_class!r}]: {speed} is not in (0, 45] km/h")
        if self.pedestrian_zones not in ("walk", "ride", "exclude"):
            raise ValueError(
                f"pedestrian_zones: {self.pedestrian_zones!r} is not walk/ride/exclude"
            )
        object.__setattr__(self, "speed_kph", MappingProxyType(dict(self.speed_kph)))

    def __reduce__(self) -> tuple[object, ...]:
        # mappingproxy does not pickle; rebuild from a plain dict.
        return (BikeProfile, (self.name, dict(self.speed_kph), self.pedestrian_zones))

    def with_speeds(self, **speed_kph: float) -> BikeProfile:
        """Return a copy with some class speeds replaced (e.g. ``cycleway=18``)."""
        merged = dict(self.speed_kph) | speed_kph
        return replace(self, name=f"{self.name}+custom", speed_kph=merged)

    def cache_token(self) -> tuple[object, ...]:
        """Everything about the profile that changes a built graph."""
        return (self.name, tuple(sorted(self.speed_kph.items())), self.pedestrian_zones)


PEDAL = BikeProfile("pedal", _PEDAL_KPH)
E_ASSIST = BikeProfile("e_assist", _E_ASSIST_KPH)
PROFILES = {"pedal": PEDAL, "e_assist": E_ASSIST}


def get_profile(name: str, *, pedestrian_zones: PedestrianMode = "walk") -> BikeProfile:
    """Look up a built-in profile by name.

    Parameters
    ----------
    name : str
        ``"pedal"`` or ``"e_assist"``.
    pedestrian_zones : {"walk", "ride", "exclude"}
        See :class:`BikeProfile`.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the known ones.
    """
    if name not in PROFILES:
        raise ValueError(f"bike profile {name!r} is unknown; choose one of {sorted(PROFILES)}")
    return replace(PROFILES[name], pedestrian_zones=pedestrian_zones)
