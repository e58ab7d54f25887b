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
from depot.paper.service import SLIP_FORMATS, SlipFormat, slips_document, write_atomically
from depot.paper.stored import day_slips
from depot.settings import Settings
from depot.users import system_caller
from models import Role
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
            found = day_slips(
                session=session,
                day=service_date,
                public_url=settings.public_url,
                caller=system_caller("slips", Role.ADMIN),
                shop_ref=shop,
            )
    except NotFoundError as exc:
        fail(f"--{exc.field}", exc.reason)
    except OperationalError as exc:
        fail("BAKFIETS_DATABASE_URL", f"cannot read parcels ({exc.orig}); run bakfiets db upgrade")
    finally:
        engine.dispose()
    try:
        document = slips_document(found.slips, fmt=fmt, name=found.name)
    except ValueError as exc:  # a parcel's data cannot be printed: name its field
        field, _, reason = str(exc).partition(": ")
        fail(field, reason)
    write_atomically(out, document.content)
    typer.echo(
        f"wrote {out}: {len(found.slips)} labels ({size}), {found.planned} planned, "
        f"{len(found.slips) - found.planned} not planned yet"
    )
