"""Scan-in at the depot and the load-out check through the API, on SQLite and PostgreSQL.

Parcels are made by the webshop intake API; rounds are stored as a finished plan stores them
(tests/depot/stored_rounds.py), so each round's content is known by hand:

- round R1 (Ida, bike B01): pickup of WS-1's two S002 parcels at the shop, delivery of WS-1's
  four parcels, a reload, delivery of WS-2's parcel. It takes a1, a4 (stop 2, trip 1) and b1
  (stop 3, trip 2) from the depot; a2 and a3 it collects on the way;
- round R2 (Mads, bike B02): delivery of WS-3's parcel c1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.tracking import change_status
from depot.users import create_user
from models import Parcel, ParcelEvent, ParcelStatus, PlanKind, Role
from tests.dbfixtures import depot_today, order_body
from tests.depot.stored_rounds import round_row, stop, stored_plan

Client = Callable[..., TestClient]
UNKNOWN = "BK-ZZZZ-ZZZZ-ZZZZ"


@dataclass
class Day:
    """The parcels by name (a1..a4 of WS-1, b1, c1), the rounds and their couriers."""

    parcels: dict[str, Parcel]
    r1: int
    r2: int
    ida: TestClient
    mads: TestClient

    def code(self, name: str) -> str:
        return self.parcels[name].label_code


def _order(client: Client, external_id: str, lines: list[dict] | None = None) -> int:
    body = order_body(external_id)
    if lines is not None:
        body["lines"] = lines
    answer = client("integration").post("/api/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _parcels(session: Session, order_id: int) -> list[Parcel]:
    return list(
        session.scalars(select(Parcel).where(Parcel.order_id == order_id).order_by(Parcel.id))
    )


def history(session: Session, parcel: Parcel) -> list[ParcelEvent]:
    """The parcel's history as stored now, oldest first."""
    session.expire_all()
    return list(
        session.scalars(
            select(ParcelEvent).where(ParcelEvent.parcel_id == parcel.id).order_by(ParcelEvent.id)
        )
    )


def status(session: Session, parcel: Parcel) -> ParcelStatus:
    """The parcel's status as stored now."""
    session.expire_all()
    found = session.get(Parcel, parcel.id)
    assert found is not None
    return found.status


@pytest.fixture
def day(client: Client, api_app: FastAPI, session: Session, shops: dict[str, int]) -> Iterator[Day]:
    """WS-1 (a1 S001, a2 a3 S002, a4 S003), WS-2 (b1) and WS-3 (c1) through the intake API;
    rounds R1 (Ida) and R2 (Mads) of a done combined plan of their delivery date."""
    one = _parcels(session, _order(client, "WS-1"))
    two = _parcels(
        session,
        _order(
            client, "WS-2", [{"shop": "S001", "parcels": [{"weight_g": 700, "volume_ml": 900}]}]
        ),
    )
    three = _parcels(
        session,
        _order(
            client, "WS-3", [{"shop": "S003", "parcels": [{"weight_g": 500, "volume_ml": 800}]}]
        ),
    )
    parcels = dict(zip(["a1", "a2", "a3", "a4", "b1", "c1"], [*one, *two, *three], strict=True))
    riders = []
    for name in ("Ida", "Mads"):
        user, token = create_user(session=session, name=name, role=Role.COURIER)
        rider = TestClient(api_app)
        rider.headers["Authorization"] = f"Bearer {token}"
        riders.append((rider, user.id))
    (ida, ida_id), (mads, mads_id) = riders
    r1 = round_row(1, "B01", 9_000, courier_id=ida_id, stops=[
        stop(1, "pickup", [parcels["a2"], parcels["a3"]]),
        stop(2, "delivery", one),
        stop(3, "reload"),
        stop(4, "delivery", two),
    ])  # fmt: skip
    r2 = round_row(2, "B02", 4_000, courier_id=mads_id, stops=[stop(1, "delivery", three)])
    stored_plan(session, depot_today() + timedelta(days=2), [r1, r2])
    yield Day(parcels, r1.id, r2.id, ida, mads)
    ida.close()
    mads.close()


# --- scan-in ---------------------------------------------------------------------------------


def test_a_scan_marks_the_parcel_at_depot_once(client: Client, session: Session, day: Day) -> None:
    """A code scanned (lower case, spaces around) makes the parcel "at depot" with one history
    entry (the scanning user, "scanned in") and says where it goes next (R1, stop 2); scanning
    it again is a 200 whose warning says it is already there, and adds no entry."""
    depot = client("depot")
    a1 = day.parcels["a1"]
    answer = depot.post("/api/v1/scans", json={"codes": [f"  {day.code('a1').lower()} "]})
    assert answer.status_code == 200, answer.text
    scan = answer.json()["scans"][0]
    assert scan["code"] == day.code("a1") and scan["status"] == "at_depot"
    assert scan["scanned_in"] is True and scan["warning"] is None
    assert scan["round"] == {"round_id": day.r1, "vehicle": "B01", "stop_number": 2}
    events = history(session, a1)
    assert [e.status for e in events] == [ParcelStatus.BOOKED, ParcelStatus.AT_DEPOT]
    assert events[-1].reason == "scanned in" and events[-1].actor.startswith("depot:test depot")

    again = depot.post("/api/v1/scans", json={"codes": [day.code("a1")]})
    assert again.status_code == 200
    assert again.json()["scanned_in"] == 0
    warning = again.json()["scans"][0]["warning"]
    assert day.code("a1") in warning and "already at the depot since" in warning
    assert again.json()["warnings"] == [warning]
    assert len(history(session, a1)) == 2
    assert status(session, day.parcels["a4"]) is ParcelStatus.BOOKED


def test_a_code_twice_in_one_scan_is_recorded_once(
    client: Client, session: Session, day: Day
) -> None:
    """[b1, b1]: the first is scanned in, the second warned about; one history entry. b1 goes
    on R1's stop 3 (its fourth call, after a reload: reloads are not numbered)."""
    answer = client("depot").post("/api/v1/scans", json={"codes": [day.code("b1")] * 2})
    assert answer.status_code == 200
    first, second = answer.json()["scans"]
    assert first["scanned_in"] is True and second["scanned_in"] is False
    assert first["round"] == {"round_id": day.r1, "vehicle": "B01", "stop_number": 3}
    assert "twice" in second["warning"]
    assert [e.status for e in history(session, day.parcels["b1"])].count(ParcelStatus.AT_DEPOT) == 1


def test_an_unknown_code_refuses_the_scan_naming_it(
    client: Client, session: Session, day: Day
) -> None:
    """[a1, unknown]: 404 naming codes[1] and the code; a1 is not scanned in either."""
    answer = client("depot").post("/api/v1/scans", json={"codes": [day.code("a1"), UNKNOWN]})
    assert answer.status_code == 404
    [field] = answer.json()["error"]["fields"]
    assert field["field"] == "codes[1]" and UNKNOWN in field["reason"]
    assert status(session, day.parcels["a1"]) is ParcelStatus.BOOKED
    assert len(history(session, day.parcels["a1"])) == 1


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ([ParcelStatus.AT_DEPOT, ParcelStatus.OUT_FOR_DELIVERY], "out for delivery"),
        (
            [ParcelStatus.AT_DEPOT, ParcelStatus.OUT_FOR_DELIVERY, ParcelStatus.DELIVERED],
            "delivered",
        ),
        ([ParcelStatus.RETURNED], "returned"),
    ],
)
def test_a_parcel_gone_from_the_depot_is_refused_naming_its_status(
    client: Client, session: Session, day: Day, path: list[ParcelStatus], words: str
) -> None:
    """A parcel out for delivery, delivered or returned: 409 naming codes[0] and its status;
    its history keeps its length."""
    parcel = session.get(Parcel, day.parcels["c1"].id)
    assert parcel is not None
    for step in path:
        change_status(parcel, step, actor="test", reason="set up")
    session.commit()
    before = len(history(session, parcel))
    answer = client("depot").post("/api/v1/scans", json={"codes": [day.code("c1")]})
    assert answer.status_code == 409
    [field] = answer.json()["error"]["fields"]
    assert field["field"] == "codes[0]" and f"is {words};" in field["reason"]
    assert len(history(session, parcel)) == before


def test_only_depot_staff_scan_in(client: Client, day: Day) -> None:
    """Couriers and merchants are refused (403), no token is 401; an admin may scan."""
    body = {"codes": [day.code("a1")]}
    assert client("courier").post("/api/v1/scans", json=body).status_code == 403
    assert client("merchant", shop="S001").post("/api/v1/scans", json=body).status_code == 403
    assert client(None).post("/api/v1/scans", json=body).status_code == 401
    assert client("admin").post("/api/v1/scans", json=body).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"codes": []}, "codes"),
        ({"codes": ["   "]}, "codes[0]"),
        ({"codes": ["X" * 33]}, "codes[0]"),
    ],
)
def test_a_bad_scan_names_the_field(client: Client, day: Day, body: dict, field: str) -> None:
    """No code, a blank code, a code longer than any label: 422 naming the field."""
    answer = client("depot").post("/api/v1/scans", json=body)
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]


# --- load-out --------------------------------------------------------------------------------


def _scan_all_in(client: Client, day: Day, *names: str) -> None:
    codes = [day.code(n) for n in names or day.parcels]
    assert client("depot").post("/api/v1/scans", json={"codes": codes}).status_code == 200


def _load_out(who: TestClient, round_id: int, codes: list[str], **extra: object) -> dict:
    answer = who.post(f"/api/v1/rounds/{round_id}/load-out", json={"codes": codes, **extra})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_load_out_names_the_missing_and_the_strays_and_sends_nothing(
    client: Client, session: Session, day: Day
) -> None:
    """R1 scanned with a1, c1 (R2's), a2 (collected by R1 at its shop) and an unknown code:
    a1 on the bike; a4 (stop 2, trip 1) and b1 (stop 3, trip 2) missing; the three strays
    named with their round; not complete, nothing sent out, no history added."""
    _scan_all_in(client, day)
    got = _load_out(
        client("depot"), day.r1, [day.code("a1"), day.code("c1"), day.code("a2"), UNKNOWN]
    )
    assert [(i["code"], i["stop_number"], i["trip"]) for i in got["on_bike"]] == [
        (day.code("a1"), 2, 1)
    ]
    assert [(i["code"], i["stop_number"], i["trip"]) for i in got["missing"]] == [
        (day.code("a4"), 2, 1),
        (day.code("b1"), 3, 2),
    ]
    strays = {s["code"]: s for s in got["not_in_round"]}
    assert strays[day.code("c1")]["round_id"] == day.r2
    assert f"round {day.r2} (bike B02, stop 1)" in strays[day.code("c1")]["reason"]
    assert strays[day.code("a2")]["round_id"] == day.r1
    assert "collected" in strays[day.code("a2")]["reason"]
    assert strays[UNKNOWN]["round_id"] is None and "no parcel" in strays[UNKNOWN]["reason"]
    assert got["complete"] is False and got["released"] is False and got["sent_out"] == []
    assert all(status(session, p) is ParcelStatus.AT_DEPOT for p in day.parcels.values())


def test_a_complete_load_out_sends_the_round_out_once(
    client: Client, session: Session, day: Day
) -> None:
    """Ida scans a1, a4, b1 onto her bike: complete; the three are out for delivery, each with
    one entry naming the round and bike; the same check again changes nothing and says so."""
    _scan_all_in(client, day)
    codes = [day.code("b1"), day.code("a1"), day.code("a4")]
    got = _load_out(day.ida, day.r1, codes)
    assert got["complete"] is True and got["released"] is True
    assert sorted(got["sent_out"]) == sorted(codes)
    for name in ("a1", "a4", "b1"):
        last = history(session, day.parcels[name])[-1]
        assert last.status is ParcelStatus.OUT_FOR_DELIVERY
        assert last.reason == f"loaded on round {day.r1} (bike B01) at load-out"
        assert last.actor.startswith("courier:Ida")
    again = _load_out(day.ida, day.r1, codes)
    assert again["sent_out"] == [] and again["released"] is True
    assert "3 already out for delivery" in again["message"]
    assert [len(history(session, day.parcels[n])) for n in ("a1", "a4", "b1")] == [3, 3, 3]
    assert status(session, day.parcels["c1"]) is ParcelStatus.AT_DEPOT


def test_sending_out_with_parcels_missing_is_for_depot_staff_and_names_them(
    client: Client, session: Session, day: Day
) -> None:
    """Ida may not send R1 out with a4 missing (403 naming allow_missing), Mads cannot see R1
    (404); depot staff can: a1 and b1 go out, their history names a4 as missing, a4 stays at
    the depot. Found later, a4 alone completes the round (a1, b1 already left)."""
    _scan_all_in(client, day)
    codes = [day.code("a1"), day.code("b1")]
    refused = day.ida.post(
        f"/api/v1/rounds/{day.r1}/load-out", json={"codes": codes, "allow_missing": True}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["fields"][0]["field"] == "allow_missing"
    assert (
        day.mads.post(f"/api/v1/rounds/{day.r1}/load-out", json={"codes": codes}).status_code == 404
    )
    got = _load_out(client("depot"), day.r1, codes, allow_missing=True)
    assert got["released"] is True and got["complete"] is False
    assert [i["code"] for i in got["missing"]] == [day.code("a4")]
    for name in ("a1", "b1"):
        reason = history(session, day.parcels[name])[-1].reason
        assert reason == (
            f"loaded on round {day.r1} (bike B01) at load-out; "
            f"missing at load-out: {day.code('a4')}"
        )
    assert status(session, day.parcels["a4"]) is ParcelStatus.AT_DEPOT
    later = _load_out(day.ida, day.r1, [day.code("a4")])
    assert later["complete"] is True and later["sent_out"] == [day.code("a4")]
    assert sorted(i["code"] for i in later["already_left"]) == sorted(codes)


def test_a_parcel_never_scanned_in_refuses_the_release(
    client: Client, session: Session, day: Day
) -> None:
    """a4 was never scanned in (still booked): sending R1 out is a 409 naming it and
    its status, and a1 and b1 stay at the depot."""
    _scan_all_in(client, day, "a1", "b1")
    answer = client("depot").post(
        f"/api/v1/rounds/{day.r1}/load-out",
        json={"codes": [day.code("a1"), day.code("a4"), day.code("b1")]},
    )
    assert answer.status_code == 409
    reason = answer.json()["error"]["fields"][0]["reason"]
    assert day.code("a4") in reason and "is booked" in reason
    assert status(session, day.parcels["a1"]) is ParcelStatus.AT_DEPOT


def test_a_round_of_a_replaced_plan_is_refused(client: Client, session: Session, day: Day) -> None:
    """A newer done combined plan of the date replaces R1's: its load-out is a 409 naming
    round_id."""
    stored_plan(session, depot_today() + timedelta(days=2), [], kind=PlanKind.COMBINED, version=2)
    answer = client("depot").post(f"/api/v1/rounds/{day.r1}/load-out", json={"codes": []})
    assert answer.status_code == 409
    assert answer.json()["error"]["fields"][0]["field"] == "round_id"
