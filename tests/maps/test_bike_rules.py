"""Tag-level rules: which ways a cargo bike may use, in which direction, at which speed class."""

from __future__ import annotations

import pytest

from maps.bike_rules import classify_way


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "steps"},
        {"highway": "motorway"},
        {"highway": "footway"},
        {"highway": "path"},
        {"highway": "residential", "bicycle": "no"},
        {"highway": "service", "access": "private"},
        {"highway": "pedestrian", "area": "yes"},
        {"highway": "trunk"},
        {"highway": "construction"},
    ],
)
def test_ways_bikes_may_not_use_are_excluded(tags: dict[str, str]) -> None:
    """Steps, motorways, unsigned footways and private roads are not part of the network."""
    assert classify_way(tags) is None


@pytest.mark.parametrize(
    ("tags", "speed_class"),
    [
        ({"highway": "cycleway"}, "cycleway"),
        ({"highway": "residential"}, "residential"),
        ({"highway": "living_street"}, "living_street"),
        ({"highway": "service"}, "service"),
        ({"highway": "footway", "bicycle": "yes"}, "path"),
        ({"highway": "path", "bicycle": "designated"}, "path"),
        ({"highway": "pedestrian", "bicycle": "yes"}, "pedestrian"),
        ({"highway": "primary", "cycleway": "track"}, "cycleway"),
        ({"highway": "trunk", "cycleway": "track"}, "cycleway"),
        ({"highway": "service", "access": "private", "bicycle": "yes"}, "service"),
        ({"highway": "residential", "access": "delivery"}, "residential"),
    ],
)
def test_bikeable_ways_get_their_speed_class(tags: dict[str, str], speed_class: str) -> None:
    """Cycleways, streets, service roads and bike-signed footways are ridden."""
    rule = classify_way(tags)
    assert rule is not None and rule.speed_class == speed_class


def test_pedestrian_zone_modes() -> None:
    """An unsigned pedestrian street is walked, ridden or excluded as the profile says."""
    tags = {"highway": "pedestrian"}
    assert classify_way(tags, "walk").speed_class == "walking"  # type: ignore[union-attr]
    assert classify_way(tags, "ride").speed_class == "pedestrian"  # type: ignore[union-attr]
    assert classify_way(tags, "exclude") is None


@pytest.mark.parametrize(
    ("tags", "forward", "backward", "contraflow"),
    [
        ({"highway": "residential"}, True, True, None),
        ({"highway": "residential", "oneway": "yes"}, True, False, None),
        ({"highway": "residential", "oneway": "-1"}, False, True, None),
        ({"highway": "residential", "junction": "roundabout"}, True, False, None),
        (
            {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"},
            True,
            True,
            "backward",
        ),
        (
            {"highway": "residential", "oneway": "yes", "cycleway": "opposite"},
            True,
            True,
            "backward",
        ),
        (
            {"highway": "tertiary", "oneway": "yes", "cycleway:left": "opposite_lane"},
            True,
            True,
            "backward",
        ),
        ({"highway": "residential", "oneway": "-1", "oneway:bicycle": "no"}, True, True, "forward"),
        ({"highway": "cycleway", "oneway:bicycle": "yes"}, True, False, None),
        ({"highway": "residential", "oneway": "no", "cycleway": "opposite"}, True, True, None),
    ],
)
def test_one_way_and_contraflow_directions(
    tags: dict[str, str], forward: bool, backward: bool, contraflow: str | None
) -> None:
    """One-ways are respected; contraflow opens only the direction against the traffic."""
    rule = classify_way(tags)
    assert rule is not None
    assert (rule.forward, rule.backward, rule.contraflow) == (forward, backward, contraflow)
