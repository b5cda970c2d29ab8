"""FedEx: Track API scan events (polled in batches of up to 30 numbers) and one-scan webhooks.

A scan event's `date` is ISO 8601 with the scan location's offset ("2026-09-01T10:00:00-07:00");
a wrong-offset fault is the local reading labelled "Z". What happened is (eventType, exceptionCode):
`DE` with exception 08 is an attempt, with 03 an address problem. Webhooks carry one scan event per
POST and are signed with HMAC-SHA256 of the body in `fdx-signature`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from simulator.sources.carriers.scans import (
    CarrierCode,
    CarrierFormat,
    WebhookSignature,
    embed_json,
    load_carrier_codes,
    location_part,
    wording,
)
from simulator.sources.wall_clock import iso_with_offset

CODE_FILE = Path(__file__).with_name("fedex_codes.json")


class FedexCode(CarrierCode):
    eventType: str  # noqa: N815 - the vendor's field name
    exceptionCode: str  # noqa: N815
    exceptionDescription: str  # noqa: N815
    derivedStatusCode: str  # noqa: N815
    derivedStatus: str  # noqa: N815


def _scan_event() -> pl.Expr:
    return pl.struct(
        date=iso_with_offset(),
        eventType=pl.col("eventType"),
        eventDescription=wording(),
        exceptionCode=pl.col("exceptionCode"),
        exceptionDescription=pl.col("exceptionDescription"),
        scanLocation=pl.struct(
            streetLines=pl.lit([""]),
            city=location_part("city").str.to_uppercase(),
            stateOrProvinceCode=location_part("state"),
            postalCode=location_part("postal_code"),
            countryCode=location_part("country"),
            residential=pl.col("event_type") == "DELIVERED",
            countryName=pl.lit("United States"),
        ),
        locationType=pl.when(pl.col("event_type") == "DELIVERED")
        .then(pl.lit("DELIVERY_LOCATION"))
        .otherwise(pl.lit("FEDEX_FACILITY")),
        derivedStatusCode=pl.col("derivedStatusCode"),
        derivedStatus=pl.col("derivedStatus"),
    )


def _scan() -> pl.Expr:
    return _scan_event().struct.json_encode()


def _webhook() -> pl.Expr:
    envelope = pl.struct(trackingNumber=pl.col("tracking_number"), carrierCode=pl.lit("FDXG"))
    return embed_json(envelope.struct.json_encode(), "scanEvent", pl.col("scan"))


FORMAT = CarrierFormat(
    carrier_id="fedex",
    codes=load_carrier_codes(CODE_FILE, FedexCode, vendor_key=("eventType", "exceptionCode")),
    labelled=True,
    scan=_scan,
    webhook=_webhook,
    signature=WebhookSignature(header="fdx-signature", prefix=""),
)
