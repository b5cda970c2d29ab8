"""The one settings class. Every variable is documented in README.md (a test checks that)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAYPOINT_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL URL. Unset: an embedded PostgreSQL is started with data under WAYPOINT_DATA_DIR.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".data", description="Embedded PostgreSQL data and local state."
    )
    log_level: str = Field(default="INFO", description="Log level for every process.")
    log_format: str = Field(default="console", description="`console` for people, `json` for log shippers.")

    app_port: int = Field(default=8501, description="Port of the Streamlit app.")
    sim_port: int = Field(default=8100, description="Port of the simulated source systems' HTTP APIs.")
    sim_smtp_port: int = Field(
        default=8125,
        ge=1,
        le=65535,
        description="Port of the simulated customers' mail server: `waypoint run` sends customer emails there "
        "when WAYPOINT_SMTP_HOST is unset.",
    )

    sim_seed: int = Field(
        default=7, description="Random seed of the simulated world; same seed, same history."
    )
    sim_days: int = Field(default=60, description="Days of history seeded on the first run.")
    sim_orders_per_month: int = Field(default=120_000, description="Order volume of the simulated retailer.")
    sim_speed: float = Field(default=1.0, description="Live simulator clock rate (1 = real time).")
    sim_webhook_url: str | None = Field(
        default=None,
        description="Base URL the simulated carriers POST their webhooks to (`<url>/webhooks/<carrier_id>`). "
        "Unset: the live simulator sends no webhooks and carriers are only polled.",
    )
    webhook_signing_secret: str | None = Field(
        default=None,
        description="Shared secret of the carrier webhooks: the simulated carriers sign with it (HMAC-SHA256) "
        "and Waypoint verifies with it. Unset: webhooks are sent unsigned.",
    )
    sim_store_api_token: str | None = Field(
        default=None,
        description="Bearer token the simulated store allocation tool API requires. Unset: no token needed.",
    )

    drain_batch_size: int = Field(
        default=100, description="Inbox payloads a worker claims and loads in one transaction, at most."
    )
    drain_batch_bytes: int = Field(
        default=1_000_000,
        description="Payload bytes per drain transaction, at most (one payload always fits): keeps a webhook "
        "from waiting behind a batch of large polled pages.",
    )

    wms_database_urls: dict[str, str] = Field(
        default={},
        description='WMS database URL per DC (JSON object, e.g. {"DC-RNO": "postgresql://…"}). A DC not '
        "listed is read from the simulator's WMS database beside the main one.",
    )
    store_api_base_url: str = Field(
        default="http://localhost:8100", description="Base URL of the store allocation tool's API."
    )
    helpdesk_api_base_url: str = Field(
        default="http://localhost:8100",
        description="Base URL of the helpdesk's API (before /helpdesk/api/v2).",
    )
    source_http_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one HTTP request to a polled source (connect and read)."
    )
    source_retry_attempts: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Attempts per HTTP request to a polled source; timeouts, connection errors, 5xx and 429 "
        "are retried with exponential backoff and jitter (a 429's Retry-After is respected).",
    )
    source_breaker_failures: int = Field(
        default=3,
        ge=1,
        description="Failed polls in a row (after retries) that open a source's circuit breaker.",
    )
    source_breaker_cooldown_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long an open breaker skips its source before one trial request (half-open).",
    )

    api_port: int = Field(
        default=8000, description="Port of the API service (carrier webhooks, /metrics, /healthz)."
    )
    carrier_api_base_url: str = Field(
        default="http://localhost:8100",
        description="Base URL of the carriers' tracking APIs that carrier polling asks (the simulator's port by "
        "default; each carrier's paths hang below it).",
    )
    carrier_poll_stale_minutes: int = Field(
        default=240,
        description="A labelled, undelivered shipment with no carrier scan for this long is polled at its carrier.",
    )
    carrier_poll_batch: int = Field(
        default=200, description="Stale shipments one carrier-polling run asks about, oldest first."
    )

    wms_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often a worker reads each DC's change log."
    )
    store_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often a worker polls the store tool."
    )
    helpdesk_poll_seconds: float = Field(
        default=30.0, gt=0, description="How often a worker polls the helpdesk."
    )
    carrier_poll_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often a worker looks for stale shipments to poll at their carriers.",
    )

    demo_password: str | None = Field(
        default=None,
        description="Password of the seeded demo users. Unset: a random one is generated on the first seed "
        "and kept in WAYPOINT_DATA_DIR/demo_sign_ins.txt.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server customer emails are sent through. Unset: emails wait in the outbox (and expire "
        "after WAYPOINT_NOTIFY_MAX_AGE_HOURS).",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="starttls",
        description="`starttls` (upgrade a plain connection), `ssl` (TLS from the start, usually port 465) or "
        "`none` (a local relay or test server only).",
    )
    smtp_user: str | None = Field(default=None, description="SMTP user name; unset: no authentication.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    notify_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Timeout of one send: an SMTP conversation or an SMS provider request.",
    )
    notify_from_email: str = Field(
        default="Waypoint <no-reply@waypoint.example>", description="From address of customer emails."
    )
    sms_provider_url: str | None = Field(
        default=None,
        description="Base URL of the SMS provider's HTTP API (messages are POSTed to `<url>/messages`). Unset: "
        "text messages wait in the outbox.",
    )
    sms_api_key: SecretStr | None = Field(default=None, description="Bearer token of the SMS provider's API.")
    sms_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret the SMS provider signs its delivery receipts with (HMAC-SHA256 of the body in "
        "`X-SMS-Signature: sha256=<hex>`, POSTed to `/webhooks/notifications/sms`). Unset: receipts are "
        "accepted unsigned.",
    )
    notify_quiet_hours: str = Field(
        default="21:00-08:00",
        pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="Customer messages are not sent between these local times in the customer's (destination) "
        "time zone, e.g. `21:00-08:00`; empty: no quiet hours.",
    )
    notify_max_attempts: int = Field(
        default=6,
        ge=1,
        description="Send runs per message before it is marked failed; each run retries a few times itself, and "
        "runs are spaced with exponential backoff.",
    )
    notify_max_age_hours: float = Field(
        default=48.0,
        gt=0,
        description="A message not sent within this many hours of its cause is expired, not sent late.",
    )
    action_token_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs the links in customer messages (address confirmation). Unset: a random "
        "one is generated once and kept in WAYPOINT_DATA_DIR/action_token_secret.",
    )
    address_confirmation_ttl_hours: float = Field(
        default=72.0, gt=0, description="How long an address-confirmation link stays valid."
    )
    public_base_url: str = Field(
        default="http://localhost:8000",
        description="Base URL customers reach Waypoint's API at; links in customer messages point below it.",
    )
    tracking_token_ttl_days: float = Field(
        default=60.0, gt=0, description="How long a tracking link (`/v1/tracking/t/<token>`) stays valid."
    )
    api_rate_limit_per_minute: int = Field(
        default=60,
        ge=1,
        description="Customer API requests (tracking, address confirmation) one client may make per minute, "
        "sustained; over it the API answers 429 with Retry-After. Counted per API process.",
    )
    api_rate_limit_burst: int = Field(
        default=20,
        ge=1,
        description="Requests one client may make at once before the per-minute rate applies.",
    )
    api_trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client of the rate limit from the last X-Forwarded-For entry (set only behind a "
        "proxy that appends it); otherwise the peer address of the connection.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process."""
    return Settings()
