"""A new order's rows on PostgreSQL: every table in one statement.

:func:`depot.order_rows.write_order` writes the customer, address, order, windows, pickups,
lines, parcels and their history with one INSERT per table on any database. On PostgreSQL the
same rows go in with one statement (data-modifying ``WITH`` queries chained by their
``RETURNING``): the intake load run spent as much CPU on each statement's round trip (in the
server and in the API's thread) as on the rows themselves. Parcels and events get their ids in
the order given (``ORDER BY`` the position), as the one-statement-per-table way gives them. The
statement goes straight through psycopg (:mod:`depot.pg_raw`): through SQLAlchemy, processing
its ~35 parameters cost more than the driver's whole work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from depot import pg_raw

_ONE_STATEMENT = """
WITH c AS (
    INSERT INTO customers (name, phone, email, created_at)
    VALUES (%(c_name)s, %(c_phone)s, %(c_email)s, %(now)s)
    RETURNING id
), a AS (
    INSERT INTO customer_addresses (customer_id, street, housenumber, postcode, city, lat, lon,
                                    matched_address, geocode_score, created_at)
    SELECT c.id, %(street)s, %(housenumber)s, %(postcode)s, %(city)s, %(lat)s, %(lon)s,
           %(matched_address)s, %(geocode_score)s, %(now)s
    FROM c
    RETURNING id, customer_id
), o AS (
    INSERT INTO orders (source, external_id, customer_id, address_id, delivery_date, status,
                        attention_reason, created_by_user_id, created_at, updated_at)
    SELECT %(source)s, %(external_id)s, a.customer_id, a.id, %(delivery_date)s, %(status)s,
           %(attention_reason)s, %(user_id)s, %(now)s, %(now)s
    FROM a
    RETURNING id
), w AS (
    INSERT INTO order_windows (order_id, start_s, end_s)
    SELECT o.id, t.start_s, t.end_s
    FROM o, unnest(CAST(%(w_start)s AS integer[]), CAST(%(w_end)s AS integer[]))
            AS t(start_s, end_s)
), pk AS (
    INSERT INTO pickups (shop_id, order_id, pickup_date, ready_from_s, ready_until_s,
                         parcel_count, purpose, status, created_by_user_id, created_at)
    SELECT t.shop_id, o.id, %(delivery_date)s, t.ready_from_s, t.ready_until_s, t.parcel_count,
           %(pickup_purpose)s, %(pickup_status)s, %(user_id)s, %(now)s
    FROM o, unnest(CAST(%(pk_shop)s AS integer[]), CAST(%(pk_from)s AS integer[]),
                   CAST(%(pk_until)s AS integer[]), CAST(%(pk_count)s AS integer[]))
            WITH ORDINALITY AS t(shop_id, ready_from_s, ready_until_s, parcel_count, n)
    ORDER BY t.n
    RETURNING id, shop_id
), l AS (
    INSERT INTO order_lines (order_id, shop_id, handover, pickup_id)
    SELECT o.id, t.shop_id, t.handover, pk.id
    FROM o CROSS JOIN unnest(CAST(%(l_shop)s AS integer[]), CAST(%(l_handover)s AS text[]))
                      WITH ORDINALITY AS t(shop_id, handover, n)
    LEFT JOIN pk ON pk.shop_id = t.shop_id
    ORDER BY t.n
    RETURNING id, shop_id, pickup_id
), p AS (
    INSERT INTO parcels (order_id, order_line_id, pickup_id, shop_id, weight_g, volume_ml,
                         label_code, tracking_token, status, created_at, updated_at)
    SELECT o.id, l.id, l.pickup_id, t.shop_id, t.weight_g, t.volume_ml, t.label_code,
           t.tracking_token, %(parcel_status)s, %(now)s, %(now)s
    FROM o CROSS JOIN unnest(CAST(%(p_shop)s AS integer[]), CAST(%(p_weight)s AS integer[]),
                             CAST(%(p_volume)s AS integer[]), CAST(%(p_label)s AS text[]),
                             CAST(%(p_token)s AS text[]))
                      WITH ORDINALITY AS t(shop_id, weight_g, volume_ml, label_code,
                                           tracking_token, n)
    JOIN l ON l.shop_id = t.shop_id
    ORDER BY t.n
    RETURNING id, label_code
), e AS (
    INSERT INTO parcel_events (parcel_id, status, at, actor, reason)
    SELECT p.id, h.status, %(now)s, %(actor)s, h.reason
    FROM p CROSS JOIN unnest(CAST(%(h_status)s AS text[]), CAST(%(h_reason)s AS text[]))
                      WITH ORDINALITY AS h(status, reason, n)
    ORDER BY p.id, h.n
)
SELECT 'order' AS kind, o.id, NULL AS code FROM o
UNION ALL SELECT 'pickup', pk.id, CAST(pk.shop_id AS text) FROM pk
UNION ALL SELECT 'parcel', p.id, p.label_code FROM p
"""


@dataclass(frozen=True)
class OrderIds:
    """The ids one statement gave a new order's rows."""

    order_id: int
    pickup_by_shop: dict[int, int]
    parcel_by_label: dict[str, int]


def insert_order_rows(
    conn: Connection,
    *,
    order: dict[str, Any],
    customer: dict[str, Any],
    address: dict[str, Any],
    windows_s: list[tuple[int, int]],
    pickups: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    parcels: list[dict[str, Any]],
    history: list[tuple[str, str]],
    actor: str,
    now: datetime,
) -> OrderIds:
    """Insert an order and everything under it in one statement (PostgreSQL only).

    Parameters
    ----------
    conn : Connection
        On PostgreSQL, in the caller's transaction (not committed here).
    order : dict
        ``source``, ``external_id``, ``delivery_date``, ``status``, ``attention_reason``,
        ``user_id`` (enum values as strings).
    customer, address : dict
        The customer's ``name``/``phone``/``email``; the address's fields, ``lat``/``lon``
        (degrees) and ``geocode_score``.
    windows_s : list of (int, int)
        Delivery windows, seconds after midnight.
    pickups : list of dict
        Per pickup line: ``shop_id``, ``ready_from_s``, ``ready_until_s``, ``parcel_count``,
        ``purpose``, ``status``.
    lines : list of dict
        Per line: ``shop_id``, ``handover``; a line is tied to its shop's pickup (one line per
        shop).
    parcels : list of dict
        Per parcel: ``shop_id`` (its line's), ``weight_g``, ``volume_ml``, ``label_code``,
        ``tracking_token``, ``status``.
    history : list of (str, str)
        Each parcel's statuses now and their reasons.
    actor : str
    now : datetime
        Timezone-aware; the time of every row.

    Returns
    -------
    OrderIds

    Raises
    ------
    sqlalchemy.exc.IntegrityError
        As the separate statements would (e.g. the order's ``external_id`` is taken).
    """
    delivery_date: date = order["delivery_date"]
    params: dict[str, Any] = {
        "now": now,
        "c_name": customer["name"],
        "c_phone": customer["phone"],
        "c_email": customer["email"],
        **{key: address[key] for key in ("street", "housenumber", "postcode", "city")},
        "lat": address["lat"],
        "lon": address["lon"],
        "matched_address": address["matched_address"],
        "geocode_score": address["geocode_score"],
        "source": order["source"],
        "external_id": order["external_id"],
        "delivery_date": delivery_date,
        "status": order["status"],
        "attention_reason": order["attention_reason"],
        "user_id": order["user_id"],
        "w_start": [start for start, _end in windows_s],
        "w_end": [end for _start, end in windows_s],
        "pk_shop": [p["shop_id"] for p in pickups],
        "pk_from": [p["ready_from_s"] for p in pickups],
        "pk_until": [p["ready_until_s"] for p in pickups],
        "pk_count": [p["parcel_count"] for p in pickups],
        "pickup_purpose": pickups[0]["purpose"] if pickups else None,
        "pickup_status": pickups[0]["status"] if pickups else None,
        "l_shop": [line["shop_id"] for line in lines],
        "l_handover": [line["handover"] for line in lines],
        "p_shop": [p["shop_id"] for p in parcels],
        "p_weight": [p["weight_g"] for p in parcels],
        "p_volume": [p["volume_ml"] for p in parcels],
        "p_label": [p["label_code"] for p in parcels],
        "p_token": [p["tracking_token"] for p in parcels],
        "parcel_status": parcels[0]["status"] if parcels else None,
        "h_status": [status for status, _reason in history],
        "h_reason": [reason for _status, reason in history],
        "actor": actor,
    }
    order_id = 0
    pickup_by_shop: dict[int, int] = {}
    parcel_by_label: dict[str, int] = {}
    for kind, row_id, code in pg_raw.execute(conn, _ONE_STATEMENT, params):
        if kind == "order":
            order_id = row_id
        elif kind == "pickup":
            pickup_by_shop[int(code)] = row_id
        else:
            parcel_by_label[code] = row_id
    return OrderIds(order_id, pickup_by_shop, parcel_by_label)
