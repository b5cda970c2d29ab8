"""SwiftMile, the regional last-mile partner: its own JSON events, pushed one per POST and polled per parcel.

Times are the DESTINATION's wall time with no offset (`local_time`), because SwiftMile only works
inside one metro area and never thought it needed one; a wrong-offset fault is the UTC reading written
there instead. Status codes are SwiftMile's own ("SM30" = with courier). Webhooks are signed with
HMAC-SHA256 of the raw body in `X-SwiftMile-Signature: sha256=…`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from simulator.sources.carriers.scans import (
    CarrierCode,
    CarrierFormat,
    WebhookSignature,
    event_id,
    load_carrier_codes,
    location_part,
    location_zone,
    wording,
)
from simulator.sources.truth_detail import field
from simulator.sources.wall_clock import iso_wall

CODE_FILE = Path(__file__).with_name("swiftmile_codes.json")


class SwiftmileCode(CarrierCode):
    code: str


def _zone() -> pl.Expr:
    return pl.coalesce(field("destination_time_zone"), location_zone())


def _event() -> pl.Expr:
    return pl.struct(
        event_id=event_id("sm_"),
        type=pl.lit("parcel.status"),
        parcel=pl.struct(tracking=pl.col("tracking_number"), merchant_ref=pl.col("shipment_id")),
        status=pl.struct(code=pl.col("code"), text=wording()),
        local_time=iso_wall(pl.col("ts_wall")),
        hub=pl.struct(
            city=location_part("city"), state=location_part("state"), zip=location_part("postal_code")
        ),
        eta_date=field("new_estimated_delivery"),
        pod=pl.when(field("signed_by").is_not_null()).then(pl.struct(signed_by=field("signed_by"))),
    ).struct.json_encode()


FORMAT = CarrierFormat(
    carrier_id="swiftmile",
    codes=load_carrier_codes(CODE_FILE, SwiftmileCode, vendor_key=("code",)),
    labelled=False,
    scan=_event,
    webhook=lambda: pl.col("scan"),
    signature=WebhookSignature(header="X-SwiftMile-Signature", prefix="sha256="),
    zone=_zone,
)
