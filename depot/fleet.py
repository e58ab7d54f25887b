"""The fleet: the depot's place and hours, its bikes, and couriers' shifts — set and read.

Every function commits on success and leaves nothing behind on a refusal; each refusal names
the field at fault.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from depot.contracts import format_clock
from depot.errors import ConflictError, InvalidInputError, NotFoundError
from depot.fleet_contracts import BikeIn, BikePatch, DepotIn, ShiftIn
from depot.intake import locate_address
from depot.locate import Locator
from depot.users import Caller
from models import (
    Bike,
    CourierBreak,
    CourierShift,
    Depot,
    DepotOpeningHours,
    Role,
    User,
)


def depot_view(depot: Depot) -> dict[str, Any]:
    """The depot as the API shows it."""
    return {
        "id": depot.id,
        "name": depot.name,
        "address": {
            "street": depot.street,
            "housenumber": depot.housenumber,
            "postcode": depot.postcode,
            "city": depot.city,
        },
        "lat": depot.lat,
        "lon": depot.lon,
        "reload_s": depot.reload_s,
        "opening_hours": [
            {"weekday": h.weekday, "start": format_clock(h.open_s), "end": format_clock(h.close_s)}
            for h in depot.opening_hours
        ],
    }


def set_depot(*, session: Session, depot: DepotIn, locator: Locator) -> Depot:
    """Create or replace the depot (its place must be served: bikes start there).

    Raises
    ------
    InvalidInputError
        ``address``: not found or not served; ``opening_hours[i]``: empty hours.
    """
    location = locate_address(locator, depot.address)
    if location.lat is None or location.lon is None or location.problem:
        raise InvalidInputError("address", location.problem or "the address was not found")
    for i, hours in enumerate(depot.opening_hours):
        if hours.end_s <= hours.start_s:
            raise InvalidInputError(f"opening_hours[{i}].end", "must be after start")
    row = session.scalar(select(Depot).order_by(Depot.id).limit(1))
    if row is None:
        row = Depot(name=depot.name, lat=location.lat, lon=location.lon)
        session.add(row)
    row.name = depot.name
    row.street = depot.address.street or ""
    row.housenumber = depot.address.housenumber or ""
    row.postcode = depot.address.postcode or ""
    row.city = depot.address.city or ""
    row.lat, row.lon = location.lat, location.lon
    row.reload_s = depot.reload_s
    row.opening_hours = [
        DepotOpeningHours(weekday=day, open_s=h.start_s, close_s=h.end_s)
        for h in depot.opening_hours
        for day in sorted(set(h.weekdays))
    ]
    session.commit()
    session.refresh(row)
    return row


def get_depot_row(*, session: Session) -> Depot:
    """The depot. Raises :class:`NotFoundError` (``depot``) when none is set up."""
    row = session.scalar(
        select(Depot).options(selectinload(Depot.opening_hours)).order_by(Depot.id).limit(1)
    )
    if row is None:
        raise NotFoundError("depot", "no depot is set up yet: PUT /api/v1/depot")
    return row


def bike_view(bike: Bike) -> dict[str, Any]:
    """A bike as the API shows it (capacities in kg and litres, range in km)."""
    return {
        "id": bike.id,
        "ref": bike.ref,
        "capacity_kg": bike.max_weight_g / 1000,
        "capacity_l": bike.max_volume_ml / 1000,
        "capacity_parcels": bike.max_parcels,
        "assist": bike.assist.value,
        "skills": list(bike.skills or []),
        "range_km": bike.range_m / 1000 if bike.range_m is not None else None,
        "max_trips": bike.max_trips,
        "active": bike.active,
        "last_position": (
            {"lat": bike.last_lat, "lon": bike.last_lon, "at": bike.last_seen_at.isoformat()}
            if bike.last_lat is not None and bike.last_lon is not None and bike.last_seen_at
            else None
        ),
    }


def _apply(bike: Bike, values: dict[str, Any]) -> None:
    if "capacity_kg" in values:
        bike.max_weight_g = round(values["capacity_kg"] * 1000)
    if "capacity_l" in values:
        bike.max_volume_ml = round(values["capacity_l"] * 1000)
    if "capacity_parcels" in values:
        bike.max_parcels = values["capacity_parcels"]
    if "range_km" in values:
        km = values["range_km"]
        bike.range_m = round(km * 1000) if km is not None else None
    if "skills" in values:
        bike.skills = sorted(set(values["skills"] or []))
    for name in ("assist", "max_trips", "active"):
        if name in values and values[name] is not None:
            setattr(bike, name, values[name])


def add_bike(*, session: Session, bike: BikeIn) -> Bike:
    """Register a bike at the depot.

    Raises
    ------
    NotFoundError
        ``depot``: set up the depot first.
    ConflictError
        ``ref``: a bike with this ref exists.
    """
    depot = get_depot_row(session=session)
    row = Bike(depot_id=depot.id, ref=bike.ref, max_weight_g=1, max_volume_ml=1)
    _apply(row, bike.model_dump())
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError("ref", f"a bike '{bike.ref}' already exists") from None
    return row


def get_bike(*, session: Session, ref: str, field: str = "ref") -> Bike:
    """The bike ``ref``. Raises :class:`NotFoundError` naming ``field``."""
    row = session.scalar(select(Bike).where(Bike.ref == ref))
    if row is None:
        raise NotFoundError(field, f"no bike '{ref}'")
    return row


def change_bike(*, session: Session, ref: str, patch: BikePatch) -> Bike:
    """Change the given fields of bike ``ref``."""
    row = get_bike(session=session, ref=ref)
    _apply(row, patch.model_dump(exclude_unset=True))
    session.commit()
    return row


def list_bikes(*, session: Session) -> list[Bike]:
    """Every bike, by ref."""
    return list(session.scalars(select(Bike).order_by(Bike.ref)))


def list_couriers(*, session: Session) -> list[User]:
    """Users with the courier role, by name."""
    return list(
        session.scalars(select(User).where(User.role == Role.COURIER).order_by(User.name, User.id))
    )


def shift_view(shift: CourierShift) -> dict[str, Any]:
    """A shift as the API shows it."""
    return {
        "id": shift.id,
        "courier_id": shift.courier_id,
        "courier": shift.courier.name,
        "bike": shift.bike.ref,
        "date": shift.shift_date.isoformat(),
        "start": format_clock(shift.start_s),
        "end": format_clock(shift.end_s),
        "breaks": [
            {
                "start": format_clock(b.start_s),
                "end": format_clock(b.end_s),
                "duration_min": b.duration_s // 60,
            }
            for b in shift.breaks
        ],
    }


def _check_shift(session: Session, shift: ShiftIn, bike: Bike, skip_id: int | None) -> None:
    courier = session.get(User, shift.courier_id)
    if courier is None or courier.role is not Role.COURIER:
        raise InvalidInputError("courier_id", f"user {shift.courier_id} is not a courier")
    if shift.end_s <= shift.start_s:
        raise InvalidInputError("end", "the shift must end after it starts")
    for i, b in enumerate(shift.breaks):
        if b.start_s < shift.start_s or b.end_s > shift.end_s:
            raise InvalidInputError(f"breaks[{i}]", "the break window must lie inside the shift")
    same_day = session.scalars(
        select(CourierShift).where(
            CourierShift.shift_date == shift.date,
            CourierShift.start_s < shift.end_s,
            CourierShift.end_s > shift.start_s,
        )
    ).all()
    for other in same_day:
        if other.id == skip_id:
            continue
        when = f"{format_clock(other.start_s)}–{format_clock(other.end_s)}"
        if other.bike_id == bike.id:
            raise ConflictError("bike", f"bike {bike.ref} is on shift {other.id} ({when})")
        if other.courier_id == shift.courier_id:
            raise ConflictError("start", f"the courier already has shift {other.id} ({when})")


def save_shift(*, session: Session, shift: ShiftIn, shift_id: int | None = None) -> CourierShift:
    """Add a shift (or replace shift ``shift_id``) with its breaks.

    Raises
    ------
    InvalidInputError
        ``courier_id`` not a courier, ``end`` not after ``start``, ``breaks[i]`` outside it.
    NotFoundError
        ``bike`` unknown; ``shift_id`` unknown.
    ConflictError
        ``bike`` or the courier (``start``) already on an overlapping shift.
    """
    bike = get_bike(session=session, ref=shift.bike, field="bike")
    row = get_shift(session=session, shift_id=shift_id) if shift_id is not None else None
    _check_shift(session, shift, bike, shift_id)
    if row is None:
        row = CourierShift()
        session.add(row)
    row.courier_id, row.bike_id, row.shift_date = shift.courier_id, bike.id, shift.date
    row.start_s, row.end_s = shift.start_s, shift.end_s
    row.breaks = [
        CourierBreak(start_s=b.start_s, end_s=b.end_s, duration_s=b.duration_min * 60)
        for b in shift.breaks
    ]
    session.commit()
    session.refresh(row)
    return row


def get_shift(*, session: Session, shift_id: int, caller: Caller | None = None) -> CourierShift:
    """Shift ``shift_id``; a courier sees only their own (others are "not found")."""
    row = session.get(CourierShift, shift_id)
    if row is None or (
        caller is not None and caller.role is Role.COURIER and row.courier_id != caller.user_id
    ):
        raise NotFoundError("shift_id", f"no shift {shift_id}")
    return row


def delete_shift(*, session: Session, shift_id: int) -> None:
    """Remove a shift (plans made with it keep their rounds)."""
    session.delete(get_shift(session=session, shift_id=shift_id))
    session.commit()


def list_shifts(*, session: Session, shift_date: date | None, caller: Caller) -> list[CourierShift]:
    """Shifts (of a date), by start; a courier gets only their own."""
    query = select(CourierShift).options(
        selectinload(CourierShift.breaks),
        selectinload(CourierShift.bike),
        selectinload(CourierShift.courier),
    )
    if shift_date is not None:
        query = query.where(CourierShift.shift_date == shift_date)
    if caller.role is Role.COURIER:
        query = query.where(CourierShift.courier_id == caller.user_id)
    return list(
        session.scalars(
            query.order_by(CourierShift.shift_date, CourierShift.start_s, CourierShift.id)
        )
    )
