"""Loading an area by bounding box: downloaded once, then built like any OSM file.

The "map server" is a local HTTP server on loopback answering with a small synthetic town, so
the whole path (query, download, atomic write, build) runs without the public internet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from maps.download import BoundingBox, download_osm, overpass_query
from maps.graph import load_graph
from maps.osm_read import GraphSourceError


def _grid_town() -> bytes:
    """3x3 street grid, 100 m apart; the middle east-west street is one-way with contraflow."""
    nodes, ways = [], []
    for r in range(3):
        for c in range(3):
            nodes.append(
                f"<node id='{r * 3 + c + 1}' lat='{55.0 + r * 0.0009}' lon='{12.0 + c * 0.0016}'/>"
            )
    way_id = 1
    for r in range(3):
        tags = "<tag k='highway' v='residential'/>"
        if r == 1:
            tags += "<tag k='oneway' v='yes'/><tag k='oneway:bicycle' v='no'/>"
        refs = "".join(f"<nd ref='{r * 3 + c + 1}'/>" for c in range(3))
        ways.append(f"<way id='{way_id}'>{refs}{tags}</way>")
        way_id += 1
    for c in range(3):
        refs = "".join(f"<nd ref='{r * 3 + c + 1}'/>" for r in range(3))
        ways.append(f"<way id='{way_id}'>{refs}<tag k='highway' v='cycleway'/></way>")
        way_id += 1
    body = "".join(nodes + ways)
    return f"<?xml version='1.0'?><osm version='0.6'>{body}</osm>".encode()


class _Overpass(BaseHTTPRequestHandler):
    queries: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        _Overpass.queries.append(form["data"][0])
        payload = _grid_town()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def overpass_url() -> Iterator[str]:
    """A local stand-in for an Overpass server, on 127.0.0.1."""
    server = HTTPServer(("127.0.0.1", 0), _Overpass)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/interpreter"
    server.shutdown()


def test_bbox_download_builds_a_graph_and_is_reused(overpass_url: str, tmp_path: Path) -> None:
    """A downloaded area becomes a graph with its contraflow; a second call downloads nothing."""
    bbox = BoundingBox(54.99, 11.99, 55.01, 12.01)
    _Overpass.queries.clear()
    path = download_osm(bbox, dest_dir=tmp_path, overpass_url=overpass_url)
    again = download_osm(bbox, dest_dir=tmp_path, overpass_url=overpass_url)
    assert again == path and len(_Overpass.queries) == 1
    assert "(54.99,11.99,55.01,12.01)" in _Overpass.queries[0]
    graph = load_graph(path)
    assert graph.n_nodes == 9
    assert graph.n_edges == 24  # 12 street links, each ridden both ways
    assert graph.stats.contraflow_edges == 2
    assert not list(tmp_path.glob("*.tmp"))


def test_unreachable_map_server_is_a_clear_error(tmp_path: Path) -> None:
    """Offline, the download says the server could not be reached and leaves no file."""
    bbox = BoundingBox(54.99, 11.99, 55.01, 12.01)
    with pytest.raises(GraphSourceError, match="could not be reached"):
        download_osm(bbox, dest_dir=tmp_path, overpass_url="http://127.0.0.1:9/api/interpreter")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("55,12,55.1", "expected south,west,north,east"),
        ("55,12,abc,12.1", "not a number"),
        ("55.1,12,55,12.1", "south 55.1 must be below north 55.0"),
        ("50,5,56,13", "a town, not a region"),
    ],
)
def test_bad_bbox_names_the_field(text: str, message: str) -> None:
    """Malformed or oversized boxes are refused with a message naming bbox."""
    with pytest.raises(ValueError, match="bbox") as info:
        BoundingBox.parse(text)
    assert message in str(info.value)


def test_query_asks_for_streets_addresses_and_shops() -> None:
    """The Overpass query covers what the graph and the geocoder need."""
    query = overpass_query(BoundingBox(55.0, 12.0, 55.1, 12.1))
    for part in ('way["highway"]', 'nwr["addr:housenumber"]', 'nwr["shop"]', "(._;>;)"):
        assert part in query
