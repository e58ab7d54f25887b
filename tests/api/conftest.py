"""CLI fixtures: the real ``bakfiets`` app with a private data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.cli import _register, app
from tests.api.plan_day import plan_app, plan_client  # noqa: F401 (fixtures of planning tests)
from tests.depot.impact_day import impact_day  # noqa: F401 (the hand-checkable impact month)


@pytest.fixture(scope="session")
def cli_app() -> typer.Typer:
    """The ``bakfiets`` Typer app with every command registered."""
    _register()
    return app


@pytest.fixture(scope="session")
def cli_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BAKFIETS_DATA_DIR for CLI tests (graph cache shared between them)."""
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture
def run_cli(cli_app: typer.Typer, cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Invoke ``bakfiets ARGS...``; returns the click Result (exit_code, stdout, stderr)."""
    monkeypatch.setenv("BAKFIETS_DATA_DIR", str(cli_data_dir))
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli_app, [str(a) for a in args])

    return run
