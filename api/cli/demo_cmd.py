"""``bakfiets demo``: a real day through the API on the embedded default (``make demo``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from api.cli import app
from api.cli.errors import fail
from api.cli.graph_cmd import OsmOption
from api.cli.plan_cmd import _Progress
from api.demo_data import DemoSizeError
from api.demo_run import DemoError, DemoOptions, DemoResult, run_demo
from depot.contracts import format_clock
from maps.address_index import AddressSourceError
from maps.osm_read import GraphSourceError


def _print_summary(result: DemoResult, out: Path) -> None:
    first, plan, impact = result.first_plan, result.plan, result.impact
    codes = Counter(item["code"] for item in first["unassigned"])
    typer.echo(f"\nDemo day {result.day.isoformat()}: orders {dict(result.orders)}")
    typer.echo(
        f"morning plan {first['id']} (combined): {first['summary']['stops_planned']} stops "
        f"planned, {len(first['unassigned'])} left {dict(codes) if codes else ''}".rstrip()
    )
    for wave in result.waves:
        typer.echo(
            f"   {format_clock(wave.at_s)} {wave.parcels_in} parcels of {wave.orders_in} "
            f"via-depot orders back, scanned in; re-plan v{wave.version}: {wave.planned} "
            f"via-depot orders on rounds, {wave.still_out} still on their way"
        )
    reasons = Counter(item["code"] for item in plan["unassigned"])
    typer.echo(
        f"the day (plan {plan['id']}, version {plan['version']}): {impact['rounds']} rounds on "
        f"{impact['bikes_used']} bikes, {impact['stops_planned']} stops "
        f"({impact['pickup_stops']} pickups, {impact['delivery_stops']} deliveries), "
        f"{impact['stops_unassigned']} unassigned {dict(reasons) if reasons else ''}".rstrip()
    )
    left = {o for item in plan["unassigned"] for o in item["order_ids"]}
    typer.echo(
        f"{impact['parcels_delivered']} parcels of {impact['orders_delivered']} orders on "
        f"delivery rounds ({impact['delivery_parcels_per_stop']} parcels per delivery stop); "
        f"{len(left)} orders unassigned, each with its reason below"
    )
    typer.echo(
        f"{impact['bike_km']} km by cargo bike, {impact['co2_avoided_kg']} kg CO2 avoided vs a "
        "diesel van"
    )
    for round_ in plan["rounds"]:
        calls = [s for s in round_["stops"] if s["kind"] != "reload"]
        typer.echo(
            f"   {round_['vehicle']:<8} {len(calls):>3} stops "
            f"{round_['distance_m'] / 1000:5.1f} km {round_['start'][11:16]}–"
            f"{round_['end'][11:16]} {round_['trips']} trip(s)"
            f"{'' if round_['started'] else ', not started yet'}"
        )
    for item in plan["unassigned"]:
        typer.echo(f"   unassigned {item['stop_ref']}: {item['reason']}")
    typer.echo(f"\nwrote under {out}:")
    for path in result.files:
        typer.echo(f"   {path.relative_to(out)}")
    typer.echo(f"   bakfiets.db (serve it: BAKFIETS_DATABASE_URL=sqlite:///{out}/bakfiets.db)")


@app.command("demo")
def demo(
    osm: OsmOption,
    out: Annotated[Path, typer.Option("--out", help="Folder for the day's files.")] = Path(
        "out/demo"
    ),
    shops: Annotated[int, typer.Option("--shops", help="Shops of the extract to sign up.")] = 40,
    orders: Annotated[int, typer.Option("--orders", help="Webshop orders to book.")] = 300,
    bikes: Annotated[int, typer.Option("--bikes", help="Cargo bikes with a courier.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the day's draws.")] = 1,
    time_limit: Annotated[
        int, typer.Option("--time-limit", help="Planner search time, seconds.")
    ] = 60,
) -> None:
    """A real day through the API: shops and webshop orders of the extract, the depot's fleet,
    a combined plan, then the day at the depot (scan-in, rounds sent out, the via-depot parcels
    scanned in as they come back and the day planned again); writes the day's last plan.json,
    rounds.html, manifests/<round>.pdf, slips-a6.pdf, impact.json and the database under
    --out."""
    for option, value, least in (
        ("--shops", shops, 1),
        ("--orders", orders, 1),
        ("--bikes", bikes, 1),
        ("--time-limit", time_limit, 1),
    ):
        if value < least:
            fail(option, f"must be at least {least}, got {value}")
    if time_limit > 600:
        fail("--time-limit", f"must be at most 600 seconds, got {time_limit}")
    if not osm.is_file():
        fail("--osm", f"{osm}: file not found")
    if out.exists() and not out.is_dir():
        fail("--out", f"{out} is a file; give a folder")
    progress = _Progress()
    options = DemoOptions(
        osm=osm,
        out=out,
        shops=shops,
        orders=orders,
        bikes=bikes,
        seed=seed,
        time_limit_s=time_limit,
    )
    try:
        result = run_demo(options, say=progress)
    except (AddressSourceError, GraphSourceError) as exc:
        fail("--osm", f"{exc.source}: {exc.reason}")
    except DemoSizeError as exc:
        fail(exc.option, exc.reason)
    except DemoError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    progress("done")
    _print_summary(result, out)
