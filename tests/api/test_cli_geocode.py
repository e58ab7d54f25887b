"""``bakfiets geocode`` on the real extract, through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import _register, app


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment giving the CLI a data dir (and so an index cache) private to this session."""
    _register()
    return {"BAKFIETS_DATA_DIR": str(tmp_path_factory.mktemp("cli-data"))}


def run(cli_env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run ``bakfiets ARGS``; return exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args), env=cli_env)
    return result.exit_code, result.stdout, result.stderr


def test_addresses_are_answered_in_order_with_reasons(
    osm_path: Path, cli_env: dict[str, str]
) -> None:
    """Each address gets one line, in order; a failed one shows its reason; exit status 0."""
    code, out, _ = run(
        cli_env, "geocode", "Nørregade 12", "Xyzgade 1", "skt. hans torv 3", "--osm", str(osm_path)
    )
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Nørregade 12 → 55.68")
    assert "Nørregade 12, 1165 København K  (score 1.00)" in lines[0]
    assert lines[1].startswith("Xyzgade 1 → not found: no street like 'Xyzgade' in this area")
    assert "Sankt Hans Torv 3, 2200 København N" in lines[2]


def test_json_output_has_coordinates_score_and_reason(
    osm_path: Path, cli_env: dict[str, str]
) -> None:
    """--json prints one object: a summary and, per address, lat/lon/address/score or the reason."""
    code, out, _ = run(
        cli_env, "geocode", "Nørregade 14", "Nørregade 999", "--osm", str(osm_path), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == {"addresses": 2, "found": 1, "not_found": 1}
    first, second = data["results"]
    assert first["query"] == "Nørregade 14" and first["found"] is True
    assert set(first) >= {"lat", "lon", "address", "score", "note"}
    assert first["note"] == "Nørregade has no 14; nearest is 12"
    assert 55.6 < first["lat"] < 55.7 and 12.5 < first["lon"] < 12.7
    assert second == {
        "query": "Nørregade 999",
        "found": False,
        "reason": "Nørregade has no number 999; numbers 1–53 exist",
    }


def test_file_addresses_follow_the_arguments(
    osm_path: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """--file adds one address per line (blank lines and # comments skipped) after the arguments."""
    addresses = tmp_path / "addresses.txt"
    addresses.write_text("# today's stops\nGammel Kongevej 29\n\nH.C. Ørsteds Vej 25\n", "utf-8")
    code, out, _ = run(
        cli_env,
        "geocode",
        "Nørregade 12",
        "--file",
        str(addresses),
        "--osm",
        str(osm_path),
        "--json",
    )
    assert code == 0
    queries = [row["query"] for row in json.loads(out)["results"]]
    assert queries == ["Nørregade 12", "Gammel Kongevej 29", "H.C. Ørsteds Vej 25"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"not osm at all", "not a readable OSM file"),
        (b'<?xml version="1.0"?>\n<osm version="0.6"></osm>\n', "no addresses in it"),
    ],
)
def test_bad_osm_file_is_an_error_naming_osm(
    cli_env: dict[str, str], tmp_path: Path, content: bytes | None, reason: str
) -> None:
    """A missing, empty, non-OSM or address-less --osm file exits 2 with 'error: --osm: ...'."""
    path = tmp_path / "extract.osm"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(cli_env, "geocode", "Nørregade 12", "--osm", str(path))
    assert code == 2
    assert err.startswith(f"error: --osm: {path}: {reason}")
    assert out == ""


def test_no_addresses_is_an_error(osm_path: Path, cli_env: dict[str, str]) -> None:
    """Without addresses (and without --file) the command exits 2 naming ADDRESS."""
    code, _, err = run(cli_env, "geocode", "--osm", str(osm_path))
    assert code == 2
    assert err.startswith("error: ADDRESS: give at least one address")


def test_missing_osm_option_is_an_error(cli_env: dict[str, str]) -> None:
    """Without --osm the command exits 2 naming --osm."""
    code, _, err = run(cli_env, "geocode", "Nørregade 12")
    assert code == 2
    assert err.startswith("error: --osm:")


def test_missing_address_file_is_an_error(
    osm_path: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A --file that does not exist exits 2 naming --file."""
    missing = tmp_path / "nope.txt"
    code, _, err = run(cli_env, "geocode", "--file", str(missing), "--osm", str(osm_path))
    assert code == 2
    assert err == f"error: --file: {missing}: no such file\n"
