"""``bakfiets solve``: prints vehicles, exact distance, BKS gap and the check; bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import _register, app

_register()
runner = CliRunner()


def test_solves_c101_and_prints_json(benchmarks_dir: Path) -> None:
    """C101 in 1 s: JSON with vehicles, a distance at or above the BKS, feasible, BKS attached."""
    f = benchmarks_dir / "solomon" / "C101.txt"
    result = runner.invoke(app, ["solve", str(f), "--time-limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["feasible"] is True and out["violations"] == []
    assert out["bks"]["vehicles"] == 10
    assert out["vehicles"] >= 10
    assert out["distance"] >= 828.93


def test_text_output_names_the_figures(benchmarks_dir: Path) -> None:
    """The text form has the vehicles, distance, BKS, check and seconds lines."""
    f = benchmarks_dir / "lilim" / "lc101.txt"
    result = runner.invoke(app, ["solve", str(f), "--time-limit", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    for label in ("vehicles", "distance", "bks", "check      feasible", "seconds"):
        assert label in result.stdout


def test_bad_file_exits_2_naming_it(tmp_path: Path) -> None:
    """A file that is not an instance: exit status 2 and the file named on stderr."""
    f = tmp_path / "shopping-list.txt"
    f.write_text("milk\nbread\n")
    result = runner.invoke(app, ["solve", str(f), "--time-limit", "1"])
    assert result.exit_code == 2
    assert "shopping-list.txt" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    """A path that does not exist: exit status 2, FILE named."""
    result = runner.invoke(app, ["solve", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "FILE" in result.stderr
