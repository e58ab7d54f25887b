"""``POST /api/v1/orders/import`` and ``bakfiets orders import``, on SQLite and PostgreSQL: row
reports, all-or-nothing and valid-rows-only, broken encodings, re-imports, and shop isolation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Order, OrderSource
from tests.dbfixtures import ROOT, depot_today

Client = Callable[..., TestClient]
HEADER = "external_id;delivery_date;name;phone;street;housenumber;postcode;city;window;weight_g"


def _day(days: int = 2) -> str:
    return (depot_today() + timedelta(days=days)).strftime("%d-%m-%Y")


def _good_rows() -> list[str]:
    return [
        f"1001;{_day()};Mette Holm;+45 31 22 45 67;Blågårdsgade;17;2200;København N;10-12;1200",
        f"1002;{_day(3)};Jonas Nielsen;;Jægersborggade;41;2200;København N;;800",
        f"1003;{_day()};Ida Berg;;Fiolstræde;24;1171;København K;kl. 16-18;2500",
    ]


def _csv(rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def _post(client: TestClient, data: bytes, content_type: str = "text/csv", **params: str):
    return client.post(
        "/api/v1/orders/import",
        content=data,
        headers={"Content-Type": content_type},
        params=params,
    )


def _csv_orders(session: Session) -> int:
    session.rollback()
    query = select(func.count()).select_from(Order).where(Order.source == OrderSource.CSV)
    return session.scalar(query)


def test_a_merchant_imports_orders_and_a_reimport_creates_none(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Three good rows: three orders of the merchant's shop, located on the extract. The same
    file again answers each row with its first order and creates none."""
    merchant = client("merchant", shop="S001")
    first = _post(merchant, _csv(_good_rows()))
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["outcome"], report["created"], report["rejected"]) == ("imported", 3, 0)
    assert [r["external_id"] for r in report["stored"]] == ["S001-1001", "S001-1002", "S001-1003"]
    assert [r["status"] for r in report["stored"]] == ["confirmed"] * 3
    order = merchant.get(f"/api/v1/orders/{report['stored'][0]['order_id']}").json()
    assert order["delivery"]["address"]["matched_address"] == "Blågårdsgade 17, 2200 København N"
    assert order["delivery"]["windows"] == [{"start": "10:00", "end": "12:00"}]
    assert [p["shop"] for p in order["pickups"]] == ["S001"]

    again = _post(merchant, _csv(_good_rows())).json()
    assert (again["created"], again["existing"]) == (0, 3)
    assert [r["order_id"] for r in again["stored"]] == [r["order_id"] for r in report["stored"]]
    assert _csv_orders(session) == 3


def test_all_or_nothing_refuses_the_file_with_every_rows_errors(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Two broken rows among good ones: 422, each error by row and column, nothing stored."""
    rows = _good_rows()
    rows.insert(1, f"1004;{_day(-1)};Past Person;;Nørrebrogade;34;2200;København N;;900")
    rows.append(f"1005;{_day()};;;Nørrebrogade;;2200;København N;14-12;-3")
    answer = _post(client("merchant", shop="S001"), _csv(rows))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    errors = {(e["row"], e["field"]) for e in body["report"]["errors"]}
    assert errors == {
        (3, "delivery_date"),
        (6, "housenumber"),
        (6, "window"),
        (6, "name"),
        (6, "weight_g"),
    }
    assert "row 3.delivery_date" in [f["field"] for f in body["error"]["fields"]]
    assert body["report"]["outcome"] == "nothing_imported"
    assert _csv_orders(session) == 0


def test_valid_rows_stores_the_good_and_reports_the_rest(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """mode=valid_rows: the good rows are stored, the bad one reported with its reason."""
    rows = _good_rows()
    rows.insert(1, f"1004;31-02-{depot_today().year + 1};X;;Nørrebrogade;34;2200;København N;;9")
    answer = _post(client("merchant", shop="S001"), _csv(rows), mode="valid_rows")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["outcome"], report["created"], report["rejected"]) == ("partial", 3, 1)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "delivery_date")]
    assert "is not a real day" in report["errors"][0]["reason"]
    assert [r["row"] for r in report["stored"]] == [2, 4, 5]
    assert _csv_orders(session) == 3


def test_a_changed_row_on_reimport_refuses_the_whole_file(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """An id imported before with other details is a row error found before storing: with
    all_or_nothing the new rows of the file are not stored either."""
    merchant = client("merchant", shop="S001")
    assert _post(merchant, _csv(_good_rows()[:1])).status_code == 200
    changed = _good_rows()
    changed[0] = changed[0].replace("Blågårdsgade;17", "Blågårdsgade;19")
    answer = _post(merchant, _csv(changed))
    assert answer.status_code == 422
    [error] = answer.json()["report"]["errors"]
    assert (error["row"], error["field"]) == (2, "external_id")
    assert "imported before with different details" in error["reason"]
    assert _csv_orders(session) == 1


def test_a_cp1252_file_is_refused_naming_the_line_then_read_with_its_charset(
    client: Client, shops: dict[str, int], session: Session
) -> None:
    """Excel's plain CSV: 422 naming the line and byte; with charset=windows-1252 it imports."""
    data = _csv(_good_rows(), encoding="cp1252")
    merchant = client("merchant", shop="S001")
    refused = _post(merchant, data)
    assert refused.status_code == 422
    [field] = refused.json()["error"]["fields"]
    assert field["field"] == "file"
    offset = data.index("å".encode("cp1252"))
    assert f"line 2, byte {offset} (0xE5" in field["reason"]
    assert _csv_orders(session) == 0
    taken = _post(merchant, data, content_type="text/csv; charset=windows-1252")
    assert taken.status_code == 200, taken.text
    order_id = taken.json()["stored"][0]["order_id"]
    street = merchant.get(f"/api/v1/orders/{order_id}").json()["delivery"]["address"]["street"]
    assert street == "Blågårdsgade"


def test_shops_and_roles(client: Client, shops: dict[str, int], session: Session) -> None:
    """A merchant cannot import for another shop (unknown to them); admin must name the shop;
    a courier may not import; a JSON body is 415."""
    data = _csv(_good_rows())
    other = _post(client("merchant", shop="S001"), data, shop="S002")
    assert other.status_code == 422
    assert other.json()["error"]["fields"][0] == {"field": "shop", "reason": "unknown shop 'S002'"}
    admin = client("admin")
    unnamed = _post(admin, data)
    assert (unnamed.status_code, unnamed.json()["error"]["fields"][0]["field"]) == (422, "shop")
    named = _post(admin, data, shop="S003")
    assert named.status_code == 200
    assert {r["external_id"][:5] for r in named.json()["stored"]} == {"S003-"}
    assert _post(client("courier"), data, shop="S003").status_code == 403
    wrong_type = _post(admin, b'{"rows": []}', content_type="application/json", shop="S003")
    assert wrong_type.status_code == 415
    assert wrong_type.json()["error"]["fields"][0]["field"] == "Content-Type"
    assert _csv_orders(session) == 3


def test_cli_import_reports_rows_and_exit_status(
    run_cli,
    shops: dict[str, int],
    session: Session,
    db_url: str,
    osm_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``bakfiets orders import``: exit 0 with every row stored; exit 2 and nothing stored for a
    file with a bad row; exit 2 naming --shop for an unknown shop."""
    monkeypatch.setenv("BAKFIETS_DATABASE_URL", db_url)
    monkeypatch.setenv("BAKFIETS_OSM_FILE", str(osm_path))
    # The geocoder index and graph cached by the other database tests (var/cache).
    monkeypatch.setenv("BAKFIETS_DATA_DIR", str(ROOT / "var"))
    good = tmp_path / "orders.csv"
    good.write_bytes(_csv(_good_rows()))
    result = run_cli("orders", "import", good, "--shop", "S002")
    assert result.exit_code == 0, result.output
    assert "3 created, 0 already there, 0 refused of 3 rows (all_or_nothing)" in result.stdout
    assert _csv_orders(session) == 3

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([_good_rows()[0].replace("1001", "2001"), "2002;;;;;;;;;"]))
    refused = run_cli("orders", "import", bad, "--shop", "S002")
    assert refused.exit_code == 2
    assert "row 3: delivery_date: " in refused.stderr
    assert refused.stderr.strip().endswith("1 of 2 rows refused; nothing stored")
    assert _csv_orders(session) == 3

    unknown = run_cli("orders", "import", good, "--shop", "S999")
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == "error: --shop: unknown shop 'S999'"
