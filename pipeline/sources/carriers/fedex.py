"""FedEx: Track API answers (polled: POST /track/v1/trackingnumbers, up to 30 numbers) and webhooks (one
`scanEvent` per POST, signed with HMAC-SHA256 in `fdx-signature`).

What happened is (eventType, exceptionCode) — fedex_codes.json. Time: `date` is ISO 8601 with the scan
location's offset, taken as given (the instant, and the offset kept as the carrier's local reading); a
date without an offset is rejected (`invalid_timestamp`, rule `offset_required`). A number FedEx does not
know comes back as a track result with an `error` and no scans: it yields nothing.
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

FORMAT = "fedex"
CODE_FILE = Path(__file__).with_name("fedex_codes.json")


class FedexCode(CarrierCode):
    eventType: str  # noqa: N815 - the vendor's field name
    exceptionCode: str  # noqa: N815


CODES = load_code_table(CODE_FILE, FedexCode, ("eventType", "exceptionCode"))


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and isinstance(document.get("scanEvent"), dict):
        return [VendorScan(required_text(document, "trackingNumber"), document["scanEvent"])]
    output = document.get("output") if isinstance(document, dict) else None
    if isinstance(output, dict) and isinstance(output.get("completeTrackResults"), list):
        found = []
        for complete in output["completeTrackResults"]:
            for result in complete.get("trackResults") or []:
                if result.get("error") and not result.get("scanEvents"):
                    continue
                number = text_at(result, "trackingNumberInfo", "trackingNumber") or required_text(
                    complete, "trackingNumber"
                )
                facts = ParcelFacts(
                    text_at(result, "deliveryDetails", "receivedByName"),
                    text_at(result, "estimatedDeliveryTimeWindow", "window", "begins"),
                )
                found.extend(VendorScan(number, event, facts) for event in result.get("scanEvents") or [])
        return found
    if isinstance(document, dict) and isinstance(document.get("errors"), list):
        return []
    raise document_error("FedEx", document)


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    key = (required_text(record, "eventType"), text_at(record, "exceptionCode") or "")
    entry = CODES.lookup(key)
    if entry is None:
        raise lookup_error(CODES.name, "eventType", key)
    return ScanReading(
        code=entry,
        raw_code=raw_code(*key),
        time=instant_time(record.get("date"), "date", local_offset=True),
        description=_description(record),
        location=_location(record.get("scanLocation") or {}),
    )


def _description(record: Mapping[str, Any]) -> str | None:
    said, detail = text_at(record, "eventDescription"), text_at(record, "exceptionDescription")
    if said and detail:
        return f"{said}: {detail}"
    return said or detail


def _location(place: Mapping[str, Any]) -> dict[str, str | None]:
    state, postal = text_at(place, "stateOrProvinceCode"), text_at(place, "postalCode")
    country = text_at(place, "countryCode")
    return {
        "city": text_at(place, "city"),
        "state": state,
        "postal_code": postal,
        "country": country,
        "time_zone": zone_of(state, postal, country),
    }


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
