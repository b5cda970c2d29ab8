"""UPS: Track API activities (polled) and Track Alert webhooks, with UPS status types and codes.

An activity carries the scan location's wall time as `date` "YYYYMMDD" and `time` "HHMMSS" beside
`gmtDate`, `gmtTime` "HH:MM:SS" and `gmtOffset` "-07:00". An epoch fault shows as zeros ("00000000"),
a wrong-offset fault as the local reading copied into the GMT fields with offset "+00:00".
Track Alert pushes one activity per POST with local and GMT date/time but no offset; UPS does not
sign it but echoes the subscriber's credential in a `credential` header.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from simulator.sources.carriers.scans import (
    CarrierCode,
    CarrierFormat,
    load_carrier_codes,
    location_part,
    wording,
)
from simulator.sources.truth_detail import field
from simulator.sources.wall_clock import offset_text

CODE_FILE = Path(__file__).with_name("ups_codes.json")


class UpsCode(CarrierCode):
    type: str
    code: str
    status_code: str


def _epoch_or(value: pl.Expr, zeros: str) -> pl.Expr:
    return pl.when(pl.col("anomaly") == "invalid_timestamp:epoch").then(pl.lit(zeros)).otherwise(value)


def _gmt(fmt: str, zeros: str) -> pl.Expr:
    return _epoch_or(pl.col("ts_instant").dt.replace_time_zone(None).dt.strftime(fmt), zeros)


def _prepare() -> dict[str, pl.Expr]:
    """Date and time texts the activity and the Track Alert both print."""
    return {
        "local_date": _epoch_or(pl.col("ts_wall").dt.strftime("%Y%m%d"), "00000000"),
        "local_time": _epoch_or(pl.col("ts_wall").dt.strftime("%H%M%S"), "000000"),
        "gmt_date": _gmt("%Y%m%d", "00000000"),
        "gmt_time": _gmt("%H%M%S", "000000"),
        "city": location_part("city").str.to_uppercase(),
        "said": wording(),
    }


def _scan() -> pl.Expr:
    gmt_time = pl.col("gmt_time")
    return pl.struct(
        location=pl.struct(
            address=pl.struct(
                city=pl.col("city"),
                stateProvince=location_part("state"),
                postalCode=location_part("postal_code"),
                countryCode=location_part("country"),
                country=location_part("country"),
            )
        ),
        status=pl.struct(
            type=pl.col("type"),
            description=pl.col("said"),
            code=pl.col("code"),
            statusCode=pl.col("status_code"),
        ),
        date=pl.col("local_date"),
        time=pl.col("local_time"),
        gmtDate=pl.col("gmt_date"),
        gmtOffset=offset_text(pl.col("ts_offset_min"), zero_as_z=False),
        gmtTime=pl.concat_str(
            gmt_time.str.slice(0, 2), gmt_time.str.slice(2, 2), gmt_time.str.slice(4, 2), separator=":"
        ),
    ).struct.json_encode()


def _webhook() -> pl.Expr:
    delivered = pl.col("event_type") == "DELIVERED"
    return pl.struct(
        trackingNumber=pl.col("tracking_number"),
        localActivityDate=pl.col("local_date"),
        localActivityTime=pl.col("local_time"),
        scheduledDeliveryDate=field("new_estimated_delivery")
        .str.replace_all("-", "", literal=True)
        .fill_null(""),
        actualDeliveryDate=pl.when(delivered).then(pl.col("local_date")).otherwise(pl.lit("")),
        actualDeliveryTime=pl.when(delivered).then(pl.col("local_time")).otherwise(pl.lit("")),
        gmtActivityDate=pl.col("gmt_date"),
        gmtActivityTime=pl.col("gmt_time"),
        activityStatus=pl.struct(type=pl.col("type"), code=pl.col("code"), description=pl.col("said")),
        activityLocation=pl.struct(
            city=pl.col("city"),
            stateProvince=location_part("state"),
            postalCode=location_part("postal_code"),
            country=location_part("country"),
        ),
    ).struct.json_encode()


FORMAT = CarrierFormat(
    carrier_id="ups",
    codes=load_carrier_codes(CODE_FILE, UpsCode, vendor_key=("type", "code")),
    labelled=True,
    scan=_scan,
    webhook=_webhook,
    webhook_headers=(("credential", "{secret}"),),
    prepare=_prepare,
)
