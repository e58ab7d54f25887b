"""Pooled PostgreSQL connections: one that died while idle is replaced before it is used."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

import models.session
from models.session import make_engine
from tests.dbfixtures import PG_ADMIN_DSN


def test_a_connection_killed_while_idle_is_replaced(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection whose server process was terminated while it sat idle is checked
    before use and replaced: the next query works and runs on a new server process."""
    if not db_url.startswith("postgresql"):
        pytest.skip("the pool ping is for PostgreSQL")
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            first_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first_pid,))
        monkeypatch.setattr(models.session, "PING_AFTER_IDLE_S", 0.0)
        with engine.connect() as connection:
            second_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second_pid != first_pid
    finally:
        engine.dispose()
