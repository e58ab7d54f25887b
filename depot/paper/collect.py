"""The parcels of a day (or of one shop that day) read from the database, as slips to print.

Which parcels: those of the orders delivered on the day (cancelled orders left out), and the
parcels a shop hands over that day for storage at the depot (no order yet). "2 of 3" counts the
order's parcels from every shop, so the courier can check the whole stop; a storage parcel
counts among its pickup's parcels. The round and stop printed are those of the parcel's
delivery in the day's current plans (:func:`plan_placements`); a parcel whose delivery is in no
round prints "not planned yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from depot.errors import NotFoundError
from depot.paper.from_plan import Placement, windows_text
from depot.paper.slips import SlipData, tracking_url
from depot.rounds import current_rounds
from depot.users import system_caller
from models import (
    CustomerAddress,
    Order,
    OrderStatus,
    Parcel,
    Pickup,
    PickupPurpose,
    Role,
    Shop,
)

STORAGE = "Depot storage"


def address_lines(address: CustomerAddress) -> tuple[str, ...]:
    """``("Amaliegade 13C", "1256 København K")``; the matched address or the position when
    the address was given as coordinates only."""
    street = f"{address.street} {address.housenumber}".strip()
    place = f"{address.postcode} {address.city}".strip()
    lines = tuple(line for line in (street, place) if line)
    if lines:
        return lines
    if address.matched_address:
        return (address.matched_address,)
    return (f"{address.lat:.5f}, {address.lon:.5f}",)


def plan_placements(*, session: Session, day: date) -> dict[int, Placement]:
    """Each parcel delivered in a round of ``day``'s current plans: the round and stop number.

    Rounds are named by their vehicle (the bike's ref); stop numbers count the round's calls,
    reloads left out, as the manifests and the courier's app do. Pickups are not placements:
    the slip tells where the parcel is delivered.

    Parameters
    ----------
    session : Session
    day : date

    Returns
    -------
    dict of parcel id to Placement
    """
    placed: dict[int, Placement] = {}
    for round_ in current_rounds(
        session=session, plan_date=day, caller=system_caller("slips", Role.ADMIN)
    ):
        calls = [stop for stop in round_.stops if stop.kind != "reload"]
        for number, stop in enumerate(calls, start=1):
            if stop.kind == "delivery":
                for parcel in stop.parcels:
                    placed[parcel.id] = Placement(round_.vehicle_ref, number)
    return placed


def _shop(session: Session, shop_ref: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.ref == shop_ref))
    if shop is None:
        raise NotFoundError("shop", f"no shop has the ref {shop_ref!r}")
    return shop


def collect_slips(
    *,
    session: Session,
    day: date,
    public_url: str,
    shop_ref: str | None = None,
    placements: Mapping[int, Placement] | None = None,
) -> list[SlipData]:
    """One slip per parcel of ``day`` (of one shop when ``shop_ref`` is given).

    Parameters
    ----------
    session : Session
    day : date
        Delivery date (storage parcels: pickup date).
    public_url : str
        Base of the tracking links (``Settings.public_url``).
    shop_ref : str, optional
        Only this shop's parcels.
    placements : mapping of parcel id to Placement, optional
        Round and stop of each planned parcel (:func:`plan_placements`); the others print
        "not planned yet".

    Returns
    -------
    list of SlipData
        Ordered by shop, then delivery order, then parcel.

    Raises
    ------
    NotFoundError
        ``shop``: no shop has this ref.
    """
    placed = placements or {}
    shop = _shop(session, shop_ref) if shop_ref is not None else None
    orders = session.scalars(
        select(Order)
        .where(Order.delivery_date == day, Order.status != OrderStatus.CANCELLED)
        .options(
            selectinload(Order.parcels).selectinload(Parcel.shop),
            selectinload(Order.customer),
            selectinload(Order.address),
            selectinload(Order.windows),
        )
        .order_by(Order.id)
    ).all()
    slips: list[tuple[str, int, SlipData]] = []
    for order in orders:
        parcels = list(order.parcels)
        for index, parcel in enumerate(parcels, start=1):
            if shop is not None and parcel.shop_id != shop.id:
                continue
            slips.append(
                (
                    parcel.shop.ref,
                    parcel.id,
                    _slip(
                        parcel,
                        customer=order.customer.name,
                        lines=address_lines(order.address),
                        window=windows_text([(w.start_s, w.end_s) for w in order.windows]),
                        day=day,
                        index=index,
                        count=len(parcels),
                        public_url=public_url,
                        placement=placed.get(parcel.id),
                    ),
                )
            )
    storage = session.scalars(
        select(Pickup)
        .where(
            Pickup.pickup_date == day,
            Pickup.purpose == PickupPurpose.DEPOT_STORAGE,
            Pickup.order_id.is_(None),
        )
        .options(selectinload(Pickup.parcels).selectinload(Parcel.shop))
        .order_by(Pickup.id)
    ).all()
    for pickup in storage:
        parcels = [p for p in pickup.parcels if p.order_id is None]
        for index, parcel in enumerate(parcels, start=1):
            if shop is not None and parcel.shop_id != shop.id:
                continue
            slip = _slip(
                parcel,
                customer=STORAGE,
                lines=("kept at the depot until an order comes",),
                window="no delivery booked",
                day=None,
                index=index,
                count=len(parcels),
                public_url=public_url,
                placement=placed.get(parcel.id),
            )
            slips.append((parcel.shop.ref, parcel.id, slip))
    slips.sort(key=lambda item: item[0])  # stable: by shop, orders and parcels as read
    return [slip for _ref, _id, slip in slips]


def _slip(
    parcel: Parcel,
    *,
    customer: str,
    lines: tuple[str, ...],
    window: str,
    day: date | None,
    index: int,
    count: int,
    public_url: str,
    placement: Placement | None,
) -> SlipData:
    return SlipData(
        label_code=parcel.label_code,
        tracking_url=tracking_url(public_url, parcel.tracking_token),
        shop_name=parcel.shop.name,
        customer_name=customer,
        address_lines=lines,
        window_text=window,
        delivery_date=day,
        round_ref=placement.round_ref if placement else None,
        stop_number=placement.stop_number if placement else None,
        index=index,
        count=count,
        weight_g=parcel.weight_g,
    )
