"""USPS: Tracking 3.0 answers (polled: GET /tracking/v3/tracking/{number}?expand=DETAIL; USPS pushes
nothing here).

What happened is `eventCode` — usps_codes.json (`eventType` is the text). Time: `eventTimestamp` is the
wall time at the event location without an offset, as USPS gives it: it is read in the zone of the event's
state and ZIP (scan_zones; a missing `eventCountry` is domestic), DST gaps and folds resolved and flagged
by the facility-time rule. A delivery names who signed in `name`. A not-found answer (`error`) holds no
scans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.sources.base import ParseContext
from pipeline.sources.carriers.scan_events import (
    CarrierAdapter,
    CarrierCode,
    ParcelFacts,
    ScanReading,
    VendorScan,
    document_error,
    lookup_error,
    required_text,
    text_at,
)
from pipeline.sources.carriers.scan_times import wall_time
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.mapping import load_code_table

FORMAT = "usps"
CODE_FILE = Path(__file__).with_name("usps_codes.json")


class UspsCode(CarrierCode):
    eventCode: str  # noqa: N815 - the vendor's field name


CODES = load_code_table(CODE_FILE, UspsCode, ("eventCode",))


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and isinstance(document.get("trackingEvents"), list):
        number = required_text(document, "trackingNumber")
        facts = ParcelFacts(estimated_delivery=text_at(document, "expectedDeliveryDate"))
        return [VendorScan(number, event, facts) for event in document["trackingEvents"]]
    if isinstance(document, dict) and "error" in document:
        return []
    raise document_error("USPS", document)


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    code = required_text(record, "eventCode")
    entry = CODES.lookup(code)
    if entry is None:
        raise lookup_error(CODES.name, "eventCode", (code,))
    state, postal = text_at(record, "eventState"), text_at(record, "eventZIP")
    country = text_at(record, "eventCountry")
    zone = zone_of(state, postal, country)
    signer = text_at(record, "name")
    return ScanReading(
        code=entry,
        raw_code=code,
        time=wall_time(record.get("eventTimestamp"), zone, "eventTimestamp"),
        description=text_at(record, "eventType"),
        location={
            "city": text_at(record, "eventCity"),
            "state": state,
            "postal_code": postal,
            "country": country,
            "time_zone": zone,
        },
        attributes={"signed_by": signer} if signer and entry.event_type == "DELIVERED" else {},
    )


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
