"""Slips of a day read from the database: every parcel once, its code, link, shop and count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.contracts import OrderIn, PickupIn
from depot.errors import NotFoundError
from depot.intake import book_pickup, create_order
from depot.locate import Locator
from depot.paper.collect import collect_slips, plan_placements
from depot.paper.from_plan import Placement
from depot.users import system_caller
from models import (
    Order,
    OrderSource,
    OrderStatus,
    Parcel,
    Plan,
    PlanKind,
    PlanRound,
    PlanStatus,
    RoundStop,
)
from tests.dbfixtures import depot_today, order_body

WEBSHOP = system_caller("webshop")
PUBLIC = "https://bakfiets.example.dk"


def order(session: Session, locator: Locator, external_id: str, **changes: Any) -> dict[str, Any]:
    """A webshop order through intake (the real service); its receipt."""
    result = create_order(
        session=session,
        order=OrderIn.model_validate(order_body(external_id, **changes)),
        source=OrderSource.WEBSHOP,
        caller=WEBSHOP,
        locator=locator,
        today=depot_today(),
    )
    return result.body


def delivery_day() -> date:
    """The date :func:`order_body` delivers on."""
    return depot_today() + timedelta(days=2)


def parcels_of(session: Session, external_id: str) -> list[Parcel]:
    """The order's parcels, read straight from the table, by id."""
    order_id = session.scalar(select(Order.id).where(Order.external_id == external_id))
    return list(
        session.scalars(select(Parcel).where(Parcel.order_id == order_id).order_by(Parcel.id))
    )


def test_a_days_slips_are_its_parcels_with_their_codes_and_links(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """Each parcel of the day's orders once: its label code, its tracking link, its shop, the
    customer and address, the windows, "n of 4" across the order's shops; other days and
    cancelled orders are not printed; nothing planned prints "not planned yet"."""
    order(session, locator, "WS-1")
    order(session, locator, "WS-2", customer={"name": "Mads Nielsen"})
    order(
        session, locator, "WS-LATER", delivery_date=(delivery_day() + timedelta(days=1)).isoformat()
    )
    order(session, locator, "WS-GONE")
    gone = session.scalar(select(Order).where(Order.external_id == "WS-GONE"))
    assert gone is not None
    gone.status = OrderStatus.CANCELLED
    session.commit()
    slips = collect_slips(session=session, day=delivery_day(), public_url=PUBLIC)
    rows = parcels_of(session, "WS-1") + parcels_of(session, "WS-2")
    assert sorted(s.label_code for s in slips) == sorted(p.label_code for p in rows)
    by_code = {s.label_code: s for s in slips}
    for external_id, name in (("WS-1", "Karen Holm"), ("WS-2", "Mads Nielsen")):
        for index, parcel in enumerate(parcels_of(session, external_id), start=1):
            slip = by_code[parcel.label_code]
            assert slip.tracking_url == f"{PUBLIC}/track/{parcel.tracking_token}"
            assert (slip.index, slip.count) == (index, 4)
            assert slip.customer_name == name
            assert slip.address_lines == ("Amaliegade 13C", "1256 København K")
            assert slip.window_text == "10:00–12:00, 16:00–18:00"
            assert slip.delivery_date == delivery_day()
            assert slip.weight_g == parcel.weight_g
            assert slip.round_ref is None and slip.stop_number is None
    shops_named = {by_code[p.label_code].shop_name for p in rows}
    assert shops_named == {"Nørregade Boghandel", "Vesterbro Vin", "Kongens Blomster"}


def test_one_shops_slips_and_placements(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """With a shop ref only that shop's parcels print (still counted among the order's four);
    a parcel the plan placed prints its round and stop."""
    order(session, locator, "WS-1")
    rows = parcels_of(session, "WS-1")
    vin = [p for p in rows if p.shop_id == shops["S002"]]
    placed = {vin[0].id: Placement("bike-02", 7)}
    slips = collect_slips(
        session=session, day=delivery_day(), public_url=PUBLIC, shop_ref="S002", placements=placed
    )
    assert [s.label_code for s in slips] == [p.label_code for p in vin]
    assert [s.index for s in slips] == [rows.index(p) + 1 for p in vin]
    assert all(s.count == 4 and s.shop_name == "Vesterbro Vin" for s in slips)
    assert (slips[0].round_ref, slips[0].stop_number) == ("bike-02", 7)
    assert slips[1].round_ref is None


def test_storage_parcels_print_on_their_pickup_day(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """Parcels a shop sends to depot storage print on their pickup day, marked for storage."""
    day = depot_today() + timedelta(days=1)
    book_pickup(
        session=session,
        pickup=PickupIn(
            shop="S003",
            date=day,
            ready_from="10:00",
            ready_until="12:00",
            parcels=[{"weight_g": 700, "volume_ml": 3000, "count": 2}],  # type: ignore[list-item]
            store_at_depot=True,
        ),
        caller=system_caller("shop S003"),
        locator=locator,
        today=depot_today(),
    )
    slips = collect_slips(session=session, day=day, public_url=PUBLIC)
    assert [(s.index, s.count, s.customer_name) for s in slips] == [
        (1, 2, "Depot storage"),
        (2, 2, "Depot storage"),
    ]
    assert all(s.shop_name == "Kongens Blomster" for s in slips)


def test_unknown_shop_is_named(session: Session, shops: dict[str, int]) -> None:
    """A shop ref no shop has is refused, naming the shop."""
    with pytest.raises(NotFoundError) as caught:
        collect_slips(session=session, day=delivery_day(), public_url=PUBLIC, shop_ref="S404")
    assert caught.value.field == "shop"


def _stop(seq: int, kind: str, parcels: list[Parcel]) -> RoundStop:
    """A round stop at 10:00 + seq minutes carrying ``parcels``."""
    return RoundStop(
        seq=seq, kind=kind, stop_ref=None if kind == "reload" else f"X{seq}", label=f"stop {seq}",
        lat=55.68, lon=12.57, arrival_s=36_000 + 60 * seq, start_s=36_000 + 60 * seq,
        end_s=36_060 + 60 * seq, load_after_g=0, load_after_ml=0, load_after_parcels=0,
        parcels=parcels,
    )  # fmt: skip


def _plan(version: int, rounds: list[tuple[str, list[RoundStop]]]) -> Plan:
    """A done combined plan of the delivery day with these rounds."""
    plan = Plan(
        plan_date=delivery_day(), kind=PlanKind.COMBINED, version=version,
        status=PlanStatus.DONE, time_limit_s=2,
    )  # fmt: skip
    for seq, (vehicle, stops) in enumerate(rounds, start=1):
        plan.rounds.append(
            PlanRound(
                seq=seq,
                vehicle_ref=vehicle,
                start_s=36_000,
                end_s=40_000,
                distance_m=5_000,
                trips=2,
                peak_load_g=9_000,
                stops=stops,
            )
        )
    return plan


def test_placements_come_from_the_latest_plan_and_count_calls_not_reloads(
    session: Session, shops: dict[str, int], locator: Locator
) -> None:
    """A parcel's placement is its delivery stop in the newest done plan of the day, numbered
    among the round's calls (a reload is not one); a pickup alone is no placement; the parcels of an
    older version's rounds are not placed by it."""
    order(session, locator, "WS-1")
    a, b, c, d = parcels_of(session, "WS-1")
    session.add(_plan(1, [("OLD", [_stop(1, "delivery", [a, b, c, d])])]))
    session.add(
        _plan(
            2,
            [
                (
                    "S1-B01",
                    [
                        _stop(1, "pickup", [a, d]),
                        _stop(2, "reload", []),
                        _stop(3, "delivery", [a, b]),
                    ],
                ),
                ("S1-B02", [_stop(1, "delivery", [c])]),
            ],
        )
    )
    session.commit()
    placed = plan_placements(session=session, day=delivery_day())
    assert placed == {
        a.id: Placement("S1-B01", 2),
        b.id: Placement("S1-B01", 2),
        c.id: Placement("S1-B02", 1),
    }
