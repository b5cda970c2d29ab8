"""EasyPost-style trackers (OnTrac): `tracker.updated` webhook Events and tracker polling
(GET /v2/trackers?tracking_code=… or /v2/trackers/{id}).

Every webhook carries the tracker's WHOLE history (`result.tracking_details`), so each POST re-sends every
earlier scan: their event ids are derived from tracking number + scan code + instant and collide with
the copies already loaded, which the loader then skips — a re-send costs nothing. What happened is the
carrier's own `carrier_code` — easypost_codes.json. Time: `datetime` is UTC ("Z"), taken as given (a
local reading mislabelled "Z" cannot be told apart here). `carrier` in the events is the carrier id of
the source (`carrier:ontrac` -> ontrac), not "easypost". A not-found answer (`error`) holds no scans.
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
    required_text,
    text_at,
)
from pipeline.sources.carriers.scan_times import instant_time
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.mapping import load_code_table

FORMAT = "easypost"
CODE_FILE = Path(__file__).with_name("easypost_codes.json")


class EasypostCode(CarrierCode):
    carrier_code: str


CODES = load_code_table(CODE_FILE, EasypostCode, ("carrier_code",))


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and document.get("object") == "Event":
        result = document.get("result")
        if isinstance(result, dict) and result.get("object") == "Tracker":
            return _tracker_scans(result)
    elif isinstance(document, dict) and document.get("object") == "Tracker":
        return _tracker_scans(document)
    elif isinstance(document, dict) and isinstance(document.get("trackers"), list):
        return [scan for tracker in document["trackers"] for scan in _tracker_scans(tracker)]
    elif isinstance(document, dict) and "error" in document:
        return []
    raise document_error("EasyPost tracker", document)


def _tracker_scans(tracker: Mapping[str, Any]) -> list[VendorScan]:
    number = required_text(tracker, "tracking_code")
    facts = ParcelFacts(text_at(tracker, "signed_by"), text_at(tracker, "est_delivery_date"))
    return [VendorScan(number, detail, facts) for detail in tracker.get("tracking_details") or []]


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    code = required_text(record, "carrier_code")
    entry = CODES.lookup(code)
    if entry is None:
        raise lookup_error(CODES.name, "carrier_code", (code,))
    place = record.get("tracking_location") or {}
    state, postal, country = text_at(place, "state"), text_at(place, "zip"), text_at(place, "country")
    return ScanReading(
        code=entry,
        raw_code=code,
        time=instant_time(record.get("datetime"), "datetime", local_offset=False),
        description=text_at(record, "message") or text_at(record, "description"),
        location={
            "city": text_at(place, "city"),
            "state": state,
            "postal_code": postal,
            "country": country,
            "time_zone": zone_of(state, postal, country),
        },
    )


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
