"""Driver manifests read back: the calls in the plan's order with its ETAs, parcels, totals, map."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from depot.paper.manifest import ManifestData, ManifestStop, render_manifest_pdf
from depot.paper.round_map import Polyline
from tests.depot.paper.readback import char_boxes, open_pdf, page_size_mm, page_text

H = 3600
DEPOT = (55.6738, 12.5646)  # Vesterbrogade 1
COLOUR = "#D55E00"  # vermilion: nothing else on the page has this colour


def call(
    number: int | None, kind: str, stop_id: str | None, eta_s: int, **kw: object
) -> ManifestStop:
    """A manifest line with plausible defaults."""
    values: dict[str, object] = {
        "address": "Amaliegade 13C, 1256 København K",
        "customer": "Karen Holm",
        "parcel_codes": (),
        "weight_g": 0,
        "window_text": "09:00–17:00",
        "notes": "",
        "lat": DEPOT[0],
        "lon": DEPOT[1],
    }
    values.update(kw)
    return ManifestStop(number=number, kind=kind, stop_id=stop_id, eta_s=eta_s, **values)  # type: ignore[arg-type]


#: A hand-checkable round: two deliveries, a reload, a shop pickup, a last delivery; a break.
STOPS = (
    call(1, "delivery", "D001", 9 * H + 5 * 60, customer="Karen Holm",
         parcel_codes=("BK-AAAA-0001", "BK-AAAA-0002"), weight_g=4500,
         notes="door code 4711", lat=55.6829, lon=12.5915),
    call(2, "delivery", "D002", 9 * H + 17 * 60, customer="Mads Nielsen",
         address="Nørregade 12, 1165 København K", parcel_codes=("BK-BBBB-0001",),
         weight_g=1200, lat=55.6800, lon=12.5730),
    call(None, "reload", None, 9 * H + 40 * 60, address="City depot, Vesterbrogade 1",
         customer="", window_text=""),
    call(3, "pickup", "P001", 10 * H + 2 * 60, customer="Vesterbro Vin",
         address="Vesterbrogade 60B, 1620 København V", parcel_codes=("BK-CCCC-0001",),
         weight_g=9000, window_text="10:00–16:00", lat=55.6712, lon=12.5520),
    call(4, "delivery", "C001", 11 * H + 30 * 60, customer="Sofie Jensen",
         address="Store Kongensgade 40, 1264 København K",
         parcel_codes=("BK-CCCC-0001", "BK-DDDD-0001", "BK-DDDD-0002"), weight_g=6800,
         window_text="11:00–13:00", lat=55.6840, lon=12.5870),
)  # fmt: skip
POINTS = [DEPOT, *((s.lat, s.lon) for s in STOPS), DEPOT]
LEGS = tuple(Polyline((a[0], b[0]), (a[1], b[1])) for a, b in pairwise(POINTS))
STREETS = tuple(
    Polyline((55.665 + i * 0.002, 55.665 + i * 0.002), (12.54, 12.60)) for i in range(12)
)
ROUND = ManifestData(
    round_ref="R-2026-11-24-3",
    bike="bike-03",
    service_date=None,
    depot_label="City depot, Vesterbrogade 1, 1620 København V",
    depot_lat=DEPOT[0],
    depot_lon=DEPOT[1],
    stops=STOPS,
    breaks=((11 * H, 30 * 60),),
    legs=LEGS,
    streets=STREETS,
    distance_m=12_340,
    start_s=9 * H,
    end_s=12 * H + 5 * 60,
    peak_load_g=21_500,
    trips=2,
    colour=COLOUR,
)
#: A call's line as the manifest prints it: number, ETA, window, kind and stop id.
CALL_LINE = re.compile(
    r"^(\d{1,3}) (\d\d:\d\d)\n(?:[^\n]*\n){1,3}?(delivery|pickup)\n(\S+)$", re.MULTILINE
)


def calls_read(pdf: bytes) -> list[tuple[int, str, str, str]]:
    """Every numbered call of the manifest, read from its text, page after page."""
    found = []
    for page in open_pdf(pdf):
        text = page_text(page).replace("\r\n", "\n")
        found += [(int(n), eta, kind, sid) for n, eta, kind, sid in CALL_LINE.findall(text)]
    return found


@pytest.fixture(scope="module")
def manifest() -> bytes:
    """The hand-made round's manifest."""
    return render_manifest_pdf(ROUND)


def test_calls_are_in_the_plans_order_with_its_etas(manifest: bytes) -> None:
    """Numbers, ETAs, kinds and stop ids read back in exactly the round's order."""
    assert calls_read(manifest) == [
        (1, "09:05", "delivery", "D001"),
        (2, "09:17", "delivery", "D002"),
        (3, "10:02", "pickup", "P001"),
        (4, "11:30", "delivery", "C001"),
    ]


def test_reload_and_break_stand_at_their_time(manifest: bytes) -> None:
    """The reload comes between calls 2 and 3, the break between calls 3 and 4."""
    text = " ".join(page_text(open_pdf(manifest)[0]).split())
    order = [
        text.index("09:17"),
        text.index("09:40 reload Reload at the depot"),
        text.index("10:02"),
        text.index("11:00 break Break 30 min"),
        text.index("11:30"),
    ]
    assert order == sorted(order)


def test_each_call_lists_customer_address_parcels_and_notes(manifest: bytes) -> None:
    """Customer, address, every parcel code, count and weight, notes and the initials column."""
    text = " ".join(page_text(open_pdf(manifest)[0]).split())
    for expected in (
        "Karen Holm Amaliegade 13C, 1256 København K BK-AAAA-0001 BK-AAAA-0002 2 4.5 kg "
        "door code 4711",
        "Mads Nielsen Nørregade 12, 1165 København K BK-BBBB-0001 1 1.2 kg",
        "Vesterbro Vin Vesterbrogade 60B, 1620 København V BK-CCCC-0001 1 9.0 kg",
        "BK-CCCC-0001 BK-DDDD-0001 BK-DDDD-0002 3 6.8 kg",
        "Initials",
    ):
        assert expected in text, expected


def test_header_gives_round_bike_and_totals(manifest: bytes) -> None:
    """Round, bike, and totals: stops, parcels, km, time, trips, peak load, weights."""
    page = open_pdf(manifest)[0]
    width_mm, height_mm = page_size_mm(page)
    assert (round(width_mm), round(height_mm)) == (210, 297)
    text = " ".join(page_text(page).split())
    assert "Manifest R-2026-11-24-3 · bike bike-03" in text
    assert (
        "4 stops · 7 parcels · 12.3 km · 3 h 05 min (09:00–12:05) · 2 trip(s) · "
        "peak load 21.5 kg · delivers 12.5 kg, picks up 9.0 kg"
    ) in text
    assert "DEMO" not in text


def _coloured(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the round's colour."""
    return np.abs(rgb - np.array([0xD5, 0x5E, 0x00])).sum(axis=2) < 60


def _markers(page: object, coloured: np.ndarray, dpi: int) -> dict[str, tuple[float, float]]:
    """Numbers printed on a marker of the round's colour (the pixel just left of the digit is
    that colour), with their centres in points from the page's lower left."""
    height_pt = page.get_size()[1]  # type: ignore[attr-defined]
    found = {}
    for char, left, bottom, right, top in char_boxes(page):  # type: ignore[arg-type]
        row = round((height_pt - (bottom + top) / 2) * dpi / 72)
        col = round((left - 1.5) * dpi / 72)
        if char.isdigit() and coloured[row, col]:
            found[char] = ((left + right) / 2, (bottom + top) / 2)
    return found


def test_map_numbers_the_stops_and_draws_the_legs_between_them(manifest: bytes) -> None:
    """On the map: a number on a marker for every call, the legs ridden in the round's colour
    away from the markers (the streets between the stops), and grey streets behind them."""
    page = open_pdf(manifest)[0]
    dpi = 150
    rgb = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB")).astype(int)
    coloured = _coloured(rgb)
    markers = _markers(page, coloured, dpi)
    assert set(markers) == {"1", "2", "3", "4"}
    rows, cols = np.nonzero(coloured)
    x_pt, y_pt = cols * 72 / dpi, page.get_size()[1] - rows * 72 / dpi
    centres = np.array(list(markers.values()))
    gap_pt = np.hypot(x_pt[:, None] - centres[:, 0], y_pt[:, None] - centres[:, 1]).min(axis=1)
    on_legs = int((gap_pt > 5 * 72 / 25.4).sum())  # farther than 5 mm from every marker
    assert on_legs > 1000
    # Streets: light grey pixels among the stops (nothing else there is grey).
    left, right = (int(v * dpi / 72) for v in (centres[:, 0].min(), centres[:, 0].max()))
    top, bottom = (
        int((page.get_size()[1] - v) * dpi / 72) for v in (centres[:, 1].max(), centres[:, 1].min())
    )
    among = rgb[top:bottom, left:right]
    assert (np.abs(among - 199).max(axis=2) < 8).sum() > 500


def test_a_long_round_continues_with_the_table_header_repeated() -> None:
    """Forty calls run onto further pages, each with the table header; none is lost."""
    many = tuple(
        replace(STOPS[0], number=i, stop_id=f"D{i:03d}", eta_s=9 * H + 4 * 60 * i)
        for i in range(1, 41)
    )
    pdf = render_manifest_pdf(replace(ROUND, stops=many, breaks=()))
    pages = open_pdf(pdf)
    assert len(pages) >= 3
    assert all("Initials" in page_text(page) for page in pages)
    read = calls_read(pdf)
    assert [n for n, *_ in read] == list(range(1, 41))
    assert read[-1][1] == "11:40"


def test_demo_manifest_says_so() -> None:
    """A demo round's manifest says its parcel codes are made up."""
    pdf = render_manifest_pdf(replace(ROUND, demo=True))
    assert "DEMO – made-up parcel codes" in page_text(open_pdf(pdf)[0])
