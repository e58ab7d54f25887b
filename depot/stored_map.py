"""A finished plan read back from the database as the HTML map of its rounds.

The rounds, their calls and the streets ridden come from the stored rows (the path is GeoJSON,
**lon-first**; a round stored without one is drawn as straight lines between its calls); the
headline figures are the plan's stored summary. The page is the one ``bakfiets plan --out``
writes (:func:`depot.rounds_map.render_rounds_html`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.day import Place
from depot.errors import ConflictError
from depot.plan_input import depot_place, get_depot
from depot.plan_runs import get_plan
from depot.planning import PlannedVisit, Round, UnplannedStop
from depot.rounds_map import render_rounds_html
from maps.graph import BikeGraph
from maps.route import Route as StreetRoute
from models import PlanRound, PlanStatus, PlanUnassigned


@dataclass(frozen=True)
class StoredDay:
    """A done plan as the map draws it (see :class:`depot.rounds_map.MapDay`)."""

    depot: Place
    rounds: tuple[Round, ...]
    unassigned: tuple[UnplannedStop, ...]
    figures: Mapping[str, Any]

    def summary(self) -> Mapping[str, Any]:
        """The plan's stored summary (bike km, stops planned and unassigned, CO₂ avoided...)."""
        return self.figures


def _visits(row: PlanRound) -> tuple[PlannedVisit, ...]:
    return tuple(
        PlannedVisit(
            stop_id=stop.stop_ref if stop.kind != "reload" else None,
            kind=stop.kind,
            label=stop.label,
            lat=stop.lat,
            lon=stop.lon,
            arrival_s=stop.arrival_s,
            start_s=stop.start_s,
            end_s=stop.end_s,
            load_after_g=stop.load_after_g,
            windows=tuple((int(a), int(b)) for a, b in stop.windows),
        )
        for stop in row.stops
    )


def _street(row: PlanRound, depot: Place, visits: tuple[PlannedVisit, ...]) -> StreetRoute:
    """The round's stored path (GeoJSON: [lon, lat] pairs), or straight lines without one."""
    coords = (row.path_geojson or {}).get("coordinates") or []
    if len(coords) >= 2:
        lat = tuple(float(c[1]) for c in coords)
        lon = tuple(float(c[0]) for c in coords)
    else:
        lat = (depot.lat, *(v.lat for v in visits), depot.lat)
        lon = (depot.lon, *(v.lon for v in visits), depot.lon)
    return StreetRoute(
        duration_s=float(row.end_s - row.start_s),
        distance_m=float(row.distance_m),
        steps=(),
        lat=lat,
        lon=lon,
    )


def stored_day(*, session: Session, plan_id: int) -> StoredDay:
    """Plan ``plan_id`` as the map draws it.

    Raises
    ------
    NotFoundError
        ``plan_id``: no such plan.
    ConflictError
        ``plan_id``: the plan is not done (it has no rounds yet, or never will).
    """
    plan = get_plan(session=session, plan_id=plan_id)
    if plan.status is not PlanStatus.DONE:
        raise ConflictError(
            "plan_id", f"plan {plan_id} is {plan.status.value}: only a done plan has rounds"
        )
    depot = depot_place(get_depot(session))
    rows = session.scalars(
        select(PlanRound)
        .where(PlanRound.plan_id == plan_id)
        .options(selectinload(PlanRound.stops))
        .order_by(PlanRound.seq)
    ).all()
    rounds = []
    for row in rows:
        visits = _visits(row)
        rounds.append(
            Round(
                bike_id=row.vehicle_ref,
                start_s=row.start_s,
                end_s=row.end_s,
                distance_m=row.distance_m,
                visits=visits,
                breaks=tuple((int(a), int(b)) for a, b in row.breaks),
                trips=row.trips,
                peak_load_g=row.peak_load_g,
                legs=(_street(row, depot, visits),),
            )
        )
    unassigned = session.scalars(
        select(PlanUnassigned).where(PlanUnassigned.plan_id == plan_id).order_by(PlanUnassigned.id)
    ).all()
    return StoredDay(
        depot=depot,
        rounds=tuple(rounds),
        unassigned=tuple(UnplannedStop(u.stop_ref, u.label, u.code, u.reason) for u in unassigned),
        figures=dict(plan.summary or {}),
    )


def plan_map_html(*, session: Session, plan_id: int, graph: BikeGraph) -> str:
    """The HTML map of plan ``plan_id``'s rounds on ``graph`` (viewable offline).

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`stored_day`.
    """
    day = stored_day(session=session, plan_id=plan_id)
    plan = get_plan(session=session, plan_id=plan_id)
    title = f"Bakfiets rounds {plan.plan_date.isoformat()} (plan {plan.id}, {plan.kind.value})"
    return render_rounds_html(graph, day, title=title)
