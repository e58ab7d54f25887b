"""The Copenhagen bike graph: which ways it holds, in which directions, and its cache."""

from __future__ import annotations

import bz2
import time
from pathlib import Path

import numpy as np
import pytest

from maps.graph import BikeGraph, load_graph
from maps.osm_read import GraphSourceError
from maps.profiles import PEDAL, get_profile

CONTRAFLOW_CYCLEWAY = {"opposite", "opposite_lane", "opposite_track"}


def _oneway_for_traffic(tags: dict[str, str]) -> bool:
    return tags.get("oneway") in ("yes", "true", "1", "-1") or tags.get("junction") == "roundabout"


def _bikes_both_ways(tags: dict[str, str]) -> bool:
    cycleway = {tags.get(k) for k in ("cycleway", "cycleway:left", "cycleway:right")}
    return tags.get("oneway:bicycle") == "no" or bool(cycleway & CONTRAFLOW_CYCLEWAY)


def test_graph_size_is_that_of_inner_copenhagen(cph_graph: BikeGraph) -> None:
    """The extract yields thousands of nodes and edges, all reachable from each other."""
    assert 4000 < cph_graph.n_nodes < 8000
    assert 10000 < cph_graph.n_edges < 20000
    assert cph_graph.stats.contraflow_edges > 50
    assert 55.63 < cph_graph.node_lat.min() and cph_graph.node_lat.max() < 55.70
    assert 12.52 < cph_graph.node_lon.min() and cph_graph.node_lon.max() < 12.63


def test_contraflow_edges_exist_exactly_for_tagged_ways(
    cph_graph: BikeGraph, way_tags: dict[int, dict[str, str]]
) -> None:
    """A reverse edge on a one-way exists iff the way allows bikes against the flow."""
    contraflow_ways = {cph_graph.edge_way_id(e) for e in np.flatnonzero(cph_graph.edge_contraflow)}
    ways_in_graph = {int(w) for w in cph_graph.link_way_id}
    tagged = {
        w
        for w in ways_in_graph
        if _oneway_for_traffic(way_tags[w]) and _bikes_both_ways(way_tags[w])
    }
    assert len(tagged) > 40
    assert contraflow_ways == tagged
    for edge in np.flatnonzero(cph_graph.edge_contraflow):
        tags = way_tags[cph_graph.edge_way_id(edge)]
        against = not cph_graph.edge_forward[edge]
        if tags.get("oneway") == "-1":
            against = not against
        assert against, f"contraflow edge {edge} runs with the traffic"


def test_other_one_ways_are_ridden_only_with_the_flow(
    cph_graph: BikeGraph, way_tags: dict[int, dict[str, str]]
) -> None:
    """Every edge of a one-way without a contraflow tag follows the way's direction."""
    checked = 0
    for edge in range(cph_graph.n_edges):
        tags = way_tags[cph_graph.edge_way_id(edge)]
        if not _oneway_for_traffic(tags) or _bikes_both_ways(tags):
            continue
        expected_forward = tags.get("oneway") != "-1"
        assert bool(cph_graph.edge_forward[edge]) == expected_forward, tags
        checked += 1
    assert checked > 300


def test_no_edge_comes_from_a_way_bikes_may_not_use(
    cph_graph: BikeGraph, way_tags: dict[int, dict[str, str]]
) -> None:
    """Steps, bicycle=no, private access, areas and unsigned footways never become edges.

    ``bicycle=dismount`` ways are kept only at walking pace (the courier pushes the bike).
    """
    permitted = {"yes", "designated", "permissive"}
    speed_class = dict(zip(cph_graph.link_way_id.tolist(), cph_graph.link_speed_class, strict=True))
    for way_id in {int(w) for w in cph_graph.link_way_id}:
        tags = way_tags[way_id]
        if tags.get("bicycle") == "dismount":  # may be pushed, so only at walking pace
            assert speed_class[way_id] == "walking", tags
            continue
        assert tags["highway"] not in {"steps", "motorway", "construction", "raceway"}, tags
        assert tags.get("bicycle") != "no", tags
        assert tags.get("area") != "yes", tags
        if tags.get("access") in ("private", "no"):
            assert tags.get("bicycle") in permitted, tags
        if tags["highway"] in ("footway", "path", "bridleway", "track"):
            assert tags.get("bicycle") in permitted, tags
    # ...while bike-signed footways and pedestrian streets do carry bikes.
    highways = {way_tags[int(w)]["highway"] for w in cph_graph.link_way_id}
    assert {"cycleway", "residential", "footway", "pedestrian", "living_street"} <= highways


def test_pedestrian_zones_can_be_walked_ridden_or_excluded(osm_path: Path, tmp_path: Path) -> None:
    """The pedestrian-zone option changes speed or presence of unsigned pedestrian streets."""
    graphs = {
        mode: load_graph(osm_path, get_profile("pedal", pedestrian_zones=mode), cache_dir=tmp_path)
        for mode in ("walk", "ride", "exclude")
    }
    walking = [c == "walking" for c in graphs["walk"].link_speed_class]
    assert sum(walking) > 10
    assert "walking" not in graphs["ride"].link_speed_class
    assert graphs["exclude"].n_edges < graphs["walk"].n_edges
    walk_speeds_mps = (graphs["walk"].edge_length_m / graphs["walk"].edge_travel_time_s)[
        np.array(walking)[graphs["walk"].edge_link]
    ]
    assert np.allclose(walk_speeds_mps, 4.5 / 3.6)


def test_every_edge_has_length_and_travel_time_from_its_profile(cph_graph: BikeGraph) -> None:
    """length_m is positive and travel_time_s = length / profile speed of the edge's class."""
    assert (cph_graph.edge_length_m > 0).all()
    classes = np.array(cph_graph.link_speed_class)[cph_graph.edge_link]
    speed_mps = np.array([PEDAL.speed_kph[c] / 3.6 for c in classes])
    assert np.allclose(cph_graph.edge_travel_time_s, cph_graph.edge_length_m / speed_mps)


def test_e_assist_profile_is_faster(osm_path: Path, tmp_path: Path) -> None:
    """The same streets take less time on an e-assist bike than on a pedal bike."""
    pedal = load_graph(osm_path, PEDAL, cache_dir=tmp_path)
    e_assist = load_graph(osm_path, get_profile("e_assist"), cache_dir=tmp_path)
    assert e_assist.n_edges == pedal.n_edges
    assert e_assist.edge_travel_time_s.sum() < 0.85 * pedal.edge_travel_time_s.sum()


def test_second_load_comes_from_the_cache(osm_path: Path, tmp_path: Path) -> None:
    """A second load reads the cache entry (keyed by file hash and profile), not the OSM file."""
    first = load_graph(osm_path, PEDAL, cache_dir=tmp_path)
    entries = list(tmp_path.glob("graph-*.pickle"))
    assert len(entries) == 1
    stamp = entries[0].stat().st_mtime_ns
    time.sleep(0.01)
    second = load_graph(osm_path, PEDAL, cache_dir=tmp_path)
    assert entries[0].stat().st_mtime_ns == stamp
    assert np.array_equal(first.edge_travel_time_s, second.edge_travel_time_s)
    load_graph(osm_path, get_profile("e_assist"), cache_dir=tmp_path)
    assert len(list(tmp_path.glob("graph-*.pickle"))) == 2


def test_changed_file_is_not_served_from_a_stale_cache(osm_path: Path, tmp_path: Path) -> None:
    """Editing the OSM file changes its hash, so the graph is rebuilt from the new content."""
    copy = tmp_path / "city.osm"
    copy.write_bytes(bz2.decompress(osm_path.read_bytes()))
    before = load_graph(copy, PEDAL, cache_dir=tmp_path / "cache")
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('v="residential"', 'v="steps"'), encoding="utf-8")
    after = load_graph(copy, PEDAL, cache_dir=tmp_path / "cache")
    assert after.n_edges < before.n_edges / 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "file not found"),
        (b"", "file is empty"),
        (b"this is not xml", "cannot be read as OSM data"),
        (
            b"<?xml version='1.0'?><osm version='0.6'><node id='1' lat='55.6' lon='12.5'/></osm>",
            "no streets or paths",
        ),
        (
            b"<?xml version='1.0'?><osm version='0.6'>"
            b"<node id='1' lat='55.6' lon='12.5'/><node id='2' lat='55.61' lon='12.5'/>"
            b"<way id='1'><nd ref='1'/><nd ref='2'/><tag k='highway' v='motorway'/></way>"
            b"<way id='2'><nd ref='2'/><nd ref='1'/><tag k='highway' v='steps'/></way></osm>",
            "none of its 2 highway ways may be used by a cargo bike",
        ),
    ],
)
def test_bad_osm_files_give_a_clear_error(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    """Missing, empty, corrupt, street-less and bike-less files each name what is wrong."""
    path = tmp_path / "city.osm"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GraphSourceError) as info:
        load_graph(path, PEDAL)
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_truncated_download_is_reported_unreadable(osm_path: Path, tmp_path: Path) -> None:
    """A cut-off .osm.bz2 (an interrupted download) is unreadable, with the reader's reason."""
    path = tmp_path / "city.osm.bz2"
    path.write_bytes(osm_path.read_bytes()[:50_000])
    with pytest.raises(GraphSourceError, match="cannot be read as OSM data"):
        load_graph(path, PEDAL)


def test_a_directory_is_not_an_osm_file(tmp_path: Path) -> None:
    """Pointing --osm at a folder says so instead of failing inside the reader."""
    folder = tmp_path / "city.osm"
    folder.mkdir()
    with pytest.raises(GraphSourceError, match="is not a file"):
        load_graph(folder, PEDAL)


def test_wrong_suffix_is_refused(tmp_path: Path) -> None:
    """A file that is not named like OSM data (e.g. a CSV) is refused with the expected suffixes."""
    path = tmp_path / "stops.csv"
    path.write_text("lat,lon\n55.6,12.5\n")
    with pytest.raises(GraphSourceError, match=r"not an OSM file \(expected one of \.osm"):
        load_graph(path, PEDAL)
