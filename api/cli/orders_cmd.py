"""``bakfiets orders import``: a merchant's CSV of orders into the database, row by row."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from api.cli import app
from api.cli.errors import fail
from depot.csv_import import CsvFileError, parse_orders_csv
from depot.errors import InvalidInputError
from depot.order_import import ImportMode, ImportReport, import_orders
from depot.settings import Settings
from depot.shops import shop_for_line
from depot.users import system_caller
from maps.geocode import AddressSourceError
from maps.osm_read import GraphSourceError
from models import Role
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker

orders_app = typer.Typer(help="Orders: import a merchant's CSV file.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")

MODES = ", ".join(mode.value for mode in ImportMode)


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(help="The CSV file (columns: see depot.csv_import).")],
    shop: Annotated[str, typer.Option("--shop", help="Ref of the shop the orders are for.")],
    mode: Annotated[
        str, typer.Option("--mode", help=f"{MODES}: refuse the file on any bad row, or not.")
    ] = ImportMode.ALL_OR_NOTHING.value,
    encoding: Annotated[
        str, typer.Option("--encoding", help="The file's encoding, e.g. cp1252.")
    ] = "utf-8",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import FILE's orders for shop --shop; print each row's order or errors.

    Exit status 0 when every row is stored (or was already), 2 when the file or any row is
    refused (with --mode valid_rows the good rows are stored all the same).
    """
    try:
        chosen = ImportMode(mode)
    except ValueError:
        fail("--mode", f"{mode!r} is not a mode; choose one of {MODES}")
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        fail("FILE", f"{file}: no such file")
    except IsADirectoryError:
        fail("FILE", f"{file}: is a directory, not a file")
    except OSError as exc:
        fail("FILE", f"{file}: cannot read it ({exc.strerror})")
    settings = Settings()
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        parsed = parse_orders_csv(
            data,
            shop=shop,
            today=today,
            encoding=encoding,
            date_order=settings.webshop_date_order,
            default_volume_ml=settings.webshop_parcel_volume_ml,
        )
    except CsvFileError as exc:
        fail("--encoding" if exc.field == "encoding" else f"{file}: {exc.field}", exc.reason)
    from api.main import locator_from_settings

    try:
        locator = locator_from_settings(settings)
    except (AddressSourceError, GraphSourceError) as exc:
        fail("BAKFIETS_OSM_FILE", str(exc))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    caller = system_caller("csv import (command line)", Role.ADMIN)
    try:
        with make_sessionmaker(engine)() as session:
            try:
                shop_for_line(session, shop, caller, "shop")
            except InvalidInputError as exc:
                fail("--shop", exc.reason)
            report = import_orders(
                session=session,
                parsed=parsed,
                shop=shop,
                mode=chosen,
                caller=caller,
                locator=locator,
                today=today,
            )
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if report.errors:
        rejected = len({error.row for error in report.errors})
        stored = f"{len(report.stored)} stored" if report.stored else "nothing stored"
        fail(str(file), f"{rejected} of {report.row_count} rows refused; {stored}")


def _print_report(report: ImportReport) -> None:
    for note in report.notes:
        typer.echo(f"note: {note}")
    for row in report.stored:
        typer.echo(
            f"row {row['row']}: order {row['order_id']} ({row['external_id']}) "
            f"{row['result']}, {row['status']}"
        )
    for error in report.errors:
        typer.echo(f"row {error.row}: {error.field}: {error.reason}", err=True)
    if report.not_attempted:
        rows = ", ".join(str(r) for r in report.not_attempted)
        typer.echo(f"rows not attempted: {rows}", err=True)
    typer.echo(
        f"{report.created} created, {len(report.stored) - report.created} already there, "
        f"{len({e.row for e in report.errors})} refused of {report.row_count} rows "
        f"({report.mode.value})"
    )
