"""``bakfiets db upgrade`` and ``bakfiets users create`` on the embedded SQLite default."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from depot.users import authenticate, hash_token
from models import ApiToken, Role
from models.migrate import head_revision
from models.session import make_engine, make_sessionmaker


@pytest.fixture
def run_in(
    run_cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """``run_cli`` with a private data directory, so the SQLite file is this test's own."""
    monkeypatch.setenv("BAKFIETS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BAKFIETS_DATABASE_URL", raising=False)
    return run_cli


def test_db_upgrade_creates_the_sqlite_file(run_in: Callable[..., Any], tmp_path: Path) -> None:
    """With nothing configured the database is a SQLite file under the data directory."""
    result = run_in("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bakfiets.db").is_file()
    assert f"is at revision {head_revision()}" in result.stdout


def test_users_create_prints_the_token_once(run_in: Callable[..., Any], tmp_path: Path) -> None:
    """The printed token authenticates as the role; the database holds only its hash."""
    result = run_in("users", "create", "--role", "depot", "--name", "Mette")
    assert result.exit_code == 0, result.output
    token = re.search(r"token: (\S+)", result.stdout)
    assert token is not None
    raw = (tmp_path / "bakfiets.db").read_bytes()
    assert token[1].encode() not in raw
    engine = make_engine(f"sqlite:///{tmp_path / 'bakfiets.db'}")
    with make_sessionmaker(engine)() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert stored == [hash_token(token[1])]
        caller = authenticate(session=session, token=token[1])
        assert caller is not None and caller.role is Role.DEPOT and caller.name == "Mette"
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--role", "boss"], "--role"),
        (["--role", "merchant"], "--shop"),
        (["--role", "merchant", "--shop", "S404"], "--shop"),
        (["--role", "admin", "--shop", "S001"], "--shop"),
    ],
    ids=["unknown-role", "merchant-without-shop", "unknown-shop", "admin-with-shop"],
)
def test_users_create_bad_input(run_in: Callable[..., Any], args: list[str], field: str) -> None:
    """A bad role or shop exits with status 2 and one line naming the option."""
    result = run_in("users", "create", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {field}: ")
