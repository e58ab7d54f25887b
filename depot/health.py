"""Is this process able to work: can it reach its database and its job broker?

Answered by ``GET /api/v1/health`` for load balancers and ``docker compose`` health checks. Each
check says what it tried and, when it failed, the error as the driver reported it (hosts and
ports, never a password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kombu import Connection
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

#: Longest wait for the broker, seconds (a health check must answer quickly).
BROKER_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    """One dependency: reachable or not, and what was tried or what went wrong."""

    ok: bool
    detail: str

    def view(self) -> dict[str, Any]:
        """``{"ok": ..., "detail": ...}``."""
        return {"ok": self.ok, "detail": self.detail}


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def check_database(*, session: Session) -> Check:
    """Run ``SELECT 1`` on the session's database."""
    where = session.get_bind().engine.url.render_as_string(hide_password=True)
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        session.rollback()
        return Check(False, f"{where}: {_first_line(getattr(exc, 'orig', None) or exc)}")
    finally:
        session.rollback()
    return Check(True, where)


def check_broker(*, broker_url: str, timeout_s: float = BROKER_TIMEOUT_S) -> Check:
    """Connect to the Celery broker; without one, jobs run in this process (nothing to reach)."""
    if not broker_url:
        return Check(True, "no broker: planning jobs run in this process")
    where = make_url(broker_url).render_as_string(hide_password=True)
    try:
        with Connection(
            broker_url, connect_timeout=timeout_s, transport_options={"socket_timeout": timeout_s}
        ) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout_s
            )
    except Exception as exc:  # any transport's error: report it, the check must answer
        return Check(False, f"{where}: {_first_line(exc)}")
    return Check(True, where)


def health(*, session: Session, broker_url: str) -> tuple[bool, dict[str, Any]]:
    """Both checks; ``(all ok, view)`` with the view ``{"status", "database", "broker"}``.

    Parameters
    ----------
    session : Session
    broker_url : str
        ``Settings.broker_url`` ("" when jobs run in-process).
    """
    database = check_database(session=session)
    broker = check_broker(broker_url=broker_url)
    ok = database.ok and broker.ok
    return ok, {
        "status": "ok" if ok else "unavailable",
        "database": database.view(),
        "broker": broker.view(),
    }
