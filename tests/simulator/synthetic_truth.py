"""A large, plausible truth frame for measuring render throughput (not a world model: no lifecycle logic).

Rows have the mix of sources, event types, details and anomalies the seed produces, so a renderer's
speed on it predicts its speed on the real seed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from simulator.sources.carriers.scans import CARRIER_EVENT_TYPES
from simulator.sources.wms import WMS_EVENT_TYPES
from simulator.truth import TRUTH_SCHEMA

START = datetime(2026, 9, 1, tzinfo=UTC)
ZONES = ["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Phoenix"]
ANOMALIES = [
    "invalid_timestamp:epoch",
    "invalid_timestamp:future",
    "invalid_timestamp:wrong_offset",
    "invalid_timestamp:before_order",
    "duplicate_resend",
    "out_of_order",
    "late_arrival",
]
SOURCE_SHARES = {"wms": 0.52, "carrier": 0.38, "store_tool": 0.08, "helpdesk": 0.02}
STORE_EVENT_TYPES = ("ORDER_RECEIVED", "PICK_STARTED", "ITEM_PICKED", "PICK_COMPLETED", "PACK_COMPLETED",
                     "READY_FOR_STORE_PICKUP", "CUSTOMER_PICKED_UP")  # fmt: skip
CARRIERS = ["ups", "fedex", "usps", "dhl", "ontrac", "swiftmile"]


def synthetic_truth(rows: int, *, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    order = rng.integers(0, max(rows // 25, 1), rows)
    source = rng.choice(list(SOURCE_SHARES), rows, p=list(SOURCE_SHARES.values()))
    wms_type = rng.choice(WMS_EVENT_TYPES, rows)
    carrier_type = rng.choice(CARRIER_EVENT_TYPES, rows)
    store_type = rng.choice(STORE_EVENT_TYPES, rows)
    event_type = np.where(
        source == "wms", wms_type,
        np.where(source == "carrier", carrier_type,
                 np.where(source == "store_tool", store_type, "SURVEY_RESPONDED")),
    )  # fmt: skip
    seconds = rng.integers(0, 60 * 86_400, rows)
    kinds = pl.Series(rng.choice(ANOMALIES, rows))
    anomaly = kinds.zip_with(pl.Series(rng.random(rows) < 0.05), pl.Series([None] * rows, dtype=pl.String))
    frame = pl.DataFrame(
        {
            "order": order,
            "source_system": source,
            "event_type": event_type,
            "seconds": seconds,
            "anomaly": anomaly,
            "carrier_id": rng.choice(CARRIERS, rows),
            "zone": rng.choice(ZONES, rows),
            "hub": rng.integers(0, 300, rows),
            "dc": rng.choice(["DC-RNO", "DC-CMH"], rows),
            "store": rng.integers(1, 31, rows),
            "n": np.arange(rows),
        }
    )
    order_id = pl.format("SO-{}", pl.col("order").cast(pl.String).str.zfill(8))
    carrier_detail = pl.format(
        '{{"location":{{"city":"City {}","state":"ST","postal_code":"{}","country":"US"}},"location_time_zone":"{}"{}}}',
        pl.col("hub"),
        (10_000 + pl.col("hub") * 37).cast(pl.String),
        pl.col("zone"),
        pl.when(pl.col("event_type") == "DELIVERED")
        .then(pl.format(',"signed_by":"R {}"', pl.col("n")))
        .when(pl.col("event_type") == "DELIVERY_DELAYED")
        .then(pl.lit(',"reason":"weather","new_estimated_delivery":"2026-09-09"'))
        .otherwise(pl.lit("")),
    )
    order_detail = pl.format(
        '{{"channel":"web","fulfillment":"ship","promised_delivery_by":"2026-09-05T06:59:59Z",'
        '"ship_by":"2026-09-02T00:00:00Z","destination":{{"postal_code":"94110","city":"San Francisco",'
        '"state":"CA","country":"US","time_zone":"{}"}},"customer":{{"name":"Customer {}","email":"c{}@example.com",'
        '"phone":"+14155550100"}},"lines":[{{"line_no":1,"sku":"WP-100001","qty":2,"uom":"ea"}},'
        '{{"line_no":2,"sku":"WP-100002","qty":1,"uom":"ea"}}],"order_total":{}}}',
        pl.col("zone"),
        pl.col("order"),
        pl.col("order"),
        (pl.col("order") % 300 + 10).cast(pl.String),
    )
    detail = (
        pl.when(pl.col("source_system") == "carrier")
        .then(carrier_detail)
        .when(pl.col("event_type") == "ORDER_RECEIVED")
        .then(order_detail)
        .when(pl.col("event_type") == "PACK_COMPLETED")
        .then(pl.format('{{"carton_id":"CT-{}","weight_kg":1.5}}', pl.col("order")))
        .when(pl.col("event_type") == "ORDER_RELEASED")
        .then(pl.format('{{"wave_id":"W-{}"}}', pl.col("order") // 500))
        .when(pl.col("event_type") == "SURVEY_RESPONDED")
        .then(pl.format('{{"survey_id":"SV-{}","score":4}}', pl.col("n")))
        .otherwise(pl.lit("{}"))
    )
    occurred = pl.lit(START) + pl.duration(seconds=pl.col("seconds"))
    is_store = pl.col("source_system") == "store_tool"
    facility = (
        pl.when(is_store)
        .then(pl.format("ST-{}", pl.col("store").cast(pl.String).str.zfill(3)))
        .otherwise(pl.col("dc"))
    )
    return frame.select(
        record_uid=pl.format("{}:{}", order_id, pl.col("n")),
        order_id=order_id,
        event_type=pl.col("event_type"),
        occurred_at=occurred,
        available_at=occurred + pl.duration(minutes=pl.col("hub") % 7),
        source_system=pl.col("source_system"),
        facility_id=facility,
        shipment_id=pl.format("{}-1", order_id),
        carrier_id=pl.col("carrier_id"),
        service_code=pl.lit("GND"),
        tracking_number=pl.format("TN{}", pl.col("order").cast(pl.String).str.zfill(12)),
        operator_id=pl.format("RNO-P{}", (pl.col("n") % 60).cast(pl.String).str.zfill(3)),
        line_no=pl.lit(1, pl.Int16),
        sku=pl.lit("WP-100001"),
        qty=pl.lit(1, pl.Int32),
        detail=detail,
        anomaly=pl.col("anomaly"),
        duplicate_of=pl.lit(None, pl.String),
    ).cast(TRUTH_SCHEMA)  # type: ignore[arg-type]
