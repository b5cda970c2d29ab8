"""The regional last-mile partner (SwiftMile): `parcel.status` events pushed one per POST (signed with
HMAC-SHA256 in `X-SwiftMile-Signature: sha256=…`) and polled per parcel (GET /v1/parcels/{tracking}/events).

What happened is SwiftMile's `status.code` — lastmile_codes.json. Time: `local_time` is the DESTINATION's
wall time without an offset (SwiftMile works inside one metro area), so it is read in the destination zone
of the order the parcel belongs to (`ShipmentRef.destination_time_zone`): a parcel no label has introduced
yet is parked (`unmatched_tracking_number`, replayed once the label arrives); a known parcel whose order
has no destination zone is rejected (`invalid_timestamp`, rule `zone_unknown`). SwiftMile gives every
event an id (`event_id`); a resent scan gets a new one, and the loader's semantic key recognises it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.sources.base import ParseContext
from pipeline.sources.carriers.scan_events import (
    CarrierAdapter,
    CarrierCode,
    ScanReading,
    VendorScan,
    calendar_date,
    document_error,
    lookup_error,
    required_text,
    text_at,
)
from pipeline.sources.carriers.scan_times import wall_time
from pipeline.sources.mapping import load_code_table
from pipeline.sources.record_error import RecordError

FORMAT = "lastmile"
CODE_FILE = Path(__file__).with_name("lastmile_codes.json")


class LastmileCode(CarrierCode):
    code: str


CODES = load_code_table(CODE_FILE, LastmileCode, ("code",))


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and isinstance(document.get("parcel"), dict) and "status" in document:
        return [VendorScan(required_text(document, "parcel", "tracking"), document)]
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return [
            VendorScan(text_at(event, "parcel", "tracking") or required_text(document, "tracking"), event)
            for event in document["events"]
        ]
    if isinstance(document, dict) and "error" in document:
        return []
    raise document_error("SwiftMile", document)


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    code = required_text(record, "status", "code")
    entry = CODES.lookup(code)
    if entry is None:
        raise lookup_error(CODES.name, "status.code", (code,))
    shipment = context.shipments.get(scan.tracking_number)
    if shipment is None:
        raise RecordError(
            "unmatched_tracking_number",
            "tracking_number",
            "known_shipment",
            f"no shipment with tracking number {scan.tracking_number!r} yet: its destination zone is unknown",
        )
    zone = shipment.destination_time_zone
    return ScanReading(
        code=entry,
        raw_code=code,
        time=wall_time(record.get("local_time"), zone, "local_time"),
        description=text_at(record, "status", "text"),
        location={
            "city": text_at(record, "hub", "city"),
            "state": text_at(record, "hub", "state"),
            "postal_code": text_at(record, "hub", "zip"),
            "time_zone": zone,
        },
        vendor_event_id=text_at(record, "event_id"),
        attributes=_facts(record, entry.event_type),
    )


def _facts(record: dict, event_type: str) -> dict[str, str]:
    facts = {}
    signer = text_at(record, "pod", "signed_by")
    if signer and event_type == "DELIVERED":
        facts["signed_by"] = signer
    estimate = calendar_date(text_at(record, "eta_date"))
    if estimate and event_type != "DELIVERED":
        facts["new_estimated_delivery" if event_type == "DELIVERY_DELAYED" else "estimated_delivery"] = (
            estimate
        )
    return facts


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
