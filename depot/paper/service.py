"""Slips and manifests as documents to send or save: the piece routes and commands call.

Everything here takes data already loaded (:class:`~depot.paper.slips.SlipData`,
:class:`~depot.paper.manifest.ManifestData`) and answers bytes with a media type and a file
name, so a route (``GET /api/v1/plans/{id}/manifests/{round}.pdf``, slips per day or per shop)
only loads the rows, calls one function here and returns the document. Files are written whole
or not at all: every document is rendered before the first file is written, and each file is
written under a temporary name and renamed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from depot.paper.manifest import ManifestData, render_manifest_pdf
from depot.paper.slips import SlipData, render_slips_pdf
from depot.paper.zpl import render_slips_zpl

SlipFormat = Literal["a6", "4x6", "zpl"]
SLIP_FORMATS: tuple[str, ...] = ("a6", "4x6", "zpl")
PDF = "application/pdf"
ZPL = "application/x-zpl"


@dataclass(frozen=True)
class PaperDocument:
    """A rendered document: its bytes, media type and a file name to offer."""

    content: bytes
    media_type: str
    filename: str


def safe_name(text: str) -> str:
    """``text`` usable as a file name (letters, digits, ``.``, ``_``, ``-``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "document"


def slips_document(slips: Sequence[SlipData], *, fmt: SlipFormat, name: str) -> PaperDocument:
    """The slips as an A6 or 4×6 in PDF, or as ZPL for a Zebra printer (4×6 in, 203 dpi).

    Parameters
    ----------
    slips : sequence of SlipData
    fmt : {"a6", "4x6", "zpl"}
    name : str
        File name stem (``slips-2026-11-24-S001``).

    Raises
    ------
    ValueError
        ``format``: unknown; ``slips``: none; ``label_code``: too long to print.
    """
    if fmt == "zpl":
        text = render_slips_zpl(slips, size="4x6", dpi=203)
        return PaperDocument(text.encode("utf-8"), ZPL, f"{safe_name(name)}.zpl")
    if fmt not in SLIP_FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(SLIP_FORMATS)}")
    return PaperDocument(render_slips_pdf(slips, size=fmt), PDF, f"{safe_name(name)}.pdf")


def manifest_document(data: ManifestData) -> PaperDocument:
    """One round's manifest as an A4 PDF, named after the round."""
    return PaperDocument(render_manifest_pdf(data), PDF, f"{safe_name(data.round_ref)}.pdf")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o666 & ~_umask())  # as open() would have made it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_day_paper(
    out_dir: Path,
    manifests: Sequence[ManifestData],
    slips: Sequence[SlipData],
    *,
    slip_format: SlipFormat = "a6",
) -> list[Path]:
    """Write ``manifests/<round>.pdf`` for every round and ``slips-<format>.pdf`` under ``out_dir``.

    Other PDF files under ``manifests/`` (rounds of an earlier run) are removed.

    Returns
    -------
    list of Path
        The files written, manifests first.

    Raises
    ------
    ValueError
        From rendering, before any file is written.
    """
    documents = [(Path("manifests"), manifest_document(m)) for m in manifests]
    if slips:
        documents.append(
            (Path(), slips_document(slips, fmt=slip_format, name=f"slips-{slip_format}"))
        )
    written = []
    for folder, document in documents:
        path = out_dir / folder / document.filename
        write_atomically(path, document.content)
        written.append(path)
    # A manifest left from an earlier day with more rounds would be taken for one of today's.
    for stale in (out_dir / "manifests").glob("*.pdf"):
        if stale not in written:
            stale.unlink()
    return written
