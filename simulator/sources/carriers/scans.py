"""What every simulated carrier shares: the scan table, the webhook outbox and the rendering steps around
a carrier's own format.

A carrier module (ups.py, fedex.py, …) describes only its vendor shape: its code table (JSON beside it),
the zone its times are written in, whether its format prints an offset, the per-scan object it stores
and polls, and the webhook body it pushes. `render_carrier` does the rest for all of them: picks the
rows of that carrier, reads the details, looks up the codes, writes down the times, and fills
`carrier.scan` and `carrier.webhook_outbox`.

Webhook timing: a webhook is due a few seconds after the scan becomes available. A scan the world
marks `out_of_order` is held until after the next scan of the same parcel was sent (or, when the next
scan is not in this batch, for 45-105 minutes), so the receiver really gets them in the wrong order.
The vendor format may build its webhook body around the already-encoded scan (`embed_json`).
A `duplicate_resend` record is a resent copy: same scan, the code table's resend wording, a new event id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import Field

from db.master_data import facilities
from simulator.sources.system import RenderedRows
from simulator.sources.truth_detail import LOCATION, field, with_detail
from simulator.sources.vendor_codes import CodeEntry, attach_codes, code_frame, load_code_table
from simulator.sources.wall_clock import record_hash, stamp

CARRIER_EVENT_TYPES = (
    "CARRIER_PICKUP",
    "IN_TRANSIT",
    "ARRIVED_AT_HUB",
    "DEPARTED_HUB",
    "OUT_FOR_DELIVERY",
    "DELIVERY_ATTEMPTED",
    "DELIVERY_DELAYED",
    "ADDRESS_ISSUE",
    "DELIVERY_EXCEPTION",
    "HELD_FOR_PICKUP",
    "RETURN_TO_SENDER",
    "LOST",
    "DELIVERED",
)

CARRIER_DETAIL = pl.Struct(
    {
        "location": LOCATION,
        "location_time_zone": pl.String,
        "destination_time_zone": pl.String,
        "reason": pl.String,
        "new_estimated_delivery": pl.String,
        "signed_by": pl.String,
    }
)

CARRIER_DDL = """
CREATE SCHEMA IF NOT EXISTS carrier;
CREATE TABLE IF NOT EXISTS carrier.scan (
    scan_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carrier_id text NOT NULL,
    tracking_number text NOT NULL,
    shipment_ref text,
    service_code text,
    vendor_ref text,
    scanned_at timestamptz NOT NULL,
    scan jsonb NOT NULL,
    facts jsonb,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS scan_tracking ON carrier.scan (carrier_id, tracking_number);
CREATE INDEX IF NOT EXISTS scan_vendor_ref ON carrier.scan (carrier_id, vendor_ref) WHERE vendor_ref IS NOT NULL;
COMMENT ON COLUMN carrier.scan.scan IS 'The per-scan object exactly as the carrier''s tracking API shows it';
COMMENT ON COLUMN carrier.scan.scanned_at IS 'The instant the carrier believes the scan happened; orders its API lists';
COMMENT ON COLUMN carrier.scan.facts IS 'Shipment-level facts this scan reveals (signed by, revised estimate)';
COMMENT ON COLUMN carrier.scan.available_at IS 'Simulator bookkeeping: when the scan became visible';
CREATE TABLE IF NOT EXISTS carrier.webhook_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carrier_id text NOT NULL,
    tracking_number text NOT NULL,
    body jsonb NOT NULL,
    due_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'expired')),
    last_error text,
    delivered_at timestamptz,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON carrier.webhook_outbox (due_at, id) WHERE status = 'pending';
"""

WEBHOOK_DELAY_SECONDS = (2, 28)
OUT_OF_ORDER_HOLD_MINUTES = (45, 60)


class CarrierCode(CodeEntry):
    resend_description: str = Field(min_length=1, description="Wording of a resent copy of the same scan")


@dataclass(frozen=True)
class WebhookSignature:
    """How a carrier signs a webhook: HMAC-SHA256 of the raw body, hex, in `header` after `prefix`."""

    header: str
    prefix: str


@dataclass(frozen=True)
class CarrierFormat:
    """One carrier's vendor format. Expressions run on the working frame described in `render_carrier`."""

    carrier_id: str
    codes: pl.DataFrame
    labelled: bool
    scan: Callable[[], pl.Expr]
    webhook: Callable[[], pl.Expr] | None = None
    signature: WebhookSignature | None = None
    # Headers every webhook of this carrier carries besides the signature; "{secret}" is replaced by the
    # signing secret (UPS Track Alert echoes the subscriber's credential instead of signing).
    webhook_headers: tuple[tuple[str, str], ...] = ()
    zone: Callable[[], pl.Expr] | None = None
    vendor_ref: Callable[[], pl.Expr] | None = None
    # Columns computed once before `scan` and `webhook`, for values both of them print.
    prepare: Callable[[], dict[str, pl.Expr]] | None = None
    # The webhook carries the parcel's whole scan history (`result.tracking_details`), filled when sent.
    webhook_carries_history: bool = False


def load_carrier_codes(
    path: Path, entry_model: type[CarrierCode], *, vendor_key: tuple[str, ...]
) -> pl.DataFrame:
    entries = load_code_table(path, entry_model, vendor_key=vendor_key, event_types=CARRIER_EVENT_TYPES)
    return code_frame(entries)


def location_zone() -> pl.Expr:
    """The scan location's zone; without one, the origin facility's."""
    origin_zone = pl.col("facility_id").replace_strict(
        {item.facility_id: item.time_zone for item in facilities()}, default=None, return_dtype=pl.String
    )
    return pl.coalesce(field("location_time_zone"), origin_zone)


def wording() -> pl.Expr:
    """The scan's description: the resend wording on a resent duplicate."""
    return (
        pl.when(pl.col("anomaly") == "duplicate_resend")
        .then(pl.col("resend_description"))
        .otherwise(pl.col("description"))
    )


def event_id(prefix: str) -> pl.Expr:
    """A vendor event id derived from the record, so a resent duplicate gets an id of its own."""
    return pl.format("{}{}", pl.lit(prefix), record_hash().cast(pl.String))


def location_part(name: str) -> pl.Expr:
    return field("location").struct.field(name)


def facts() -> pl.Expr:
    """Shipment-level facts revealed by a scan, for the polling APIs' summary fields."""
    return (
        pl.when(field("signed_by").is_not_null() | field("new_estimated_delivery").is_not_null())
        .then(
            pl.struct(
                signed_by=field("signed_by"),
                estimated_delivery=field("new_estimated_delivery"),
            ).struct.json_encode()
        )
        .otherwise(pl.lit(None, pl.String))
    )


def embed_json(obj: pl.Expr, key: str, raw_json: pl.Expr) -> pl.Expr:
    """Append `key` with an already-encoded JSON value to a JSON object text (reuses the scan's JSON)."""
    return pl.concat_str(obj.str.head(-1), pl.lit(f',"{key}":'), raw_json, pl.lit("}"))


def _next_scan_available(work: pl.DataFrame) -> pl.DataFrame:
    """For each out-of-order record: when the parcel's next scan (in this batch) became available."""
    held = work.filter(pl.col("anomaly") == "out_of_order").select(
        "record_uid", "tracking_number", "occurred_at"
    )
    later = work.select(
        "tracking_number", later_at=pl.col("occurred_at"), later_available=pl.col("available_at")
    )
    return (
        held.join(later, on="tracking_number")
        .filter(pl.col("later_at") > pl.col("occurred_at"))
        .sort("later_at")
        .group_by("record_uid")
        .agg(next_available=pl.col("later_available").first())
    )


def webhook_due_at() -> pl.Expr:
    """When the carrier sends the webhook; needs `next_available` (see _next_scan_available)."""
    delay = pl.duration(seconds=WEBHOOK_DELAY_SECONDS[0] + record_hash() % WEBHOOK_DELAY_SECONDS[1])
    hold = pl.duration(minutes=OUT_OF_ORDER_HOLD_MINUTES[0] + record_hash() % OUT_OF_ORDER_HOLD_MINUTES[1])
    after_next = pl.max_horizontal(pl.col("available_at"), pl.col("next_available")) + pl.duration(
        seconds=WEBHOOK_DELAY_SECONDS[0] + WEBHOOK_DELAY_SECONDS[1]
    )
    held_until = (
        pl.when(pl.col("next_available").is_not_null())
        .then(after_next)
        .otherwise(pl.col("available_at") + hold)
    )
    return (
        pl.when(pl.col("anomaly") == "out_of_order")
        .then(held_until + delay)
        .otherwise(pl.col("available_at") + delay)
    )


def render_carrier(truth: pl.DataFrame, fmt: CarrierFormat) -> list[RenderedRows]:
    """Scan rows (and webhook outbox rows when the carrier pushes) for one carrier's truth rows.

    The working frame the format's expressions see: the truth columns, `d` (decoded detail), the code
    table's columns for the row, `ts_wall` / `ts_offset_min` / `ts_instant` (see wall_clock.stamp),
    and, for the webhook, `scan` (the encoded scan object).
    """
    owned = truth.filter((pl.col("source_system") == "carrier") & (pl.col("carrier_id") == fmt.carrier_id))
    work = with_detail(owned, CARRIER_DETAIL)
    work = attach_codes(work, fmt.codes, reason=field("reason"), source=f"carrier:{fmt.carrier_id}")
    zone = fmt.zone() if fmt.zone else location_zone()
    work = stamp(work, zone=zone, labelled=fmt.labelled)
    if fmt.prepare is not None:
        work = work.with_columns(**fmt.prepare())
    work = work.with_columns(scan=fmt.scan())
    vendor_ref = fmt.vendor_ref() if fmt.vendor_ref else pl.lit(None, pl.String)
    scans = work.select(
        pl.lit(fmt.carrier_id).alias("carrier_id"),
        "tracking_number",
        pl.col("shipment_id").alias("shipment_ref"),
        "service_code",
        vendor_ref.alias("vendor_ref"),
        pl.col("ts_instant").alias("scanned_at"),
        "scan",
        facts().alias("facts"),
        "available_at",
    )
    rendered = [RenderedRows("carrier.scan", scans)]
    if fmt.webhook is not None:
        work = work.join(_next_scan_available(work), on="record_uid", how="left", maintain_order="left")
        outbox = work.select(
            pl.lit(fmt.carrier_id).alias("carrier_id"),
            "tracking_number",
            fmt.webhook().alias("body"),
            webhook_due_at().alias("due_at"),
            pl.lit(0, pl.Int32).alias("attempts"),
            pl.lit("pending").alias("status"),
            "available_at",
        )
        rendered.append(RenderedRows("carrier.webhook_outbox", outbox))
    return rendered
