"""USPS: Tracking 3.0 tracking events, polled per tracking number (USPS pushes nothing here).

`eventTimestamp` is the wall time at the event location with no offset, as USPS gives it; the reader
must derive the zone from the event's city/state/ZIP. The event text is `eventType`, the code
`eventCode`; a delivery names the recipient in `name`.
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
from simulator.sources.wall_clock import iso_wall

CODE_FILE = Path(__file__).with_name("usps_codes.json")


class UspsCode(CarrierCode):
    eventCode: str  # noqa: N815 - the vendor's field name


def _scan() -> pl.Expr:
    return pl.struct(
        eventType=wording(),
        eventTimestamp=iso_wall(pl.col("ts_wall")),
        eventCountry=pl.lit(None, pl.String),
        eventCity=location_part("city").str.to_uppercase(),
        eventState=location_part("state"),
        eventZIP=location_part("postal_code"),
        firm=pl.lit(None, pl.String),
        name=field("signed_by").str.to_uppercase(),
        authorizedAgent=pl.lit(False),
        eventCode=pl.col("eventCode"),
    ).struct.json_encode()


FORMAT = CarrierFormat(
    carrier_id="usps",
    codes=load_carrier_codes(CODE_FILE, UspsCode, vendor_key=("eventCode",)),
    labelled=False,
    scan=_scan,
)
