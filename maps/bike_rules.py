"""Which OSM ways a cargo bike may use, in which directions, and at which speed class.

The rules, for a way with a ``highway`` tag:

* never: motorways, steps, construction/proposed/abandoned, raceways, bus guideways, areas
  (``area=yes`` outlines are not streets), ``bicycle=no``/``use_sidepath``.
* ``access=no|private`` (or ``vehicle``/``bicycle`` saying so) excludes the way unless
  ``bicycle`` explicitly allows it; ``access=destination|delivery`` is kept — delivering is our
  business.
* trunk roads only with a cycle track or lane tagged on them, or an explicit bicycle permission.
* footway, path, bridleway and track only where ``bicycle`` is ``yes|designated|permissive``.
* pedestrian zones: with a bicycle permission they are ridden (speed class ``pedestrian``);
  without one (or ``bicycle=dismount``) the profile decides: pushed at walking pace, ridden, or
  excluded.
* one-ways: ``oneway=yes|true|1|-1|reversible`` and roundabouts; ``oneway:bicycle=yes`` makes a
  way one-way for bikes; ``oneway:bicycle=no`` or ``cycleway[:left|:right|:both]=opposite*``
  opens the reverse direction (contraflow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from maps.profiles import PedestrianMode

NEVER = frozenset(
    {
        "motorway",
        "motorway_link",
        "steps",
        "construction",
        "proposed",
        "abandoned",
        "platform",
        "raceway",
        "bus_guideway",
        "escalator",
        "elevator",
        "corridor",
        "razed",
        "planned",
        "no",
        "rest_area",
        "services",
    }
)
_MAJOR = frozenset(
    {"primary", "primary_link", "secondary", "secondary_link", "trunk", "trunk_link"}
)
_MINOR = frozenset({"tertiary", "tertiary_link", "unclassified"})
_RESIDENTIAL = frozenset({"residential", "road"})
_SERVICE = frozenset({"service", "driveway", "track"})
_NEEDS_PERMISSION = frozenset({"footway", "path", "bridleway", "track"})
BIKE_YES = frozenset({"yes", "designated", "permissive", "official"})
_ACCESS_NO = frozenset({"no", "private", "agricultural", "forestry", "military"})
_ONEWAY_YES = frozenset({"yes", "true", "1"})
_CONTRAFLOW_CYCLEWAY = frozenset(
    {"opposite", "opposite_lane", "opposite_track", "opposite_share_busway"}
)


@dataclass(frozen=True)
class WayRule:
    """How a bike may use one OSM way.

    Attributes
    ----------
    speed_class : str
        Key into :attr:`maps.profiles.BikeProfile.speed_kph`.
    forward : bool
        Bikes may ride in the order of the way's nodes.
    backward : bool
        Bikes may ride against the order of the way's nodes.
    contraflow : {"forward", "backward"} or None
        The way is one-way for traffic but bikes may ride against it: the direction (relative
        to the order of the way's nodes) that only bikes may use.
    """

    speed_class: str
    forward: bool
    backward: bool
    contraflow: Literal["forward", "backward"] | None = None


def _allows_bikes(tags: Mapping[str, str]) -> bool | None:
    """True/False when the tags say so explicitly, None when they are silent."""
    bicycle = tags.get("bicycle")
    if bicycle in BIKE_YES or bicycle == "destination":
        return True
    if bicycle in ("no", "use_sidepath"):
        return False
    return None


def _speed_class(tags: Mapping[str, str], pedestrian_zones: PedestrianMode) -> str | None:
    highway = tags.get("highway", "")
    explicit = _allows_bikes(tags)
    if not highway or highway in NEVER or explicit is False:
        return None
    if tags.get("area") == "yes":
        return None
    for key in ("access", "vehicle"):
        if tags.get(key) in _ACCESS_NO and explicit is not True:
            return None
    if highway == "service" and tags.get("service") == "private" and explicit is not True:
        return None
    if tags.get("bicycle") == "dismount" or (highway == "pedestrian" and explicit is None):
        return {"walk": "walking", "ride": "pedestrian", "exclude": None}[pedestrian_zones]
    if highway == "pedestrian":
        return "pedestrian"
    if highway == "cycleway":
        return "cycleway"
    if highway in _NEEDS_PERMISSION:
        if explicit is not True:
            return None
        return "service" if highway == "track" else "path"
    if highway in ("trunk", "trunk_link"):
        has_cycle_infra = any(
            tags.get(k, "no") != "no"
            for k in ("cycleway", "cycleway:right", "cycleway:left", "cycleway:both")
        )
        if not (has_cycle_infra or explicit):
            return None
    if highway in _MAJOR:
        return "cycleway" if tags.get("cycleway") in ("track", "lane") else "major"
    if highway in _MINOR:
        return "minor"
    if highway in _RESIDENTIAL:
        return "residential"
    if highway == "living_street":
        return "living_street"
    if highway in _SERVICE:
        return "service"
    return None  # unknown highway values are not guessed at


def _has_contraflow(tags: Mapping[str, str]) -> bool:
    if tags.get("oneway:bicycle") == "no":
        return True
    return any(
        tags.get(key) in _CONTRAFLOW_CYCLEWAY
        for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
    )


def classify_way(
    tags: Mapping[str, str], pedestrian_zones: PedestrianMode = "walk"
) -> WayRule | None:
    """Decide whether and how a cargo bike may use a way.

    Parameters
    ----------
    tags : Mapping[str, str]
        The way's OSM tags.
    pedestrian_zones : {"walk", "ride", "exclude"}
        Treatment of pedestrian zones without a bicycle permission.

    Returns
    -------
    WayRule or None
        None when bikes may not use the way at all.
    """
    speed_class = _speed_class(tags, pedestrian_zones)
    if speed_class is None:
        return None
    oneway = tags.get("oneway", "no")
    if tags.get("junction") in ("roundabout", "circular") and oneway == "no":
        oneway = "yes"
    if tags.get("oneway:bicycle") in _ONEWAY_YES:
        oneway = "yes"
    if oneway in _ONEWAY_YES or oneway == "reversible":
        forward, backward = True, False
    elif oneway == "-1":
        forward, backward = False, True
    else:
        return WayRule(speed_class, True, True)
    if _has_contraflow(tags):
        return WayRule(speed_class, True, True, contraflow="backward" if forward else "forward")
    return WayRule(speed_class, forward, backward)
