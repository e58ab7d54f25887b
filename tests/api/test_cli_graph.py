"""``bakfiets graph build``, ``matrix`` and ``route`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path


def test_graph_build_prints_size_and_contraflow(run_cli, osm_path: Path) -> None:
    """The JSON answer has nodes, edges, contraflow edges and seconds; a rerun hits the cache."""
    first = run_cli("graph", "build", "--osm", osm_path, "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["nodes"] > 4000 and report["edges"] > 10000
    assert report["contraflow_edges"] > 50
    second = json.loads(run_cli("graph", "build", "--osm", osm_path, "--json").stdout)
    assert second["edges"] == report["edges"]
    text = run_cli("graph", "build", "--osm", osm_path)
    assert "contraflow" in text.stdout and "nodes" in text.stdout


def test_matrix_checks_itself_against_networkx(run_cli, osm_path: Path) -> None:
    """N random addresses give an N x N matrix whose sampled rows match networkx."""
    result = run_cli("matrix", "--osm", osm_path, "--points", 25, "--seed", 3, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["duration_s"]) == 25 and len(report["duration_s"][0]) == 25
    assert len(set(report["addresses"])) == 25
    assert report["networkx_rows_checked"] == 5
    assert report["networkx_max_diff_s"] < 0.05
    again = json.loads(
        run_cli("matrix", "--osm", osm_path, "--points", 25, "--seed", 3, "--json").stdout
    )
    assert again["addresses"] == report["addresses"]  # same seed, same sample


def test_route_writes_geojson_with_attribution(run_cli, osm_path: Path, tmp_path: Path) -> None:
    """A route names its streets and writes a lon/lat GeoJSON line."""
    out = tmp_path / "route.geojson"
    result = run_cli("route", "--osm", osm_path, "--seed", 2, "--geojson", out)
    assert result.exit_code == 0, result.output
    assert "km" in result.stdout and "via" in result.stdout
    assert "© OpenStreetMap contributors" in result.stdout
    feature = json.loads(out.read_text())["features"][0]
    lon, lat = feature["geometry"]["coordinates"][0]
    assert 12.5 < lon < 12.65 and 55.6 < lat < 55.7


def test_bad_inputs_name_the_field(run_cli, tmp_path: Path, osm_path: Path) -> None:
    """Missing or empty files, impossible counts, conflicting sources: exit 2 naming the field."""
    empty = tmp_path / "empty.osm"
    empty.write_text("")
    cases = [
        (("graph", "build", "--osm", tmp_path / "nope.osm"), "--osm", "file not found"),
        (("graph", "build", "--osm", empty), "--osm", "file is empty"),
        (("graph", "build"), "--osm", "exactly one of"),
        (("graph", "build", "--bbox", "1,2,3"), "--bbox", "expected south,west,north,east"),
        (("matrix", "--osm", osm_path, "--points", 0), "--points", "at least 1"),
        (("matrix", "--osm", osm_path, "--points", 10**6), "--points", "addresses asked"),
        (("graph", "build", "--osm", osm_path, "--profile", "rocket"), "--profile", "unknown"),
    ]
    for args, field, reason in cases:
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"error: {field}:" in result.stderr, (args, result.stderr)
        assert reason in result.stderr, (args, result.stderr)
