"""``bakfiets scan CODE...``: scan parcels in at the depot, or (``--round R``) check a round's
load-out against the codes scanned onto its bike."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import app
from api.cli.db_session import command_session
from api.cli.errors import fail
from depot.errors import ServiceError
from depot.load_out import LoadItem, LoadOut, check_load_out
from depot.scan import scan_in
from depot.settings import Settings
from depot.users import system_caller
from models import Role

#: How the command line appears in parcel histories (``depot:bakfiets scan``).
ACTOR = "bakfiets scan"


@app.command("scan")
def scan(
    codes: Annotated[list[str], typer.Argument(metavar="CODE...", help="Label codes scanned.")],
    round_id: Annotated[
        int | None,
        typer.Option("--round", help="Check the load-out of this round instead of scanning in."),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="With --round: send out although some are missing."),
    ] = False,
) -> None:
    """Mark parcels "at depot" (all or none; repeats are warned about and change nothing).

    With --round: say which of the round's parcels are on the bike, missing, or not of this
    round; when all are there (or --allow-missing) they go out for delivery. Exit status 1 when
    parcels are missing and nothing was sent out; 2 for an unknown code, a parcel that cannot be
    scanned in or sent out, or an unknown round.
    """
    if allow_missing and round_id is None:
        fail("--allow-missing", "only with --round")
    caller = system_caller(ACTOR, Role.DEPOT)
    with command_session(Settings().database_url) as session:
        try:
            if round_id is None:
                results = scan_in(session=session, codes=codes, caller=caller)
            else:
                answer = check_load_out(
                    session=session,
                    round_id=round_id,
                    codes=codes,
                    caller=caller,
                    allow_missing=allow_missing,
                )
        except ServiceError as exc:
            field = "--round" if exc.field == "round_id" else "CODE"
            fail(field, exc.reason)
    if round_id is not None:
        _print_load_out(answer)
        if answer.missing and not answer.released:
            raise typer.Exit(code=1)
        return
    for r in results:
        where = (
            f" (round {r.place.round_id}, bike {r.place.vehicle}, stop {r.place.stop_number})"
            if r.place is not None
            else " (in no round yet)"
        )
        if r.scanned_in:
            typer.echo(f"{r.code}: at depot{where}")
        else:
            typer.echo(f"warning: {r.warning}", err=True)
    typer.echo(f"{sum(r.scanned_in for r in results)} of {len(results)} scanned in")


def _print_load_out(answer: LoadOut) -> None:
    def show(title: str, items: list[LoadItem]) -> None:
        for item in items:
            typer.echo(
                f"{title}: {item.code} (stop {item.stop_number}, trip {item.trip}, "
                f"{item.status.value})"
            )

    show("on bike", answer.on_bike)
    show("MISSING", answer.missing)
    show("already left", answer.already_left)
    for stray in answer.not_in_round:
        typer.echo(f"NOT THIS ROUND: {stray.code}: {stray.reason}")
    typer.echo(f"round {answer.round_id} (bike {answer.vehicle}): {answer.message}")
