"""DHL eCommerce through DHL's Shipment Tracking - Unified API (polled: GET /track/shipments?trackingNumber=).

What happened is (statusCode, status) — dhl_codes.json. Time: `timestamp` is ISO 8601 with the local
offset, taken as given. The location is `addressLocality` ("COLUMBUS, OH, US") with the postal and
country codes. A not-found answer is an RFC 7807 problem document: it holds no scans.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    raw_code,
    required_text,
    text_at,
)
from pipeline.sources.carriers.scan_times import instant_time
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.mapping import load_code_table

FORMAT = "dhl"
CODE_FILE = Path(__file__).with_name("dhl_codes.json")


class DhlCode(CarrierCode):
    statusCode: str  # noqa: N815 - the vendor's field name
    status: str


CODES = load_code_table(CODE_FILE, DhlCode, ("statusCode", "status"))


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and isinstance(document.get("shipments"), list):
        found = []
        for shipment in document["shipments"]:
            number = required_text(shipment, "id")
            facts = ParcelFacts(
                text_at(shipment, "details", "proofOfDelivery", "signed", "name"),
                text_at(shipment, "estimatedTimeOfDelivery"),
            )
            found.extend(VendorScan(number, event, facts) for event in shipment.get("events") or [])
        return found
    if isinstance(document, dict) and "title" in document and "status" in document:
        return []
    raise document_error("DHL", document)


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    key = (required_text(record, "statusCode"), required_text(record, "status"))
    entry = CODES.lookup(key)
    if entry is None:
        raise lookup_error(CODES.name, "status", key)
    return ScanReading(
        code=entry,
        raw_code=raw_code(*key),
        time=instant_time(record.get("timestamp"), "timestamp", local_offset=True),
        description=text_at(record, "description"),
        location=_location((record.get("location") or {}).get("address") or {}),
    )


def _location(address: Mapping[str, Any]) -> dict[str, str | None]:
    """`addressLocality` is "CITY, ST, CC"; a locality of another shape is kept whole as the city."""
    locality = text_at(address, "addressLocality") or ""
    parts = [part.strip() for part in locality.split(",")]
    city, state = (parts[0], parts[1]) if len(parts) == 3 else (locality or None, None)
    postal, country = text_at(address, "postalCode"), text_at(address, "countryCode")
    return {
        "city": city,
        "state": state,
        "postal_code": postal,
        "country": country,
        "time_zone": zone_of(state, postal, country),
    }


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
