"""The simulated world's ground truth: what really happened, before any source system formats it.

The lifecycle model (simulator/lifecycle.py) produces, for a batch of orders, one frame with this schema.
Each source-system module (simulator/sources/) turns the rows it owns into its own vendor format; the
engine (simulator/engine.py) writes those with COPY (seed) or in small batches (live). Waypoint itself
never reads this frame: it sees only what the source systems show.
"""

from __future__ import annotations

import polars as pl

UTC_INSTANT = pl.Datetime("us", "UTC")

TRUTH_SCHEMA: dict[str, pl.DataType] = {
    # Deterministic, unique id of this record in the world, e.g. "SO-01234567:07". Formatters derive
    # vendor event ids from it, so the same seed gives the same ids.
    "record_uid": pl.String(),
    "order_id": pl.String(),
    # The canonical event type this record really is (one of the 37 in pipeline/schemas).
    "event_type": pl.String(),
    # When it happened (the truth) and when the source system makes it visible (later for late uploads,
    # delayed scans). available_at >= occurred_at always.
    "occurred_at": UTC_INSTANT,
    "available_at": UTC_INSTANT,
    # Which system reports it: "wms" (DC-RNO / DC-CMH), "store_tool", "carrier", "helpdesk".
    "source_system": pl.String(),
    # Fulfilling facility (DC or store) for fulfillment records; origin facility for carrier records.
    "facility_id": pl.String(),
    "shipment_id": pl.String(),
    "carrier_id": pl.String(),
    "service_code": pl.String(),
    "tracking_number": pl.String(),
    "operator_id": pl.String(),
    "line_no": pl.Int16(),
    "sku": pl.String(),
    "qty": pl.Int32(),
    # Type-specific facts as a JSON object string (see simulator/lifecycle.py for each type's keys).
    "detail": pl.String(),
    # An injected imperfection the source system must render, or null. Kinds are listed in ANOMALY_KINDS.
    "anomaly": pl.String(),
    # For a resent duplicate: the record_uid of the original it repeats.
    "duplicate_of": pl.String(),
}

ANOMALY_KINDS = {
    "duplicate_resend": "a carrier resends an earlier scan with a new description (and new event id where the format has one)",
    "out_of_order": "delivered by the source after a later record of the same shipment/order",
    "late_arrival": "available hours after it occurred (RF gun batch upload, carrier backlog)",
    "invalid_timestamp:epoch": "time rendered as the zero/epoch date",
    "invalid_timestamp:future": "time rendered days or years in the future",
    "invalid_timestamp:before_order": "time rendered before the order existed",
    "invalid_timestamp:nonexistent_local": "local wall time rendered inside a DST gap (device did not spring forward)",
    "invalid_timestamp:wrong_offset": "local wall time rendered with a UTC 'Z' label (the karrio mistake)",
}


def empty_truth() -> pl.DataFrame:
    return pl.DataFrame(schema=TRUTH_SCHEMA)
