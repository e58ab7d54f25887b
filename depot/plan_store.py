"""A finished plan into rows (rounds, stops, the unassigned) and rows back into views.

:func:`write_result` only adds to the caller's session; the caller commits it together with the
plan's ``done`` status. Clock times are stored as seconds after local midnight of the plan's
date and shown as local ISO times (``2026-11-24T10:32:00+01:00``) with ``HH:MM`` beside them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.contracts import format_clock
from depot.impact import VAN_CO2_G_PER_KM
from depot.plan_input import PlanningInput, describe
from depot.planning import DayPlan, Round
from models import Parcel, Plan, PlanRound, PlanStatus, PlanUnassigned, RoundStop


def _path(round_: Round) -> dict[str, Any]:
    """The round's streets as a GeoJSON LineString (**lon-first**, as GeoJSON is)."""
    coords: list[list[float]] = []
    for leg in round_.legs:
        for lat, lon in zip(leg.lat, leg.lon, strict=True):
            point = [round(float(lon), 6), round(float(lat), 6)]
            if not coords or coords[-1] != point:
                coords.append(point)
    return {"type": "LineString", "coordinates": coords}


def write_result(*, session: Session, plan: Plan, inp: PlanningInput, day_plan: DayPlan) -> None:
    """Add ``day_plan``'s rounds, stops and unassigned stops of ``plan`` to ``session``.

    Parameters
    ----------
    session : Session
        The transaction that also marks the plan done (the caller commits).
    plan : Plan
    inp : PlanningInput
        What the run planned from (stop contents, vehicles, what was left out).
    day_plan : DayPlan
        The planner's answer on the street network.
    """
    contents = inp.day.contents
    wanted = {pid for c in contents.values() for pid in c.parcel_ids}
    wanted |= {pid for item in inp.day.left_out for pid in item.parcel_ids}
    parcels = {p.id: p for p in session.scalars(select(Parcel).where(Parcel.id.in_(wanted)))}
    frozen = {f.bike_id for f in inp.request.frozen}
    started = {
        ref: at for ref, at in _started_rounds(session, inp.based_on_id).items() if ref in frozen
    }
    ridden = _copy_history(session, plan, inp.history)
    first = len(plan.rounds) + 1
    for seq, (rnd, route) in enumerate(
        zip(day_plan.rounds, day_plan.plan.routes, strict=True), first
    ):
        ref = inp.vehicles[rnd.bike_id]
        row = PlanRound(
            seq=seq,
            vehicle_ref=rnd.bike_id,
            bike_id=ref.bike_id,
            courier_id=ref.courier_id,
            shift_id=ref.shift_id,
            start_s=rnd.start_s,
            end_s=rnd.end_s,
            distance_m=rnd.distance_m,
            trips=rnd.trips,
            peak_load_g=rnd.peak_load_g,
            started=rnd.bike_id in started,
            started_at=started.get(rnd.bike_id),
            breaks=[[start_s, duration_s] for start_s, duration_s in rnd.breaks],
            path_geojson=_path(rnd),
        )
        for k, (visit, raw) in enumerate(zip(rnd.visits, route.visits, strict=True), 1):
            carried = contents[visit.stop_id].parcel_ids if visit.stop_id else ()
            row.stops.append(
                RoundStop(
                    seq=k,
                    kind=visit.kind,
                    stop_ref=visit.stop_id,
                    label=visit.label[:300],
                    lat=visit.lat,
                    lon=visit.lon,
                    windows=[list(w) for w in visit.windows],
                    arrival_s=visit.arrival_s,
                    start_s=visit.start_s,
                    end_s=visit.end_s,
                    load_after_g=raw.load_after.weight_g,
                    load_after_ml=raw.load_after.volume_ml,
                    load_after_parcels=raw.load_after.parcels,
                    parcels=[parcels[pid] for pid in carried],
                )
            )
        plan.rounds.append(row)
    kinds = {sid: c.kind for sid, c in contents.items()}
    for u in day_plan.unassigned:
        carried = contents[u.stop_id].parcel_ids if u.stop_id in contents else ()
        plan.unassigned.append(
            PlanUnassigned(
                stop_ref=u.stop_id,
                kind=kinds.get(u.stop_id, "delivery"),
                label=u.label[:300],
                code=u.code,
                reason=u.reason,
                parcels=[parcels[pid] for pid in carried],
            )
        )
    for item in inp.day.left_out:
        plan.unassigned.append(
            PlanUnassigned(
                stop_ref=item.stop_id,
                kind=item.kind,
                label=item.label[:300],
                code=item.code,
                reason=item.reason,
                parcels=[parcels[pid] for pid in item.parcel_ids],
            )
        )
    plan.based_on_id = inp.based_on_id
    plan.stops_planned = sum(1 for r in plan.rounds for s in r.stops if s.kind != "reload")
    summary = day_plan.summary()
    if ridden:
        # The day's figures include the rounds already ridden (copied above).
        bike_km = float(summary["bike_km"]) + sum(r.distance_m for r in ridden) / 1000
        hours = sum(r.end_s - r.start_s for r in ridden) / 3600
        summary |= {
            "bikes_used": len({r.vehicle_ref for r in plan.rounds}),
            "stops_planned": plan.stops_planned,
            "bike_km": round(bike_km, 2),
            "co2_avoided_kg": round(bike_km * VAN_CO2_G_PER_KM / 1000, 2),
            "riding_and_service_h": round(float(summary["riding_and_service_h"]) + hours, 2),
            "rounds_ridden": len(ridden),
        }
    plan.summary = {
        **summary,
        "stops_unassigned": len(plan.unassigned),
        **describe(inp.request),
        "consolidation": inp.day.ratio(),
        "notes": [*inp.notes, *day_plan.plan.summary.notes],
    }


def _copy_history(session: Session, plan: Plan, round_ids: tuple[int, ...]) -> list[PlanRound]:
    """Copy the rounds already ridden (back at the depot before a re-plan's clock) into
    ``plan`` first, exactly as they were planned and started; the copies."""
    if not round_ids:
        return []
    rounds = session.scalars(
        select(PlanRound)
        .where(PlanRound.id.in_(round_ids))
        .options(selectinload(PlanRound.stops).selectinload(RoundStop.parcels))
        .order_by(PlanRound.start_s, PlanRound.seq)
    ).all()
    copies = []
    for round_ in rounds:
        copy = PlanRound(
            seq=len(plan.rounds) + 1,
            **{c: getattr(round_, c) for c in _ROUND_COLUMNS},
            stops=[
                RoundStop(
                    **{c: getattr(stop, c) for c in _STOP_COLUMNS},
                    parcels=list(stop.parcels),
                )
                for stop in round_.stops
            ],
        )
        plan.rounds.append(copy)
        copies.append(copy)
    return copies


_ROUND_COLUMNS = (
    "vehicle_ref", "bike_id", "courier_id", "shift_id", "start_s", "end_s", "distance_m",
    "trips", "peak_load_g", "started", "started_at", "breaks", "path_geojson",
)  # fmt: skip
_STOP_COLUMNS = (
    "seq", "kind", "stop_ref", "label", "lat", "lon", "windows", "arrival_s", "start_s", "end_s",
    "load_after_g", "load_after_ml", "load_after_parcels",
)  # fmt: skip


def _started_rounds(session: Session, base_id: int | None) -> dict[str, datetime | None]:
    if base_id is None:
        return {}
    rows = session.execute(
        select(PlanRound.vehicle_ref, PlanRound.started_at)
        .where(PlanRound.plan_id == base_id, PlanRound.started.is_(True))
        .order_by(PlanRound.start_s, PlanRound.seq)
    ).all()
    return {ref: at for ref, at in rows}


# --- views -----------------------------------------------------------------------------------


def local_time(day: date, seconds: int, tz: ZoneInfo) -> str:
    """ISO local time of ``seconds`` after midnight of ``day`` in ``tz``."""
    return (datetime.combine(day, time(0), tz) + timedelta(seconds=seconds)).isoformat()


def stop_view(stop: RoundStop, day: date, tz: ZoneInfo) -> dict[str, Any]:
    """A round's stop: order, kind, ETA, load after it, and the orders, pickups and parcels."""
    parcels = stop.parcels
    return {
        "seq": stop.seq,
        "kind": stop.kind,
        "stop_ref": stop.stop_ref,
        "label": stop.label,
        "lat": stop.lat,
        "lon": stop.lon,
        "windows": [{"start": format_clock(a), "end": format_clock(b)} for a, b in stop.windows],
        "eta": local_time(day, stop.arrival_s, tz),
        "eta_clock": format_clock(stop.arrival_s),
        "service_start": local_time(day, stop.start_s, tz),
        "departure": local_time(day, stop.end_s, tz),
        "load_after": {
            "weight_g": stop.load_after_g,
            "volume_ml": stop.load_after_ml,
            "parcels": stop.load_after_parcels,
        },
        "order_ids": sorted({p.order_id for p in parcels if p.order_id is not None}),
        "pickup_ids": sorted({p.pickup_id for p in parcels if p.pickup_id is not None}),
        "parcel_ids": [p.id for p in parcels],
        "label_codes": [p.label_code for p in parcels],
    }


def round_view(round_: PlanRound, day: date, tz: ZoneInfo) -> dict[str, Any]:
    """A round with its ordered stops."""
    return {
        "id": round_.id,
        "plan_id": round_.plan_id,
        "seq": round_.seq,
        "vehicle": round_.vehicle_ref,
        "bike": round_.bike.ref if round_.bike is not None else None,
        "courier_id": round_.courier_id,
        "shift_id": round_.shift_id,
        "start": local_time(day, round_.start_s, tz),
        "end": local_time(day, round_.end_s, tz),
        "distance_m": round_.distance_m,
        "trips": round_.trips,
        "peak_load_g": round_.peak_load_g,
        "started": round_.started,
        "breaks": [
            {"start": local_time(day, start_s, tz), "duration_s": duration_s}
            for start_s, duration_s in round_.breaks
        ],
        "stops": [stop_view(s, day, tz) for s in round_.stops],
    }


def plan_view(plan: Plan, tz: ZoneInfo, *, session: Session, rounds: bool = True) -> dict[str, Any]:
    """A plan: status and progress; when done, its summary and (``rounds``) its rounds and
    unassigned stops."""
    view: dict[str, Any] = {
        "id": plan.id,
        "date": plan.plan_date.isoformat(),
        "kind": plan.kind.value,
        "version": plan.version,
        "status": plan.status.value,
        "progress": {
            "stage": plan.stage,
            "share": round(plan.progress_share, 3),
            "stops_planned": plan.stops_planned,
        },
        "time_limit_s": plan.time_limit_s,
        "now": format_clock(plan.now_s) if plan.now_s is not None else None,
        "based_on": plan.based_on_id,
        "attempts": plan.attempts,
        "error": plan.error,
        "created_at": plan.created_at.isoformat(),
        "started_at": plan.started_at.isoformat() if plan.started_at else None,
        "finished_at": plan.finished_at.isoformat() if plan.finished_at else None,
    }
    if plan.status is not PlanStatus.DONE:
        return view
    view["summary"] = plan.summary
    if not rounds:
        return view
    round_rows = session.scalars(
        select(PlanRound)
        .where(PlanRound.plan_id == plan.id)
        .options(
            selectinload(PlanRound.bike),
            selectinload(PlanRound.stops).selectinload(RoundStop.parcels),
        )
        .order_by(PlanRound.seq)
    ).all()
    unassigned = session.scalars(
        select(PlanUnassigned)
        .where(PlanUnassigned.plan_id == plan.id)
        .options(selectinload(PlanUnassigned.parcels))
        .order_by(PlanUnassigned.id)
    ).all()
    view["rounds"] = [round_view(r, plan.plan_date, tz) for r in round_rows]
    view["unassigned"] = [
        {
            "stop_ref": u.stop_ref,
            "kind": u.kind,
            "label": u.label,
            "code": u.code,
            "reason": u.reason,
            "order_ids": sorted({p.order_id for p in u.parcels if p.order_id is not None}),
            "parcel_ids": [p.id for p in u.parcels],
        }
        for u in unassigned
    ]
    return view
