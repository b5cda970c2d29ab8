"""DHL eCommerce through DHL's Shipment Tracking - Unified API, polled per tracking number.

Events carry `timestamp` in ISO 8601 with the local offset, the coarse `statusCode` (pre-transit,
transit, delivered, failure, unknown), DHL's `status` and a `description`; what happened is the pair
(statusCode, status).
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
from simulator.sources.wall_clock import iso_with_offset

CODE_FILE = Path(__file__).with_name("dhl_codes.json")


class DhlCode(CarrierCode):
    statusCode: str  # noqa: N815 - the vendor's field name
    status: str


def _scan() -> pl.Expr:
    return pl.struct(
        timestamp=iso_with_offset(),
        location=pl.struct(
            address=pl.struct(
                addressLocality=pl.format(
                    "{}, {}, {}",
                    location_part("city").str.to_uppercase(),
                    location_part("state"),
                    location_part("country"),
                ),
                postalCode=location_part("postal_code"),
                countryCode=location_part("country"),
            )
        ),
        statusCode=pl.col("statusCode"),
        status=pl.col("status"),
        description=wording(),
    ).struct.json_encode()


FORMAT = CarrierFormat(
    carrier_id="dhl",
    codes=load_carrier_codes(CODE_FILE, DhlCode, vendor_key=("statusCode", "status")),
    labelled=True,
    scan=_scan,
)
