"""Manifests and slips from the API after a real day was planned through it, read back as a
person or a scanner reads them (the PDF's text, Code 128 decoded from a raster of each label)
and matched to the plan the API answered."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Order, Parcel, Shop
from tests.api.plan_day import Client, set_up_day, wait_done
from tests.dbfixtures import depot_today
from tests.depot.paper.readback import decode, open_pdf, page_text, raster

pytestmark = pytest.mark.slow


def _minutes(iso: str) -> set[str]:
    """The ETA as ``HH:MM``, rounded either way (the manifest prints whole minutes)."""
    moment = datetime.fromisoformat(iso)
    base = moment.replace(second=0, microsecond=0)
    return {f"{t.hour:02d}:{t.minute:02d}" for t in (base, base + timedelta(minutes=1))}


def _planned_day(plan_client: Client, shops: dict[str, int]) -> tuple[Any, dict[str, Any]]:
    depot = plan_client("depot")
    day = set_up_day(depot, plan_client, shops, depot_today() + timedelta(days=2))
    asked = depot.post(
        "/api/v1/plans", json={"date": day.day.isoformat(), "kind": "combined", "time_limit_s": 2}
    )
    assert asked.status_code == 202, asked.text
    plan = wait_done(depot, asked.json()["status_url"])
    assert plan["status"] == "done", plan["error"]
    assert plan["rounds"], plan["unassigned"]
    return day, plan


def test_each_rounds_manifest_reads_as_the_plan(plan_client: Client, shops: dict[str, int]) -> None:
    """For every round: an A4 PDF named after the round whose text lists each call's parcel
    codes in the plan's order, at the plan's ETA, naming each delivery's customer (as the
    webshop sent them); the round's courier reads it, another courier is told it does not
    exist, a merchant may not ask. The plan's HTML map lists every round and unassigned stop."""
    day, plan = _planned_day(plan_client, shops)
    depot = plan_client("depot")
    names = {order_id: f"Kunde {i}" for i, order_id in enumerate(day.orders[:-2])}
    names |= {order_id: "Karen Holm" for order_id in day.consolidated}
    for round_ in plan["rounds"]:
        url = f"/api/v1/plans/{plan['id']}/manifests/{round_['id']}.pdf"
        answer = depot.get(url)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert f'filename="{round_["vehicle"]}.pdf"' in answer.headers["content-disposition"]
        pages = open_pdf(answer.content)
        width, height = pages[0].get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        text = "\n".join(page_text(page) for page in pages)
        assert f"Manifest {round_['vehicle']}" in text
        cursor = 0  # each call's row lies after the previous call's parcel codes
        calls = [s for s in round_["stops"] if s["kind"] != "reload"]
        for stop in calls:
            assert stop["label_codes"], stop
            where = [text.find(code, cursor) for code in stop["label_codes"]]
            assert min(where) >= 0, (stop["stop_ref"], "codes missing or out of the plan's order")
            row = text[cursor : min(where)]  # number, ETA, window, customer and address
            assert any(eta in row for eta in _minutes(stop["eta"])), (stop["eta"], row)
            if stop["kind"] == "delivery":
                for order_id in stop["order_ids"]:
                    assert names[order_id] in row, (names[order_id], row)
            cursor = max(where)
        couriers = {c.user_id: c for c in day.couriers}  # type: ignore[attr-defined]
        own = couriers[round_["courier_id"]]
        assert own.get(url).status_code == 200
        other = next(c for uid, c in couriers.items() if uid != round_["courier_id"])
        assert other.get(url).status_code == 404
    page = depot.get(f"/api/v1/plans/{plan['id']}/map.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "© OpenStreetMap contributors" in page.text
    for round_ in plan["rounds"]:
        assert f"{round_['vehicle']}: " in page.text  # its line in the legend
    for item in plan["unassigned"]:
        assert item["stop_ref"] in page.text
    merchant = plan_client("merchant", shop="S001")
    assert merchant.get(f"/api/v1/plans/{plan['id']}/map.html").status_code == 403
    first = plan["rounds"][0]["id"]
    assert merchant.get(f"/api/v1/plans/{plan['id']}/manifests/{first}.pdf").status_code == 403
    assert depot.get(f"/api/v1/plans/{plan['id'] + 1}/manifests/{first}.pdf").status_code == 404


def test_the_days_slips_scan_back_to_the_plan(
    plan_client: Client, shops: dict[str, int], session: Session
) -> None:
    """Every parcel of the date has one A6 label whose Code 128 scans to its code and whose
    text names its delivery's round and stop in the plan (or "not planned yet"); a merchant
    gets their own shop's labels only, another shop is 404; a bad size is 422 naming it; ZPL
    has one label per parcel."""
    day, plan = _planned_day(plan_client, shops)
    placed: dict[str, tuple[str, int]] = {}
    for round_ in plan["rounds"]:
        calls = [s for s in round_["stops"] if s["kind"] != "reload"]
        for number, stop in enumerate(calls, start=1):
            if stop["kind"] == "delivery":
                for code in stop["label_codes"]:
                    placed[code] = (round_["vehicle"], number)
    session.expire_all()
    rows = session.execute(
        select(Parcel.label_code, Shop.ref)
        .join(Order, Parcel.order_id == Order.id)
        .join(Shop, Parcel.shop_id == Shop.id)
        .where(Order.delivery_date == day.day)
    ).all()
    shop_of = {code: ref for code, ref in rows}
    depot = plan_client("depot")
    answer = depot.get("/api/v1/slips", params={"date": day.day.isoformat()})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    pages = open_pdf(answer.content)
    assert len(pages) == len(shop_of)
    scanned = []
    for page in pages:
        codes = [d.text for d in decode(raster(page, dpi=200)) if d.format == "Code128"]
        assert len(codes) == 1
        scanned.append(codes[0])
        text = page_text(page)
        if codes[0] in placed:
            vehicle, number = placed[codes[0]]
            assert f"Round {vehicle}" in text and re.search(rf"\bStop {number}\b", text)
        else:
            assert "not planned yet" in text
    assert sorted(scanned) == sorted(shop_of)

    merchant = plan_client("merchant", shop="S001")
    own = merchant.get("/api/v1/slips", params={"date": day.day.isoformat(), "size": "4x6"})
    assert own.status_code == 200, own.text
    mine = sorted(code for code, ref in shop_of.items() if ref == "S001")
    own_pages = open_pdf(own.content)
    assert len(own_pages) == len(mine)
    assert (
        sorted(
            d.text for p in own_pages for d in decode(raster(p, dpi=200)) if d.format == "Code128"
        )
        == mine
    )
    other = merchant.get("/api/v1/slips", params={"date": day.day.isoformat(), "shop": "S002"})
    assert other.status_code == 404 and other.json()["error"]["fields"][0]["field"] == "shop"

    bad = depot.get("/api/v1/slips", params={"date": day.day.isoformat(), "size": "a4"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "size"
    empty = depot.get("/api/v1/slips", params={"date": (day.day + timedelta(days=1)).isoformat()})
    assert empty.status_code == 404 and empty.json()["error"]["fields"][0]["field"] == "date"
    zpl = depot.get("/api/v1/slips", params={"date": day.day.isoformat(), "size": "zpl"})
    assert zpl.headers["content-type"] == "application/x-zpl"
    assert zpl.text.count("^XA") == len(shop_of)
    courier = plan_client("courier", name="Ole")
    assert courier.get("/api/v1/slips", params={"date": day.day.isoformat()}).status_code == 403
