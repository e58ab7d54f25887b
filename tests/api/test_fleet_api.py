"""The fleet through the API: depot, bikes, couriers' shifts — edits, refusals by field, roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from depot.users import create_user
from models import Role
from tests.api.plan_day import DEPOT
from tests.dbfixtures import depot_today

Client = Callable[..., TestClient]
DAY = (depot_today() + timedelta(days=2)).isoformat()


def _courier(session: Session, name: str = "Ida") -> int:
    user, _token = create_user(session=session, name=name, role=Role.COURIER)
    return user.id


def _shift(courier_id: int, bike: str = "B01", start: str = "08:00", end: str = "16:00") -> dict:
    return {"courier_id": courier_id, "bike": bike, "date": DAY, "start": start, "end": end}


def test_depot_bikes_and_shifts_are_edited_and_read_back(client: Client, session: Session) -> None:
    """The depot's hours and reload, a bike's capacities (kg, litres, parcels), assist, skills
    and range, and a courier's shift with its break are stored and read back as sent."""
    depot = client("depot")
    put = depot.put(
        "/api/v1/depot",
        json={
            **DEPOT,
            "reload_s": 420,
            "opening_hours": [{"start": "07:00", "end": "19:00", "weekdays": [0, 1, 2, 3, 4]}],
        },
    )
    assert put.status_code == 200, put.text
    assert put.json()["reload_s"] == 420 and len(put.json()["opening_hours"]) == 5
    bike = {
        "ref": "B01",
        "capacity_kg": 150,
        "capacity_l": 500,
        "capacity_parcels": 40,
        "assist": "e_assist",
        "skills": ["Cold", "trailer"],
        "range_km": 60,
    }
    created = depot.post("/api/v1/bikes", json=bike)
    assert created.status_code == 201, created.text
    assert created.json() | {"id": 0} == {
        "id": 0,
        "ref": "B01",
        "capacity_kg": 150.0,
        "capacity_l": 500.0,
        "capacity_parcels": 40,
        "assist": "e_assist",
        "skills": ["cold", "trailer"],
        "range_km": 60.0,
        "max_trips": 3,
        "active": True,
        "last_position": None,
    }
    patched = depot.patch("/api/v1/bikes/B01", json={"range_km": None, "capacity_kg": 120.5})
    assert patched.json()["range_km"] is None and patched.json()["capacity_kg"] == 120.5
    ida = _courier(session)
    shift = _shift(ida) | {"breaks": [{"start": "11:30", "end": "13:30", "duration_min": 30}]}
    made = depot.post("/api/v1/shifts", json=shift)
    assert made.status_code == 201, made.text
    assert made.json()["breaks"] == [{"start": "11:30", "end": "13:30", "duration_min": 30}]
    listed = depot.get("/api/v1/shifts", params={"date": DAY}).json()
    assert [(s["courier"], s["bike"], s["start"], s["end"]) for s in listed] == [
        ("Ida", "B01", "08:00", "16:00")
    ]
    assert [c["name"] for c in depot.get("/api/v1/couriers").json()] == ["Ida"]


def test_fleet_refusals_name_the_field(client: Client, session: Session) -> None:
    """A depot off the map, a second bike B01, a shift for a non-courier, a double-booked bike,
    a courier on two shifts at once, a break outside the shift: each refused, naming the field."""
    depot = client("depot")
    sea = depot.put("/api/v1/depot", json={"name": "Sea", "address": {"lat": 55.69, "lon": 12.66}})
    assert sea.status_code == 422 and sea.json()["error"]["fields"][0]["field"] == "address"
    no_depot_bike = depot.post(
        "/api/v1/bikes", json={"ref": "B01", "capacity_kg": 1, "capacity_l": 1}
    )
    assert no_depot_bike.status_code == 404
    assert no_depot_bike.json()["error"]["fields"][0]["field"] == "depot"
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    for ref in ("B01", "B02"):
        assert (
            depot.post(
                "/api/v1/bikes", json={"ref": ref, "capacity_kg": 100, "capacity_l": 400}
            ).status_code
            == 201
        )
    again = depot.post("/api/v1/bikes", json={"ref": "B01", "capacity_kg": 100, "capacity_l": 400})
    assert again.status_code == 409 and again.json()["error"]["fields"][0]["field"] == "ref"
    heavy = depot.post("/api/v1/bikes", json={"ref": "B09", "capacity_kg": -3, "capacity_l": 400})
    assert heavy.status_code == 422 and heavy.json()["error"]["fields"][0]["field"] == "capacity_kg"

    ida, mads = _courier(session, "Ida"), _courier(session, "Mads")
    admin_id = create_user(session=session, name="Boss", role=Role.ADMIN)[0].id
    cases = [
        (_shift(admin_id), 422, "courier_id"),
        (_shift(ida, bike="B07"), 404, "bike"),
        (_shift(ida, start="16:00", end="08:00"), 422, "end"),
        (
            _shift(ida) | {"breaks": [{"start": "06:00", "end": "07:00", "duration_min": 30}]},
            422,
            "breaks[0]",
        ),
        (
            _shift(ida) | {"breaks": [{"start": "12:00", "end": "12:10", "duration_min": 30}]},
            422,
            "breaks[0]",
        ),
    ]
    for body, status, field in cases:
        answer = depot.post("/api/v1/shifts", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"]["fields"][0]["field"] == field, answer.text
    assert depot.post("/api/v1/shifts", json=_shift(ida)).status_code == 201
    busy_bike = depot.post("/api/v1/shifts", json=_shift(mads, start="15:00", end="20:00"))
    assert (
        busy_bike.status_code == 409 and busy_bike.json()["error"]["fields"][0]["field"] == "bike"
    )
    busy_courier = depot.post("/api/v1/shifts", json=_shift(ida, bike="B02", start="12:00"))
    assert busy_courier.status_code == 409
    assert busy_courier.json()["error"]["fields"][0]["field"] == "start"
    later = depot.post("/api/v1/shifts", json=_shift(mads, start="16:00", end="20:00"))
    assert later.status_code == 201  # inclusive end: 16:00 hand-over is not an overlap


def test_fleet_roles(client: Client, session: Session) -> None:
    """Merchants and couriers may not edit the fleet (403); a courier reads only their own
    shifts, and another courier's shift is 404 to them."""
    depot = client("depot")
    assert depot.put("/api/v1/depot", json=DEPOT).status_code == 200
    assert (
        depot.post(
            "/api/v1/bikes", json={"ref": "B01", "capacity_kg": 100, "capacity_l": 400}
        ).status_code
        == 201
    )
    assert (
        depot.post(
            "/api/v1/bikes", json={"ref": "B02", "capacity_kg": 100, "capacity_l": 400}
        ).status_code
        == 201
    )
    courier = client("courier")
    mine = courier.get("/api/v1/shifts").json()
    assert mine == []
    other = _courier(session, "Mads")
    theirs = depot.post("/api/v1/shifts", json=_shift(other)).json()["id"]
    assert courier.get(f"/api/v1/shifts/{theirs}").status_code == 404
    assert courier.get("/api/v1/shifts", params={"date": DAY}).json() == []
    assert depot.get(f"/api/v1/shifts/{theirs}").status_code == 200
    for role in ("courier", "integration"):
        caller = client(role)
        assert caller.put("/api/v1/depot", json=DEPOT).status_code == 403
        assert (
            caller.post(
                "/api/v1/bikes", json={"ref": "B03", "capacity_kg": 1, "capacity_l": 1}
            ).status_code
            == 403
        )
        assert caller.patch("/api/v1/bikes/B01", json={"active": False}).status_code == 403
        assert caller.delete(f"/api/v1/shifts/{theirs}").status_code == 403
    assert depot.delete(f"/api/v1/shifts/{theirs}").status_code == 204
    assert depot.get(f"/api/v1/shifts/{theirs}").status_code == 404
