"""From a planned day (:mod:`depot.planning`) to what the manifests and slips print.

The stop numbers are counted here once, for the map, the manifest and the slips alike: the
n-th call of a round that is not a reload is stop n (as on the HTML map and in the GeoJSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from depot.day import Place, clock
from depot.paper.manifest import MAP_ASPECT, ManifestData, ManifestStop
from depot.paper.round_map import Polyline, streets_near
from depot.planning import DayPlan, Round
from depot.rounds_map import PALETTE
from maps.graph import BikeGraph


@dataclass(frozen=True)
class StopParcels:
    """What is handed over at one stop: who, which parcels, how heavy, and notes."""

    customer: str
    parcel_codes: tuple[str, ...]
    weight_g: int
    notes: str = ""


@dataclass(frozen=True)
class Placement:
    """Where a stop sits in the plan: its round and its number in that round."""

    round_ref: str
    stop_number: int


def windows_text(windows: Sequence[tuple[int, int]]) -> str:
    """``"10:00–12:00, 16:00–18:00"``; ``"any time"`` without windows."""
    return ", ".join(f"{clock(a)}–{clock(b)}" for a, b in windows) or "any time"


def stop_numbers(round_: Round) -> dict[str, int]:
    """Each stop id of the round and its number (reloads are not numbered)."""
    ids = [v.stop_id for v in round_.visits if v.stop_id is not None]
    return {stop_id: number for number, stop_id in enumerate(ids, start=1)}


def placements(day: DayPlan) -> dict[str, Placement]:
    """Every planned stop id and its round (named by the bike) and number."""
    return {
        stop_id: Placement(round_.bike_id, number)
        for round_ in day.rounds
        for stop_id, number in stop_numbers(round_).items()
    }


def reload_call(*, eta_s: int, depot: Place) -> ManifestStop:
    """A reload at the depot as the manifest lists it: unnumbered, nothing handed over."""
    return ManifestStop(
        number=None,
        kind="reload",
        stop_id=None,
        eta_s=eta_s,
        address=depot.label,
        customer="",
        parcel_codes=(),
        weight_g=0,
        window_text="",
        notes="",
        lat=depot.lat,
        lon=depot.lon,
    )


def manifest_data_from_round(
    round_: Round,
    *,
    depot: Place,
    round_ref: str,
    service_date: date | None,
    parcels: Mapping[str, StopParcels],
    streets: Sequence[Polyline] = (),
    colour: str = PALETTE[0],
    demo: bool = False,
) -> ManifestData:
    """The manifest of a planned round, in the plan's order with the plan's ETAs.

    Parameters
    ----------
    round_ : depot.planning.Round
    depot : Place
        The depot the round starts and ends at.
    round_ref : str
        How the depot names the round.
    service_date : date or None
    parcels : mapping of stop id to StopParcels
        Who and which parcels at each stop of the round.
    streets : sequence of Polyline
        Background streets (:func:`depot.paper.round_map.streets_near`).
    colour : str
        The round's colour on the map.
    demo : bool
        Marks the manifest as a demo.

    Returns
    -------
    ManifestData

    Raises
    ------
    ValueError
        ``parcels``: a stop of the round has no entry.
    """
    numbers = stop_numbers(round_)
    stops = []
    for visit in round_.visits:
        if visit.stop_id is None:
            stops.append(reload_call(eta_s=visit.arrival_s, depot=depot))
            continue
        if visit.stop_id not in parcels:
            raise ValueError(f"parcels: nothing known of stop {visit.stop_id} of {round_ref}")
        handed = parcels[visit.stop_id]
        stops.append(
            ManifestStop(
                number=numbers[visit.stop_id],
                kind="pickup" if visit.kind == "pickup" else "delivery",
                stop_id=visit.stop_id,
                eta_s=visit.arrival_s,
                address=visit.label,
                customer=handed.customer,
                parcel_codes=handed.parcel_codes,
                weight_g=handed.weight_g,
                window_text=windows_text(visit.windows),
                notes=handed.notes,
                lat=visit.lat,
                lon=visit.lon,
            )
        )
    return ManifestData(
        round_ref=round_ref,
        bike=round_.bike_id,
        service_date=service_date,
        depot_label=depot.label,
        depot_lat=depot.lat,
        depot_lon=depot.lon,
        stops=tuple(stops),
        breaks=round_.breaks,
        legs=tuple(Polyline(leg.lat, leg.lon) for leg in round_.legs),
        streets=tuple(streets),
        distance_m=round_.distance_m,
        start_s=round_.start_s,
        end_s=round_.end_s,
        peak_load_g=round_.peak_load_g,
        trips=round_.trips,
        colour=colour,
        demo=demo,
    )


def day_manifests(
    graph: BikeGraph,
    day: DayPlan,
    *,
    parcels: Mapping[str, StopParcels],
    service_date: date | None,
    demo: bool = False,
) -> list[ManifestData]:
    """One manifest per round of ``day``, each named by its bike and coloured as on the HTML map.

    Raises
    ------
    ValueError
        ``parcels``: a planned stop has no entry.
    """
    manifests = []
    for k, round_ in enumerate(day.rounds):
        lat = [day.depot.lat, *(p for leg in round_.legs for p in leg.lat)]
        lon = [day.depot.lon, *(p for leg in round_.legs for p in leg.lon)]
        manifests.append(
            manifest_data_from_round(
                round_,
                depot=day.depot,
                round_ref=round_.bike_id,
                service_date=service_date,
                parcels=parcels,
                streets=streets_near(graph, lat, lon, aspect=MAP_ASPECT),
                colour=PALETTE[k % len(PALETTE)],
                demo=demo,
            )
        )
    return manifests
