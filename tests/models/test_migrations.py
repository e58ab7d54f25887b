"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from models import Base, Customer, CustomerAddress, Order, OrderSource, OrderStatus
from models.migrate import current_revision, head_revision, pending_changes


def test_upgrade_creates_every_table(db_engine: Engine) -> None:
    """After `upgrade`, every model table exists and the database is at the head revision."""
    tables = set(inspect(db_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(db_engine) == head_revision()


def test_autogenerate_finds_no_difference(db_url: str) -> None:
    """The migrations match the models: autogenerate would write an empty revision."""
    assert pending_changes(db_url) == []


def _order(session: Session, external_id: str) -> Order:
    customer = Customer(name="Karen Holm")
    address = CustomerAddress(street="Amaliegade", housenumber="13C", lat=None, lon=None)
    customer.addresses.append(address)
    return Order(
        source=OrderSource.WEBSHOP,
        external_id=external_id,
        customer=customer,
        address=address,
        delivery_date=datetime(2030, 1, 2).date(),
        status=OrderStatus.CONFIRMED,
    )


def test_external_id_is_unique_per_source(session: Session) -> None:
    """The database itself refuses a second order with the same (source, external_id)."""
    session.add(_order(session, "WS-1"))
    session.commit()
    session.add(_order(session, "WS-1"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    other = _order(session, "WS-1")
    other.source = OrderSource.SHOPIFY
    session.add(other)
    session.commit()


def test_timestamps_come_back_in_utc(session: Session) -> None:
    """A time written in Copenhagen time is read back as the same instant, marked UTC."""
    cph = timezone(timedelta(hours=1))
    order = _order(session, "WS-2")
    order.created_at = datetime(2030, 1, 2, 9, 30, tzinfo=cph)
    session.add(order)
    session.commit()
    session.expire_all()
    read = session.get(Order, order.id)
    assert read is not None
    assert read.created_at.utcoffset() == timedelta(0)
    assert read.created_at == datetime(2030, 1, 2, 8, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    """A datetime without a time zone is refused rather than guessed."""
    order = _order(session, "WS-3")
    order.created_at = datetime(2030, 1, 2, 9, 30)
    session.add(order)
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()
    session.rollback()


def test_sqlite_pragmas(db_engine: Engine) -> None:
    """SQLite runs with write-ahead logging and enforced foreign keys."""
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
