"""Migration 0002 on a database with bikes in it, and the database's own one-plan-per-date rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Plan, PlanKind, PlanStatus
from models.migrate import alembic_config, pending_changes, upgrade
from models.session import make_engine


def test_existing_bikes_survive_0002_and_its_downgrade(tmp_path: Path) -> None:
    """A depot and a bike written at 0001 get pedal assist, no skills, three trips and a
    10-minute reload at 0002; downgrading and upgrading again keeps them (SQLite batch mode
    with foreign keys pointing at the altered tables)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO depots (name, street, housenumber, postcode, city, lat, lon, "
                "created_at) VALUES ('Depot', '', '', '', '', 55.67, 12.56, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bikes (depot_id, ref, max_weight_g, max_volume_ml, active, "
                "created_at) VALUES (1, 'B1', 100000, 400000, 1, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT ref, assist, skills, max_trips FROM bikes")).one()
        assert tuple(row) == ("B1", "pedal", "[]", 3)
        assert conn.execute(text("SELECT reload_s FROM depots")).scalar() == 600
    command.downgrade(alembic_config(url), "0001")
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ref FROM bikes")).scalar() == "B1"
    assert pending_changes(url) == []
    engine.dispose()


def _plan(version: int, status: PlanStatus, day: date = date(2030, 1, 2)) -> Plan:
    return Plan(
        plan_date=day,
        kind=PlanKind.COMBINED,
        version=version,
        status=status,
        time_limit_s=5,
    )


def test_one_queued_or_running_plan_per_date(session: Session) -> None:
    """The database refuses a second active plan for a date (whatever the code above it
    does), but not a finished one beside it, nor an active plan of another date."""
    session.add_all([_plan(1, PlanStatus.DONE), _plan(2, PlanStatus.RUNNING)])
    session.commit()
    session.add(_plan(3, PlanStatus.QUEUED))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add_all([_plan(3, PlanStatus.FAILED), _plan(1, PlanStatus.QUEUED, date(2030, 1, 3))])
    session.commit()


def test_versions_are_unique_per_date(session: Session) -> None:
    """Two plans of one date cannot carry the same version number."""
    session.add_all([_plan(1, PlanStatus.DONE), _plan(1, PlanStatus.FAILED)])
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
