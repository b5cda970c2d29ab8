"""OnTrac, seen through an EasyPost-style tracker: `tracker.updated` webhook events and tracker polling.

Each scan is an EasyPost TrackingDetail (`message`, `status`, `status_detail`, `datetime` in UTC "Z",
`tracking_location`, OnTrac's own `carrier_code`); a wrong-offset fault is the local reading labelled
"Z", the mistake EasyPost-style feeds are known for. The webhook is an Event whose `result` is the
whole Tracker: the outbox stores it with this scan only, and the sender (simulator.webhooks) fills in
the tracker's history from carrier.scan when it sends, as EasyPost does. Signed with HMAC-SHA256 of
the raw body in `X-Hmac-Signature: hmac-sha256-hex=…`. The tracker id (`trk_…`) is the vendor_ref.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from simulator.sources.carriers.scans import (
    CarrierCode,
    CarrierFormat,
    WebhookSignature,
    embed_json,
    event_id,
    load_carrier_codes,
    location_part,
    wording,
)
from simulator.sources.truth_detail import field
from simulator.sources.wall_clock import iso_utc, iso_wall

CODE_FILE = Path(__file__).with_name("ontrac_codes.json")
TRACKER_HASH_SEED = 4_411


class OntracCode(CarrierCode):
    status: str
    status_detail: str
    carrier_code: str


def tracker_id() -> pl.Expr:
    return pl.format("trk_{}", pl.col("tracking_number").hash(seed=TRACKER_HASH_SEED).cast(pl.String))


def _datetime() -> pl.Expr:
    return pl.concat_str(iso_wall(pl.col("ts_instant").dt.replace_time_zone(None)), pl.lit("Z"))


def _scan() -> pl.Expr:
    return pl.struct(
        object=pl.lit("TrackingDetail"),
        message=wording(),
        description=pl.lit(""),
        status=pl.col("status"),
        status_detail=pl.col("status_detail"),
        datetime=_datetime(),
        source=pl.lit("OnTrac"),
        carrier_code=pl.col("carrier_code"),
        tracking_location=pl.struct(
            object=pl.lit("TrackingLocation"),
            city=location_part("city").str.to_uppercase(),
            state=location_part("state"),
            country=location_part("country"),
            zip=location_part("postal_code"),
        ),
    ).struct.json_encode()


def _estimated_delivery() -> pl.Expr:
    return pl.format("{}T00:00:00Z", field("new_estimated_delivery"))


def _webhook() -> pl.Expr:
    created = iso_utc(pl.col("available_at"))
    tracker = pl.struct(
        object=pl.lit("Tracker"),
        id=tracker_id(),
        mode=pl.lit("production"),
        tracking_code=pl.col("tracking_number"),
        status=pl.col("status"),
        status_detail=pl.col("status_detail"),
        created_at=created,
        updated_at=created,
        signed_by=field("signed_by"),
        weight=pl.lit(None, pl.Float64),
        est_delivery_date=_estimated_delivery(),
        shipment_id=pl.lit(None, pl.String),
        carrier=pl.lit("OnTrac"),
        public_url=pl.format("https://track.easypost.com/{}", tracker_id()),
    ).struct.json_encode()
    tracker = embed_json(tracker, "tracking_details", pl.concat_str(pl.lit("["), pl.col("scan"), pl.lit("]")))
    event = pl.struct(
        object=pl.lit("Event"),
        id=event_id("evt_"),
        mode=pl.lit("production"),
        description=pl.lit("tracker.updated"),
        previous_attributes=pl.struct(status=pl.lit(None, pl.String)),
        created_at=created,
        updated_at=created,
        status=pl.lit("pending"),
        pending_urls=pl.lit([], pl.List(pl.String)),
        completed_urls=pl.lit([], pl.List(pl.String)),
    ).struct.json_encode()
    return embed_json(event, "result", tracker)


FORMAT = CarrierFormat(
    carrier_id="ontrac",
    codes=load_carrier_codes(CODE_FILE, OntracCode, vendor_key=("carrier_code",)),
    labelled=True,
    scan=_scan,
    webhook=_webhook,
    signature=WebhookSignature(header="X-Hmac-Signature", prefix="hmac-sha256-hex="),
    vendor_ref=tracker_id,
    webhook_carries_history=True,
)
