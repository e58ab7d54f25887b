"""``bakfiets slips``: print the pickup slips of a day (or of one shop) from the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, cast

import typer
from sqlalchemy.exc import ArgumentError, OperationalError

from api.cli import app
from api.cli.errors import fail
from depot.errors import NotFoundError
from depot.paper.collect import collect_slips, plan_placements
from depot.paper.service import SLIP_FORMATS, SlipFormat, slips_document, write_atomically
from depot.settings import Settings
from models.session import make_engine, make_sessionmaker


@app.command("slips")
def slips(
    day: Annotated[str, typer.Option("--date", help="Delivery date, YYYY-MM-DD.")],
    out: Annotated[
        Path, typer.Option("--out", help="File to write (PDF, or ZPL with --size zpl).")
    ],
    shop: Annotated[
        str | None, typer.Option("--shop", help="Only this shop's parcels (ref).")
    ] = None,
    size: Annotated[
        str, typer.Option("--size", help="a6 or 4x6 (PDF labels), or zpl (Zebra printers).")
    ] = "a6",
) -> None:
    """One label per parcel delivered on --date: Code 128 of its code, QR of its tracking link.

    Each label names the round and stop of the parcel's delivery in the day's current plan;
    parcels not yet in a plan print "not planned yet".
    """
    try:
        service_date = date.fromisoformat(day)
    except ValueError:
        fail("--date", f"{day!r} is not a date like 2026-11-24")
    if size not in SLIP_FORMATS:
        fail("--size", f"{size!r} is not one of {', '.join(SLIP_FORMATS)}")
    fmt = cast(SlipFormat, size)
    if out.is_dir():
        fail("--out", f"{out} is a directory; give a file name")
    if not out.parent.is_dir():
        fail("--out", f"{out.parent} does not exist")
    settings = Settings()
    try:
        engine = make_engine(settings.database_url)
    except ArgumentError as exc:
        fail("BAKFIETS_DATABASE_URL", f"not a database URL ({exc})")
    try:
        with make_sessionmaker(engine)() as session:
            found = collect_slips(
                session=session,
                day=service_date,
                public_url=settings.public_url,
                shop_ref=shop,
                placements=plan_placements(session=session, day=service_date),
            )
    except NotFoundError as exc:
        fail("--shop", exc.reason)
    except OperationalError as exc:
        fail("BAKFIETS_DATABASE_URL", f"cannot read parcels ({exc.orig}); run bakfiets db upgrade")
    finally:
        engine.dispose()
    if not found:
        whose = f" of shop {shop}" if shop else ""
        fail("--date", f"no parcels{whose} to deliver on {service_date.isoformat()}")
    name = f"slips-{service_date.isoformat()}" + (f"-{shop}" if shop else "")
    try:
        document = slips_document(found, fmt=fmt, name=name)
    except ValueError as exc:  # a parcel's data cannot be printed: name its field
        field, _, reason = str(exc).partition(": ")
        fail(field, reason)
    write_atomically(out, document.content)
    planned = sum(1 for s in found if s.round_ref is not None)
    typer.echo(
        f"wrote {out}: {len(found)} labels ({size}), {planned} planned, "
        f"{len(found) - planned} not planned yet"
    )
