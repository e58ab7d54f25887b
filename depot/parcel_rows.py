"""New labelled parcels: their rows, their status history and their receipts.

Shared by an order's lines (:mod:`depot.order_rows`) and a shop's booking of parcels to be
stored at the depot (:func:`depot.intake.book_pickup`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert

from depot.contracts import ParcelIn
from depot.orders import parcel_dict
from depot.shops import ShopRef
from depot.tracking import new_label_code, new_tracking_token
from models import Parcel, ParcelEvent, ParcelStatus

#: A line's parcel specs, its shop, and the ids the parcels belong to (``order_id``,
#: ``order_line_id``, ``pickup_id``).
ParcelGroup = tuple[list[ParcelIn], ShopRef, dict[str, int | None]]

_PARCELS = cast(Table, Parcel.__table__)
_INSERT_PARCELS = insert(_PARCELS).returning(_PARCELS.c.id, sort_by_parameter_order=True)
_INSERT_EVENTS = insert(cast(Table, ParcelEvent.__table__))


def write_parcels(
    conn: Connection,
    specs: list[ParcelIn],
    *,
    shop: ShopRef,
    links: dict[str, int | None],
    history: list[tuple[ParcelStatus, str]],
    actor: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Insert ``count`` labelled parcels per spec with their status history; their receipts.

    Parameters
    ----------
    conn : Connection
        In the caller's transaction (not committed here).
    specs : list of ParcelIn
    shop : ShopRef
    links : dict
        ``order_id``, ``order_line_id``, ``pickup_id`` (each may be ``None``).
    history : list of (ParcelStatus, str)
        The statuses the parcels go through now, with the reason of each; the last is theirs.
    actor : str
        Who is named in the history.
    now : datetime
        Timezone-aware; the time of every row.
    """
    return write_parcel_groups(conn, [(specs, shop, links)], history=history, actor=actor, now=now)[
        0
    ]


def write_parcel_groups(
    conn: Connection,
    groups: list[ParcelGroup],
    *,
    history: list[tuple[ParcelStatus, str]],
    actor: str,
    now: datetime,
) -> list[list[dict[str, Any]]]:
    """:func:`write_parcels` for several groups (an order's lines) in one statement per table;
    the receipts per group, in the order given."""
    status = history[-1][0]
    rows, owners = parcel_rows(groups, status=status, now=now)
    ids = list(conn.execute(_INSERT_PARCELS, rows).scalars())
    conn.execute(
        _INSERT_EVENTS,
        [
            {"parcel_id": parcel_id, "status": event, "at": now, "actor": actor, "reason": reason}
            for parcel_id in ids
            for event, reason in history
        ],
    )
    return parcel_receipts(groups, owners, ids, rows, status)


def parcel_rows(
    groups: list[ParcelGroup], *, status: ParcelStatus, now: datetime
) -> tuple[list[dict[str, Any]], list[int]]:
    """One row per parcel (``count`` per spec), newly labelled; and each row's group number."""
    rows: list[dict[str, Any]] = []
    owners: list[int] = []
    for number, (specs, shop, links) in enumerate(groups):
        for spec in specs:
            for _ in range(spec.count):
                owners.append(number)
                rows.append(
                    {
                        "order_id": links.get("order_id"),
                        "order_line_id": links.get("order_line_id"),
                        "pickup_id": links.get("pickup_id"),
                        "shop_id": shop.id,
                        "weight_g": spec.weight_g,
                        "volume_ml": spec.volume_ml,
                        "label_code": new_label_code(),
                        "tracking_token": new_tracking_token(),
                        "status": status,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
    return rows, owners


def parcel_receipts(
    groups: list[ParcelGroup],
    owners: list[int],
    ids: list[int],
    rows: list[dict[str, Any]],
    status: ParcelStatus,
) -> list[list[dict[str, Any]]]:
    """Each parcel's receipt, per group, from its row and the id it was given."""
    receipts: list[list[dict[str, Any]]] = [[] for _ in groups]
    for number, parcel_id, row in zip(owners, ids, rows, strict=True):
        receipts[number].append(
            parcel_dict(
                parcel_id=parcel_id,
                shop=groups[number][1].ref,
                label_code=row["label_code"],
                tracking_token=row["tracking_token"],
                weight_g=row["weight_g"],
                volume_ml=row["volume_ml"],
                status=status,
            )
        )
    return receipts
