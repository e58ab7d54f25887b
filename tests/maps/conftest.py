"""Fixtures for maps/: the real Copenhagen graph, built once per test worker."""

from __future__ import annotations

from pathlib import Path

import osmium
import pytest

from maps.graph import BikeGraph, load_graph
from maps.profiles import PEDAL


@pytest.fixture(scope="session")
def graph_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph cache private to this test session."""
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture(scope="session")
def cph_graph(osm_path: Path, graph_cache_dir: Path) -> BikeGraph:
    """The pedal-profile bike graph of inner Copenhagen."""
    return load_graph(osm_path, PEDAL, cache_dir=graph_cache_dir)


@pytest.fixture(scope="session")
def way_tags(osm_path: Path) -> dict[int, dict[str, str]]:
    """Tags of every highway way in the extract, read independently of maps/."""
    tags: dict[int, dict[str, str]] = {}
    for way in osmium.FileProcessor(str(osm_path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    ):
        tags[way.id] = dict(way.tags)
    return tags
