"""``bakfiets geocode``: addresses to coordinates with the offline geocoder of an OSM extract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli import app
from api.cli.errors import fail
from depot.settings import Settings
from maps.geocode import AddressSourceError, GeocodeError, OfflineGeocoder


def read_address_file(path: Path) -> list[str]:
    """Addresses from a text file: one per line; blank lines and ``#`` comments skipped.

    Parameters
    ----------
    path : Path
        UTF-8 text file.

    Returns
    -------
    list of str
        The addresses, in file order.

    Raises
    ------
    typer.Exit
        Exit status 2 (via :func:`~api.cli.errors.fail`) when the file cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail("--file", f"{path}: no such file")
    except IsADirectoryError:
        fail("--file", f"{path}: is a directory, not a file")
    except (OSError, UnicodeDecodeError) as exc:
        fail("--file", f"{path}: cannot read it as UTF-8 text ({exc})")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def geocode_all(geocoder: OfflineGeocoder, queries: list[str]) -> list[dict[str, Any]]:
    """Geocode each query, in order; a failure becomes a row with its reason.

    Parameters
    ----------
    geocoder : OfflineGeocoder
        The geocoder to ask.
    queries : list of str
        Addresses as typed.

    Returns
    -------
    list of dict
        ``{"query", "found": True, "lat", "lon", "address", "score", "note"}`` or
        ``{"query", "found": False, "reason"}``, one per query.
    """
    rows: list[dict[str, Any]] = []
    for query in queries:
        try:
            result = geocoder.geocode(query)
        except GeocodeError as exc:
            rows.append({"query": query, "found": False, "reason": exc.reason})
            continue
        rows.append(
            {
                "query": query,
                "found": True,
                "lat": round(result.lat, 7),
                "lon": round(result.lon, 7),
                "address": result.address,
                "score": result.score,
                "note": result.note,
            }
        )
    return rows


def _text_line(row: dict[str, Any]) -> str:
    if not row["found"]:
        return f"{row['query']} → not found: {row['reason']}"
    line = (
        f"{row['query']} → {row['lat']:.6f}, {row['lon']:.6f}  {row['address']}  "
        f"(score {row['score']:.2f})"
    )
    return line + (f"  [{row['note']}]" if row["note"] else "")


@app.command("geocode")
def geocode(
    addresses: Annotated[
        list[str] | None,
        typer.Argument(
            help='Addresses, e.g. "Nørregade 12, 1165 København K".', show_default=False
        ),
    ] = None,
    osm: Annotated[
        Path | None, typer.Option("--osm", help="OSM file: .osm, .osm.bz2, .osm.gz, .osm.pbf")
    ] = None,
    address_file: Annotated[
        Path | None, typer.Option("--file", help="Text file with one address per line.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Geocode addresses offline from an OSM extract: lat, lon, matched address and score.

    One result per address, in order (command-line addresses first, then --file). An address
    that cannot be found is reported with the reason; the exit status is still 0. Bad input
    (no --osm, an unusable file, no addresses) exits with status 2.
    """
    queries = list(addresses or [])
    if address_file is not None:
        queries.extend(read_address_file(address_file))
    if osm is None:
        fail("--osm", "give the OSM extract to geocode against, e.g. --osm copenhagen.osm.bz2")
    if not queries:
        fail("ADDRESS", "give at least one address, or --file with one address per line")
    try:
        geocoder = OfflineGeocoder.from_osm(osm, cache_dir=Settings().cache_dir)
    except AddressSourceError as exc:
        fail("--osm", f"{exc.source}: {exc.reason}")
    rows = geocode_all(geocoder, queries)
    if as_json:
        found = sum(row["found"] for row in rows)
        summary = {"addresses": len(rows), "found": found, "not_found": len(rows) - found}
        typer.echo(json.dumps({"source": str(osm), "summary": summary, "results": rows}))
        return
    for row in rows:
        typer.echo(_text_line(row))
