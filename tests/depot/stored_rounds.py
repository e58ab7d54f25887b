"""Plans written as a finished planning run writes them (plan, rounds, stops and their
parcels), for tests that need rounds of known content and distance without planning a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models import Parcel, Plan, PlanKind, PlanRound, PlanStatus, RoundStop

DEPOT_LAT, DEPOT_LON = 55.6738, 12.5646


def stop(seq: int, kind: str, parcels: list[Parcel] | None = None) -> RoundStop:
    """A call of a round: ``delivery``, ``pickup`` or ``reload``, at 10:00 + 10 min per seq."""
    return RoundStop(
        seq=seq, kind=kind, stop_ref=None if kind == "reload" else f"{kind[0].upper()}{seq}",
        label=f"{kind} {seq}", lat=DEPOT_LAT, lon=DEPOT_LON, windows=[],
        arrival_s=36_000 + 600 * seq, start_s=36_000 + 600 * seq, end_s=36_120 + 600 * seq,
        load_after_g=0, load_after_ml=0, load_after_parcels=0, parcels=list(parcels or []),
    )  # fmt: skip


def round_row(
    seq: int,
    vehicle: str,
    distance_m: int,
    stops: list[RoundStop],
    courier_id: int | None = None,
) -> PlanRound:
    """A bike's round of ``distance_m`` metres through ``stops``."""
    trips = 1 + sum(1 for s in stops if s.kind == "reload")
    return PlanRound(
        seq=seq, vehicle_ref=vehicle, courier_id=courier_id, start_s=35_000, end_s=45_000,
        distance_m=distance_m, trips=trips, peak_load_g=0, breaks=[], stops=stops,
    )  # fmt: skip


def stored_plan(
    session: Session,
    day: date,
    rounds: list[PlanRound],
    *,
    kind: PlanKind = PlanKind.COMBINED,
    version: int = 1,
    status: PlanStatus = PlanStatus.DONE,
) -> Plan:
    """A plan of ``day`` with these rounds, committed."""
    plan = Plan(
        plan_date=day, kind=kind, version=version, status=status, time_limit_s=2, rounds=rounds
    )
    session.add(plan)
    session.commit()
    return plan
