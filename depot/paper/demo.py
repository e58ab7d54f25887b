"""Parcels for the demo day (:mod:`depot.demo_day`), which has stops but no parcels in a database.

Every stop's parcels get made-up label codes from the stop id (``DEMO-D017-2`` is parcel 2 of
stop D017); a shop pickup carries the parcels of the customer it is paired with, so a parcel has
one code from the shop to the door. Slips and manifests made from them say "DEMO" on them, and
their tracking links (``/track/demo-…``) lead to no parcel.
"""

from __future__ import annotations

from datetime import date

from depot.day import DayRequest, ParcelStop
from depot.paper.from_plan import Placement, StopParcels, windows_text
from depot.paper.slips import SlipData, tracking_url

DEMO_CUSTOMER = "Demo customer"
DEMO_SHOP = "Demo webshop"


def demo_codes(stop: ParcelStop) -> tuple[str, ...]:
    """The made-up label codes of a delivery stop's parcels."""
    return tuple(f"DEMO-{stop.id}-{i}" for i in range(1, stop.parcels + 1))


def _split_weight(weight_g: int, parcels: int) -> list[int]:
    """``weight_g`` over ``parcels`` parcels, the first ones taking the remainder."""
    share, rest = divmod(weight_g, parcels)
    return [share + (1 if i < rest else 0) for i in range(parcels)]


def _shop_name(stop: ParcelStop) -> str:
    """A pickup's shop name (its place label is ``"name, address"``)."""
    return stop.place.label.split(", ")[0]


def demo_stop_parcels(request: DayRequest) -> dict[str, StopParcels]:
    """Who and which parcels at every stop of the demo day, by stop id."""
    by_id = {s.id: s for s in request.stops}
    handed: dict[str, StopParcels] = {}
    for stop in request.stops:
        if stop.kind == "pickup":
            customer = by_id[stop.pair_with] if stop.pair_with else stop
            handed[stop.id] = StopParcels(
                customer=_shop_name(stop),
                parcel_codes=demo_codes(customer),
                weight_g=stop.weight_g,
                notes=f"for {customer.id}" if stop.pair_with else "",
            )
        else:
            handed[stop.id] = StopParcels(
                customer=DEMO_CUSTOMER,
                parcel_codes=demo_codes(stop),
                weight_g=stop.weight_g,
                notes=f"from {stop.pair_with}" if stop.pair_with else "",
            )
    return handed


def demo_slips(
    request: DayRequest,
    placed: dict[str, Placement],
    *,
    public_url: str,
    service_date: date | None = None,
) -> list[SlipData]:
    """One slip per parcel delivered on the demo day, in stop-id order.

    Parameters
    ----------
    request : DayRequest
        The demo day.
    placed : dict of stop id to Placement
        Planned delivery stops (:func:`depot.paper.from_plan.placements`); the others print
        "not planned yet".
    public_url : str
        Base of the (demo) tracking links.
    service_date : date, optional
    """
    by_id = {s.id: s for s in request.stops}
    slips = []
    for stop in sorted(request.stops, key=lambda s: s.id):
        if stop.kind != "delivery":
            continue
        shop = _shop_name(by_id[stop.pair_with]) if stop.pair_with else DEMO_SHOP
        place = placed.get(stop.id)
        weights = _split_weight(stop.weight_g, stop.parcels)
        for index, (code, weight_g) in enumerate(zip(demo_codes(stop), weights, strict=True), 1):
            slips.append(
                SlipData(
                    label_code=code,
                    tracking_url=tracking_url(public_url, code.lower()),
                    shop_name=shop,
                    customer_name=DEMO_CUSTOMER,
                    address_lines=tuple(stop.place.label.split(", ")),
                    window_text=windows_text(stop.windows),
                    delivery_date=service_date,
                    round_ref=place.round_ref if place else None,
                    stop_number=place.stop_number if place else None,
                    index=index,
                    count=stop.parcels,
                    weight_g=weight_g,
                    demo=True,
                )
            )
    return slips
