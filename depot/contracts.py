"""The intake contract: what an order, a shop, a pickup booking and a correction look like.

These Pydantic models validate what comes in (the API's JSON bodies, the webhook adapters and the
CSV import build the same models), so every source is held to the same rules. Times of day are
local clock times of the delivery date (``"10:00"``), windows are inclusive, weights in grams,
volumes in millilitres. Each error names its field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from models.enums import Handover

#: Heaviest single parcel a cargo bike takes, grams (most cargo-bike boxes carry 100-250 kg in all).
MAX_PARCEL_WEIGHT_G = 50_000
#: Largest single parcel, millilitres (a 500 l parcel fills most of a cargo box).
MAX_PARCEL_VOLUME_ML = 500_000
#: Identical parcels one line may describe with ``count``.
MAX_PARCEL_COUNT = 50
MAX_LINES = 20
MAX_WINDOWS = 6
#: How far ahead an order may be booked, days.
MAX_DAYS_AHEAD = 366

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?$")
_EXTERNAL_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
#: A slot hold's id as the checkout hands it on (:class:`models.SlotHold` ids are 32 hex digits).
SlotHoldId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[\x21-\x7e]{1,64}$")
]


def parse_clock(text: str) -> int:
    """Seconds after midnight of a local clock time ``"HH:MM"`` or ``"HH:MM:SS"`` (``"24:00"`` ends
    the day).

    Raises
    ------
    ValueError
        Not a clock time.
    """
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a clock time like '10:00'")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if total > 86_400:
        raise ValueError(f"{text!r} is after the end of the day (24:00)")
    return total


def format_clock(seconds: int) -> str:
    """``"HH:MM"`` for seconds after midnight (``"HH:MM:SS"`` unless whole minutes)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WindowIn(_Strict):
    """A time window of the day, inclusive: ``{"start": "10:00", "end": "12:00"}``."""

    start: str = Field(examples=["10:00"])
    end: str = Field(examples=["12:00"])

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        return format_clock(parse_clock(value))

    @field_validator("end")
    @classmethod
    def _end(cls, value: str, info: ValidationInfo) -> str:
        end = format_clock(parse_clock(value))
        start = info.data.get("start")
        if start is not None and parse_clock(end) < parse_clock(start):
            raise ValueError(f"the window ends ({end}) before it starts ({start})")
        return end

    @property
    def start_s(self) -> int:
        """Start, seconds after local midnight."""
        return parse_clock(self.start)

    @property
    def end_s(self) -> int:
        """End, seconds after local midnight (inclusive)."""
        return parse_clock(self.end)


class PickupWindowIn(WindowIn):
    """A shop's pickup window, on the given weekdays (0 = Monday ... 6 = Sunday; all by default)."""

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: list(range(7)), min_length=1, max_length=7
    )


class AddressIn(_Strict):
    """A delivery address: street form, or coordinates (``lat``/``lon``, WGS84 degrees)."""

    street: Annotated[str, StringConstraints(max_length=200)] | None = None
    housenumber: ShortText | None = None
    postcode: Annotated[str, StringConstraints(max_length=16)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        has_point = self.lat is not None or self.lon is not None
        has_text = any((self.street, self.housenumber, self.postcode, self.city))
        if has_point:
            if self.lat is None or self.lon is None:
                raise ValueError("give both lat and lon, or a street address")
            if has_text:
                raise ValueError("give either a street address or lat/lon, not both")
            return self
        if not self.street:
            raise ValueError("give street and housenumber (with postcode and city), or lat/lon")
        return self

    @property
    def is_point(self) -> bool:
        """Whether the address is given as coordinates."""
        return self.lat is not None

    def query(self) -> str:
        """The address as one line for the geocoder: ``"Nørregade 12, 1165 København K"``."""
        first = " ".join(part for part in (self.street, self.housenumber) if part)
        second = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (first, second) if part)


class CustomerIn(_Strict):
    """Who receives the order."""

    name: Text
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value or None


class ParcelIn(_Strict):
    """``count`` identical parcels (each gets its own label), grams and millilitres each."""

    weight_g: int = Field(gt=0, le=MAX_PARCEL_WEIGHT_G)
    volume_ml: int = Field(gt=0, le=MAX_PARCEL_VOLUME_ML)
    count: int = Field(1, ge=1, le=MAX_PARCEL_COUNT)


class LineIn(_Strict):
    """One shop's parcels in an order; ``handover`` is ``pickup`` (collected by bike, the
    default) or ``dropoff`` (the shop brings them to the depot)."""

    shop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    handover: Handover = Handover.PICKUP
    parcels: list[ParcelIn] = Field(min_length=1, max_length=100)


class OrderIn(_Strict):
    """An order as the webshop (or an adapter) sends it; see the README for an example."""

    external_id: str = Field(examples=["WS-1001"])
    delivery_date: date
    customer: CustomerIn
    address: AddressIn
    windows: list[WindowIn] = Field(min_length=1, max_length=MAX_WINDOWS)
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    slot_hold_id: SlotHoldId | None = Field(
        None,
        description="The id of a delivery slot held at checkout (`POST /api/v1/slots/holds`): "
        "the order uses the hold, so its stop keeps the room the hold took. The hold must be "
        "unexpired and unused (else 409), for the order's `delivery_date`, with one of the "
        "order's `windows` covering the held window and the address within 50 m of the held "
        "one (else 422); when refused, nothing of the order is stored. A repeat of the same "
        "order gets the first answer (the hold is not asked for again).",
        examples=["5f2b9c0e8d7a4c1b9e3f6a2d4c8b1e07"],
    )

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        if not _EXTERNAL_ID.match(value):
            raise ValueError("must be 1 to 128 printable ASCII characters without spaces")
        return value


class ShopIn(_Strict):
    """A shop to register; located by geocoding its address unless ``lat``/``lon`` are given."""

    ref: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"
        ),
    ] = Field(examples=["S001"])
    name: Text
    address: AddressIn
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    pickup_windows: list[PickupWindowIn] = Field(default_factory=list, max_length=28)

    @model_validator(mode="after")
    def _street_address(self) -> Self:
        if self.address.is_point:
            raise ValueError("address: a shop needs its street address (lat/lon may be added)")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class DeliverToIn(_Strict):
    """Where a booked pickup's parcels go: the customer, their address and delivery windows."""

    external_id: str | None = None
    delivery_date: date | None = None
    customer: CustomerIn
    address: AddressIn
    windows: list[WindowIn] = Field(min_length=1, max_length=MAX_WINDOWS)


class PickupIn(_Strict):
    """A shop books parcels for collection on ``date`` between ``ready_from`` and ``ready_until``
    (local clock times), for delivery to a customer (``deliver_to``) or for storage at the depot
    (``store_at_depot``). ``shop`` may be left out by a merchant (their own shop is meant)."""

    shop: str | None = None
    date: date
    ready_from: str = Field(examples=["10:00"])
    ready_until: str = Field(examples=["16:00"])
    parcels: list[ParcelIn] = Field(min_length=1, max_length=100)
    deliver_to: DeliverToIn | None = None
    store_at_depot: bool = False

    @field_validator("ready_from")
    @classmethod
    def _ready_from(cls, value: str) -> str:
        return format_clock(parse_clock(value))

    @field_validator("ready_until")
    @classmethod
    def _ready_until(cls, value: str, info: ValidationInfo) -> str:
        until = format_clock(parse_clock(value))
        start = info.data.get("ready_from")
        if start is not None and parse_clock(until) < parse_clock(start):
            raise ValueError(f"ready_until ({until}) is before ready_from ({start})")
        return until

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.deliver_to is None) == (not self.store_at_depot):
            raise ValueError("give either deliver_to (a customer) or store_at_depot: true")
        return self


class CorrectionIn(_Strict):
    """A depot worker's correction of an order that needs attention."""

    address: AddressIn | None = None
    delivery_date: date | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.address is None and self.delivery_date is None:
            raise ValueError("give the corrected address, delivery_date, or both")
        return self
