"""The impact report: what the cargo bikes did on a day or in a month, and the CO₂ it avoided.

Figures per day (and summed over a month):

- **bike km**, **rounds**, **stops** (pickup and delivery calls; reloads at the depot are not
  stops), **parcels** (on delivery stops) and **parcels collected** (on pickup stops), all from
  the stored rounds of the date's plans. Which plans: for each kind, the newest done version of
  the date; a combined plan covers pickups and deliveries, so a plan is left out when a newer
  done plan of the date already covers one of its kinds (nothing is counted twice);
- **consolidation ratio**: parcels per delivery stop (``None`` without delivery stops);
- **on-time share**: of the parcels delivered for the date (a ``delivered`` history entry, the
  order's delivery date that day), those whose delivery entry's time, on the depot's local
  clock, falls inside one of the order's windows (inclusive; an order without windows counts
  as on time when delivered on its date). Without deliveries the share is ``None`` and the
  text says "no deliveries recorded", never 0 %;
- **CO₂ avoided** against a diesel van doing the same stops.

The CO₂ assumption, stated once here and in the README:

- Factor: :data:`VAN_CO2_G_PER_KM` = 183.8 g CO₂/km, the average type-approval (WLTP) CO₂
  emission of new vans registered in Europe in 2022 (European Environment Agency, "CO₂
  performance of new vans in Europe", indicator, https://www.eea.europa.eu/en/analysis/
  indicators/co2-performance-emissions-of-new; monitoring under Regulation (EU) 2019/631). It
  is a conservative figure for a diesel van in city traffic: it averages in the 6 % electric
  vans of 2022, and type-approval figures are below urban stop-and-go driving. Tailpipe CO₂
  only: the e-assist bikes' electricity is not subtracted.
- Distance: a van's tour of the same stops is not computed (a tour on the drive network is out
  of scope). The van is taken to ride as far as the bikes: van km = bike km ×
  :data:`VAN_KM_PER_BIKE_KM` (1.0). A van may ride further (no contraflow cycle lanes, loops to
  park) or less (one van carries what several bikes carry, fewer trips back to the depot).

Distances are stored in metres and shown in km; times of delivery entries are UTC in the
database and compared on the depot's clock (the ``tz`` given).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Order,
    OrderWindow,
    Parcel,
    ParcelEvent,
    ParcelStatus,
    Plan,
    PlanKind,
    PlanRound,
    PlanStatus,
    RoundStop,
)
from models.plan import round_stop_parcels

#: Average CO₂ of new vans registered in Europe in 2022, g/km, WLTP (EEA; see the docstring).
VAN_CO2_G_PER_KM = 183.8
VAN_CO2_SOURCE = (
    "European Environment Agency, CO2 performance of new vans in Europe (2022 registrations, "
    "WLTP average 183.8 g CO2/km), https://www.eea.europa.eu/en/analysis/indicators/"
    "co2-performance-emissions-of-new"
)
#: Van km per bike km for the same stops (a van tour on the drive network is not computed).
VAN_KM_PER_BIKE_KM = 1.0
NO_DELIVERIES = "no deliveries recorded"
_COVERS = {
    PlanKind.COMBINED: frozenset({PlanKind.PICKUPS, PlanKind.DELIVERIES}),
    PlanKind.PICKUPS: frozenset({PlanKind.PICKUPS}),
    PlanKind.DELIVERIES: frozenset({PlanKind.DELIVERIES}),
}


@dataclass(frozen=True)
class Figures:
    """Counts that add up over days; the ratios are computed from the sums."""

    rounds: int = 0
    bike_distance_m: int = 0
    pickup_stops: int = 0
    delivery_stops: int = 0
    parcels: int = 0
    parcels_collected: int = 0
    delivered: int = 0
    on_time: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def bike_km(self) -> float:
        """Kilometres ridden by the bikes."""
        return self.bike_distance_m / 1000.0

    @property
    def consolidation_ratio(self) -> float | None:
        """Parcels per delivery stop; ``None`` without delivery stops."""
        return self.parcels / self.delivery_stops if self.delivery_stops else None

    @property
    def on_time_share(self) -> float | None:
        """Share of the delivered parcels delivered inside a window; ``None`` without any."""
        return self.on_time / self.delivered if self.delivered else None

    @property
    def van_km(self) -> float:
        """What a diesel van would ride for the same stops (see :data:`VAN_KM_PER_BIKE_KM`)."""
        return self.bike_km * VAN_KM_PER_BIKE_KM

    @property
    def co2_avoided_kg(self) -> float:
        """CO₂ the van would have emitted, kg (see :data:`VAN_CO2_G_PER_KM`)."""
        return self.van_km * VAN_CO2_G_PER_KM / 1000.0


@dataclass(frozen=True)
class RoundFigures:
    """One round of a day's plans: its bike, distance, stops and parcels."""

    round_id: int
    plan_id: int
    vehicle: str
    figures: Figures


@dataclass(frozen=True)
class DayImpact:
    """A day: the plans read, their rounds, and the day's figures."""

    day: date
    plan_ids: tuple[int, ...]
    rounds: tuple[RoundFigures, ...]
    figures: Figures


@dataclass(frozen=True)
class ImpactReport:
    """The days of a period (one day, or every day of a month) and their totals."""

    label: str
    days: tuple[DayImpact, ...]
    totals: Figures = field(default_factory=Figures)


def day_report(*, session: Session, day: date, tz: ZoneInfo) -> ImpactReport:
    """The impact of one day.

    Parameters
    ----------
    session : Session
    day : date
        The plans' date and the delivery date of the parcels counted.
    tz : ZoneInfo
        The depot's time zone (delivery times are compared with windows on its clock).

    Returns
    -------
    ImpactReport
    """
    return _report(session, day.isoformat(), [day], tz)


def month_report(*, session: Session, year: int, month: int, tz: ZoneInfo) -> ImpactReport:
    """The impact of each day of a month and of the month.

    Parameters
    ----------
    session : Session
    year, month : int
    tz : ZoneInfo
        The depot's time zone.

    Returns
    -------
    ImpactReport
        Every day of the month, days without plans or deliveries included (all zero).

    Raises
    ------
    ValueError
        Not a month (``month`` outside 1..12).
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1..12")
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    return _report(session, f"{year:04d}-{month:02d}", days, tz)


def _report(session: Session, label: str, days: list[date], tz: ZoneInfo) -> ImpactReport:
    first, last = days[0], days[-1]
    plans_of = _plans(session, first, last)
    plan_day = {pid: d for d, pids in plans_of.items() for pid in pids}
    rounds = _rounds(session, list(plan_day))
    deliveries = _deliveries(session, first, last, tz)
    out = []
    for d in days:
        day_rounds = tuple(r for r in rounds if plan_day[r.plan_id] == d)
        delivered, on_time = deliveries.get(d, (0, 0))
        figures = sum((r.figures for r in day_rounds), Figures())
        figures = figures + Figures(delivered=delivered, on_time=on_time)
        out.append(DayImpact(d, tuple(plans_of.get(d, ())), day_rounds, figures))
    totals = sum((d.figures for d in out), Figures())
    return ImpactReport(label, tuple(out), totals)


def _plans(session: Session, first: date, last: date) -> dict[date, list[int]]:
    """Per date, the done plans counted: newest first, each only if no newer one covers any of
    its kinds."""
    rows = session.execute(
        select(Plan.id, Plan.plan_date, Plan.kind)
        .where(Plan.plan_date.between(first, last), Plan.status == PlanStatus.DONE)
        .order_by(Plan.plan_date, Plan.version.desc())
    ).all()
    kept: dict[date, list[int]] = defaultdict(list)
    covered: dict[date, set[PlanKind]] = defaultdict(set)
    for plan_id, day, kind in rows:
        if _COVERS[kind] & covered[day]:
            continue
        covered[day] |= _COVERS[kind]
        kept[day].append(plan_id)
    return kept


def _rounds(session: Session, plan_ids: list[int]) -> list[RoundFigures]:
    if not plan_ids:
        return []
    rows = session.execute(
        select(PlanRound.id, PlanRound.plan_id, PlanRound.vehicle_ref, PlanRound.distance_m)
        .where(PlanRound.plan_id.in_(plan_ids))
        .order_by(PlanRound.plan_id, PlanRound.seq)
    ).all()
    stops = _per_round_kind(
        session,
        select(RoundStop.round_id, RoundStop.kind, func.count(RoundStop.id)),
        plan_ids,
    )
    parcels = _per_round_kind(
        session,
        select(
            RoundStop.round_id,
            RoundStop.kind,
            func.count(func.distinct(round_stop_parcels.c.parcel_id)),
        ).join(round_stop_parcels, round_stop_parcels.c.round_stop_id == RoundStop.id),
        plan_ids,
    )
    return [
        RoundFigures(
            round_id,
            plan_id,
            vehicle,
            Figures(
                rounds=1,
                bike_distance_m=distance_m,
                pickup_stops=stops.get((round_id, "pickup"), 0),
                delivery_stops=stops.get((round_id, "delivery"), 0),
                parcels=parcels.get((round_id, "delivery"), 0),
                parcels_collected=parcels.get((round_id, "pickup"), 0),
            ),
        )
        for round_id, plan_id, vehicle, distance_m in rows
    ]


def _per_round_kind(
    session: Session, query: Any, plan_ids: list[int]
) -> dict[tuple[int, str], int]:
    rows = session.execute(
        query.join(PlanRound, PlanRound.id == RoundStop.round_id)
        .where(PlanRound.plan_id.in_(plan_ids), RoundStop.kind != "reload")
        .group_by(RoundStop.round_id, RoundStop.kind)
    ).all()
    return {(round_id, kind): int(count) for round_id, kind, count in rows}


def _deliveries(
    session: Session, first: date, last: date, tz: ZoneInfo
) -> dict[date, tuple[int, int]]:
    """Per delivery date: parcels delivered, and of those delivered inside a window."""
    rows = session.execute(
        select(Parcel.id, Order.id, Order.delivery_date, func.min(ParcelEvent.at))
        .join(Parcel, Parcel.id == ParcelEvent.parcel_id)
        .join(Order, Order.id == Parcel.order_id)
        .where(
            ParcelEvent.status == ParcelStatus.DELIVERED,
            Order.delivery_date.between(first, last),
        )
        .group_by(Parcel.id, Order.id, Order.delivery_date)
    ).all()
    windows = _windows(session, {order_id for _p, order_id, _d, _at in rows})
    counts: dict[date, tuple[int, int]] = {}
    for _parcel_id, order_id, day, at in rows:
        delivered, on_time = counts.get(day, (0, 0))
        inside = delivered_in_window(at=at, day=day, windows=windows.get(order_id, []), tz=tz)
        counts[day] = (delivered + 1, on_time + inside)
    return counts


def _windows(session: Session, order_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    ids = set(order_ids)
    if not ids:
        return {}
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for order_id, start_s, end_s in session.execute(
        select(OrderWindow.order_id, OrderWindow.start_s, OrderWindow.end_s).where(
            OrderWindow.order_id.in_(ids)
        )
    ):
        out[order_id].append((start_s, end_s))
    return out


def delivered_in_window(
    *, at: datetime, day: date, windows: list[tuple[int, int]], tz: ZoneInfo
) -> bool:
    """Whether a delivery at ``at`` (timezone-aware) is on ``day`` inside one of ``windows``
    (local clock seconds after midnight, inclusive) on the clock of ``tz``; no windows: any
    time of ``day``."""
    local = at.astimezone(tz)
    if local.date() != day:
        return False
    clock_s = local.hour * 3600 + local.minute * 60 + local.second
    return not windows or any(start_s <= clock_s <= end_s for start_s, end_s in windows)


def month_of(text: str) -> tuple[int, int]:
    """``"2026-11"`` → ``(2026, 11)``.

    Raises
    ------
    ValueError
        Not a month like ``2026-11``.
    """
    try:
        start = datetime.strptime(text.strip(), "%Y-%m")
    except ValueError:
        raise ValueError(f"{text!r} is not a month like 2026-11") from None
    return start.year, start.month
