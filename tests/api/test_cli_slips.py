"""``bakfiets slips`` end to end: a day's parcels from the database to labels that scan."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from depot.contracts import OrderIn
from depot.intake import create_order
from depot.locate import Locator
from depot.users import system_caller
from models import OrderSource, Parcel, Shop
from tests.dbfixtures import depot_today, order_body
from tests.depot.paper.readback import decode, open_pdf, page_size_mm, page_text, raster


@pytest.fixture
def day_with_parcels(
    session: Session, shops: dict[str, int], locator: Locator, db_url: str,
    run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, list[Parcel]]:  # fmt: skip
    """One three-shop order (four parcels) two days ahead; the CLI pointed at its database."""
    create_order(
        session=session,
        order=OrderIn.model_validate(order_body("WS-CLI-1")),
        source=OrderSource.WEBSHOP,
        caller=system_caller("webshop"),
        locator=locator,
        today=depot_today(),
    )
    monkeypatch.setenv("BAKFIETS_DATABASE_URL", db_url)
    monkeypatch.setenv("BAKFIETS_PUBLIC_URL", "https://bakfiets.example.dk")
    parcels = list(session.scalars(select(Parcel).order_by(Parcel.id)))
    return (depot_today() + timedelta(days=2)).isoformat(), parcels


def test_slips_of_a_day_scan_to_the_parcels_in_the_database(
    run_cli: Callable[..., Any], day_with_parcels: tuple[str, list[Parcel]], tmp_path: Path
) -> None:
    """A6 PDF, one page per parcel: its Code 128 is its label code, its QR code its tracking
    link; none planned yet, and the command says so."""
    day, parcels = day_with_parcels
    out = tmp_path / "slips.pdf"
    result = run_cli("slips", "--date", day, "--out", out)
    assert result.exit_code == 0, result.output
    assert "4 labels (a6), 0 planned, 4 not planned yet" in result.stdout
    pages = open_pdf(out.read_bytes())
    scanned = []
    for page in pages:
        assert [round(v) for v in page_size_mm(page)] == [105, 148]
        assert "not planned yet" in page_text(page)
        scanned.append({(d.format, d.text) for d in decode(raster(page))})
    expected = [
        {
            ("Code128", p.label_code),
            ("QRCode", f"https://bakfiets.example.dk/track/{p.tracking_token}"),
        }
        for p in parcels
    ]
    assert sorted(map(sorted, scanned)) == sorted(map(sorted, expected))


def test_one_shops_slips_in_zpl(
    run_cli: Callable[..., Any],
    day_with_parcels: tuple[str, list[Parcel]],
    session: Session,
    tmp_path: Path,
) -> None:
    """--shop S002 --size zpl: a ZPL label for each of that shop's two parcels, and no other."""
    day, parcels = day_with_parcels
    vin = session.scalar(select(Shop.id).where(Shop.ref == "S002"))
    out = tmp_path / "vin.zpl"
    result = run_cli("slips", "--date", day, "--shop", "S002", "--size", "zpl", "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    codes = re.findall(r"\^BC[^^]*\^FH_\^FD(.*?)\^FS", text)
    assert codes == [p.label_code for p in parcels if p.shop_id == vin]
    assert text.count("^XA") == 2


def test_bad_inputs_exit_2_naming_the_flag(
    run_cli: Callable[..., Any], day_with_parcels: tuple[str, list[Parcel]], tmp_path: Path
) -> None:
    """A bad date, size, shop or output path, or a day without parcels: exit 2, the flag named,
    and no file written."""
    day, _parcels = day_with_parcels
    out = tmp_path / "x.pdf"
    later = (depot_today() + timedelta(days=30)).isoformat()
    cases = [
        (("--date", "24/11/2026", "--out", out), "--date"),
        (("--date", day, "--size", "a4", "--out", out), "--size"),
        (("--date", day, "--shop", "S404", "--out", out), "--shop"),
        (("--date", later, "--out", out), "--date"),
        (("--date", day, "--out", tmp_path / "missing" / "x.pdf"), "--out"),
        (("--date", day, "--out", tmp_path), "--out"),
    ]
    for args, flag in cases:
        result = run_cli("slips", *args)
        assert result.exit_code == 2, (args, result.output)
        assert f"error: {flag}:" in result.stderr, (args, result.stderr)
        assert not out.exists()
