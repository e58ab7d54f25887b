"""Settings for every Bakfiets entry point (CLI, API, worker).

Only entry points build a :class:`Settings`; everything below them receives plain values.
Every field can be set from the environment with the ``BAKFIETS_`` prefix, e.g.
``BAKFIETS_BIKE_PROFILE=e_assist``. The defaults need nothing installed: a SQLite file under
``var/`` and jobs run in-process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration, read from ``BAKFIETS_*`` environment variables and ``.env``."""

    model_config = SettingsConfigDict(env_prefix="BAKFIETS_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(Path("var"), description="Where caches and the embedded database live.")
    osm_file: Path | None = Field(None, description="Default OSM extract for CLI commands.")
    bike_profile: Literal["pedal", "e_assist"] = "pedal"
    speed_kph: dict[str, float] = Field(
        default_factory=dict,
        description="Per-class speed overrides in km/h, e.g. "
        "BAKFIETS_SPEED_KPH='{\"cycleway\": 18}' (classes: maps.profiles.SPEED_CLASSES).",
    )
    pedestrian_zones: Literal["walk", "ride", "exclude"] = Field(
        "walk",
        description="Pedestrian streets where bicycles are not signed as allowed: pushed at "
        "walking pace ('walk'), ridden ('ride', for towns with delivery hours) or left out.",
    )
    snap_limit_m: float = Field(250.0, gt=0, description="Farthest a stop may lie from a way.")
    database_url: str = ""
    database_pool_size: int = Field(
        20,
        ge=1,
        le=200,
        description="Connections each API process keeps open (PostgreSQL); requests beyond them "
        "wait for one rather than open and close a connection of their own.",
    )
    broker_url: str = Field("", description="Celery broker; empty runs jobs in-process.")
    plan_part_stops: int = Field(
        1000,
        ge=2,
        description="A day of more than 1.25 times this many stops is planned in parts, one "
        "job each (planner.zones.parts_needed).",
    )
    plan_processes: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes one plan (or one part) searches with; 0: one per core. A worker "
        "runs one plan at a time per machine (docker-compose.yml: --concurrency=1).",
    )
    timezone: str = Field(
        "Europe/Copenhagen", description="The depot's time zone: delivery dates and windows."
    )
    max_body_bytes: int = Field(1_048_576, gt=0, description="Largest API request body.")
    token_cache_s: float = Field(
        5.0,
        ge=0,
        le=60,
        description="How long an API process trusts a token it looked up (0: every request); "
        "a revoked token is refused at the latest this long after.",
    )
    public_url: str = Field(
        "http://localhost:8000",
        description="Where customers reach Bakfiets: tracking links printed as QR codes on the "
        "pickup slips are PUBLIC_URL/track/TOKEN.",
    )
    geocoder: Literal["offline", "nominatim"] = "offline"
    nominatim_user_agent: str = "bakfiets"
    # Webshop webhooks (depot.webshop): shared secrets, and which shop a line item comes from.
    shopify_webhook_secret: SecretStr = Field(
        SecretStr(""), description="Shopify app secret (X-Shopify-Hmac-Sha256); empty refuses all."
    )
    woocommerce_webhook_secret: SecretStr = Field(
        SecretStr(""), description="WooCommerce webhook secret (X-WC-Webhook-Signature)."
    )
    webshop_vendor_shops: dict[str, str] = Field(
        default_factory=dict,
        description="Vendor name to shop ref, e.g. BAKFIETS_WEBSHOP_VENDOR_SHOPS="
        '\'{"Nørrebro Boghandel": "S001"}\'.',
    )
    webshop_sku_prefix_shops: dict[str, str] = Field(
        default_factory=dict,
        description="SKU prefix to shop ref (longest prefix wins, before the vendor), "
        'e.g. \'{"NB-": "S001"}\'.',
    )
    webshop_date_order: Literal["dmy", "mdy"] = Field(
        "dmy",
        description="How the webshop writes numeric delivery dates: 24/11/2026 or 11/24/2026.",
    )
    webshop_parcel_volume_ml: int = Field(5_000, gt=0, description="Volume of a webshop parcel.")
    webshop_parcel_max_weight_g: int = Field(
        20_000, gt=0, description="A shop's goods heavier than this go in several parcels."
    )
    webshop_item_weight_g: int = Field(
        1_000, gt=0, description="Weight assumed for an item the webshop sends no weight for."
    )
    woocommerce_weight_unit: Literal["kg", "g", "lbs", "oz"] = "kg"
    # Delivery slots at checkout (depot.slots).
    slot_windows: str = Field(
        "09:00-11:00, 11:00-13:00, 13:00-15:00, 15:00-17:00",
        description="The delivery windows offered at checkout, local time, written as a "
        "delivery-date app writes them (depot.webshop.slots.parse_time_slot).",
    )
    slot_hold_s: int = Field(
        600, ge=30, le=3600, description="How long a held delivery slot stays held, seconds."
    )

    @field_validator("slot_windows")
    @classmethod
    def _slot_windows(cls, value: str) -> str:
        from depot.webshop.errors import PayloadError
        from depot.webshop.slots import parse_time_slot

        try:
            parse_time_slot(value, field="BAKFIETS_SLOT_WINDOWS")
        except PayloadError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'bakfiets.db'}"
        if self.environment == "production":
            if self.database_url.startswith("sqlite"):
                raise ValueError("BAKFIETS_DATABASE_URL: production needs PostgreSQL, not SQLite")
            if not self.broker_url:
                raise ValueError("BAKFIETS_BROKER_URL: production needs a Redis broker")
            if not self.public_url.startswith("https://"):
                raise ValueError(
                    "BAKFIETS_PUBLIC_URL: production needs the https:// address customers reach "
                    "(it is printed on every label)"
                )
        return self

    @property
    def cache_dir(self) -> Path:
        """Directory for built graphs and geocoder indexes."""
        return self.data_dir / "cache"
