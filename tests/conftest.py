"""Shared fixtures: where the real data lives (``../shared`` beside the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Database, API and order-builder fixtures (db_url, session, locator, client...).
pytest_plugins = ["tests.dbfixtures"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BAKFIETS_SHARED", ROOT.parent / "shared"))
OSM_PATH = SHARED / "data" / "osm" / "copenhagen.osm.bz2"
BENCHMARKS_DIR = SHARED / "data" / "benchmarks"


@pytest.fixture(scope="session")
def osm_path() -> Path:
    """The real inner-Copenhagen extract (read from ../shared, never copied)."""
    if not OSM_PATH.exists():
        pytest.fail(f"OSM extract missing at {OSM_PATH}; set BAKFIETS_SHARED")
    return OSM_PATH


@pytest.fixture(scope="session")
def benchmarks_dir() -> Path:
    """Solomon, Gehring-Homberger and Li & Lim instances with bks.csv."""
    if not BENCHMARKS_DIR.exists():
        pytest.fail(f"benchmarks missing at {BENCHMARKS_DIR}; set BAKFIETS_SHARED")
    return BENCHMARKS_DIR
