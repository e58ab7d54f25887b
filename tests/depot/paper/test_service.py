"""Documents for routes and commands: media types, names, and files written whole or not at all."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from depot.paper.service import manifest_document, slips_document, write_day_paper
from tests.depot.paper.readback import open_pdf, page_size_mm
from tests.depot.paper.test_manifest import ROUND
from tests.depot.paper.test_slips import KAREN, SLIPS


def test_documents_carry_media_type_and_a_safe_name() -> None:
    """PDF slips in the asked size, ZPL as text for the printer, a manifest named by its round;
    a name cannot leave the folder it is saved in."""
    a6 = slips_document(SLIPS, fmt="a6", name="slips-2026-11-24-S001")
    assert (a6.media_type, a6.filename) == ("application/pdf", "slips-2026-11-24-S001.pdf")
    assert [round(v) for v in page_size_mm(open_pdf(a6.content)[0])] == [105, 148]
    zpl = slips_document(SLIPS, fmt="zpl", name="slips")
    assert zpl.media_type == "application/x-zpl" and zpl.content.count(b"^XA") == 3
    manifest = manifest_document(replace(ROUND, round_ref="../../etc/R 3"))
    assert manifest.filename == "etc_R_3.pdf"
    assert manifest.content.startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"^format:"):
        slips_document(SLIPS, fmt="a4", name="x")  # type: ignore[arg-type]


def test_nothing_is_written_when_one_document_cannot_be_made(tmp_path: Path) -> None:
    """A slip that cannot be printed stops the whole day before any file is written."""
    too_long = replace(KAREN, label_code="BK-" + "W" * 29)
    with pytest.raises(ValueError, match=r"^label_code:"):
        write_day_paper(tmp_path, [ROUND], [KAREN, too_long])
    assert list(tmp_path.rglob("*")) == []


def test_day_paper_is_written_under_its_folder(tmp_path: Path) -> None:
    """manifests/<round>.pdf and slips-a6.pdf, and no temporary file left beside them."""
    written = write_day_paper(tmp_path, [ROUND], SLIPS)
    assert written == [tmp_path / "manifests" / "R-2026-11-24-3.pdf", tmp_path / "slips-a6.pdf"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "R-2026-11-24-3.pdf",
        "manifests",
        "slips-a6.pdf",
    ]
