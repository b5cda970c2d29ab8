"""UPS: Track API answers (polled: GET /api/track/v1/details/{number}) and Track Alert webhooks (one
activity per POST).

What happened is (status type, code) — ups_codes.json. Time: the GMT fields are the instant when present
(Track API `gmtDate` "YYYYMMDD" + `gmtTime` "HH:MM:SS"; Track Alert `gmtActivityDate` + `gmtActivityTime`
"HHMMSS"); the offset the scan location kept is `gmtOffset` when written, else the difference between the
local and the GMT reading. Without GMT fields the local date and time are read in the scan location's
zone (scan_zones: state, ZIP). Zero dates ("00000000") are rejected as `invalid_timestamp`, rule `epoch`.
A Track API not-found answer (`response.errors`) holds no scans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
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
from pipeline.sources.carriers.scan_times import (
    ScanTime,
    compact_utc,
    compact_wall,
    localized,
    offset_between,
    parse_wall,
    reject_epoch,
)
from pipeline.sources.carriers.scan_zones import zone_of
from pipeline.sources.mapping import load_code_table

FORMAT = "ups"
CODE_FILE = Path(__file__).with_name("ups_codes.json")
_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")


class UpsCode(CarrierCode):
    type: str
    code: str


CODES = load_code_table(CODE_FILE, UpsCode, ("type", "code"))

# Field names of the two shapes: Track Alert webhook, Track API activity.
_ALERT = {"status": "activityStatus", "date": "localActivityDate", "time": "localActivityTime",
          "gmt_date": "gmtActivityDate", "gmt_time": "gmtActivityTime"}  # fmt: skip
_ACTIVITY = {"status": "status", "date": "date", "time": "time", "gmt_date": "gmtDate", "gmt_time": "gmtTime"}


def scans(document: Any) -> list[VendorScan]:
    if isinstance(document, dict) and "activityStatus" in document:
        number = required_text(document, "trackingNumber")
        return [
            VendorScan(
                number, document, ParcelFacts(estimated_delivery=document.get("scheduledDeliveryDate"))
            )
        ]
    if isinstance(document, dict) and isinstance(document.get("trackResponse"), dict):
        found = []
        for shipment in document["trackResponse"].get("shipment") or []:
            for package in shipment.get("package") or []:
                number = required_text(package, "trackingNumber")
                facts = ParcelFacts(text_at(package, "deliveryInformation", "receivedBy"), _estimate(package))
                found.extend(
                    VendorScan(number, activity, facts) for activity in package.get("activity") or []
                )
        return found
    if (
        isinstance(document, dict)
        and isinstance(document.get("response"), dict)
        and "errors" in document["response"]
    ):
        return []
    raise document_error("UPS", document)


def read(scan: VendorScan, context: ParseContext) -> ScanReading:
    record = scan.record
    names = _ALERT if "activityStatus" in record else _ACTIVITY
    key = (required_text(record, names["status"], "type"), required_text(record, names["status"], "code"))
    entry = CODES.lookup(key)
    if entry is None:
        raise lookup_error(CODES.name, f"{names['status']}.code", key)
    address = (
        record.get("activityLocation") if names is _ALERT else (record.get("location") or {}).get("address")
    )
    location = _location(address if isinstance(address, Mapping) else {})
    return ScanReading(
        code=entry,
        raw_code=raw_code(*key),
        time=_time(record, names, location["time_zone"]),
        description=text_at(record, names["status"], "description"),
        location=location,
    )


def _time(record: Mapping[str, Any], names: dict[str, str], zone: str | None) -> ScanTime:
    local_text = f"{record.get(names['date']) or ''}{_digits(record.get(names['time']))}"
    gmt_date, gmt_time = record.get(names["gmt_date"]), record.get(names["gmt_time"])
    if gmt_date and gmt_time:
        field = names["gmt_date"]
        wall = parse_wall(f"{gmt_date}{_digits(gmt_time)}", field)
        instant = wall.replace(tzinfo=UTC)
        reject_epoch(instant, field, str(gmt_date))
        return ScanTime(instant, compact_utc(instant), _offset(record, local_text, instant))
    wall = parse_wall(local_text, names["date"])
    return localized(wall, zone, names["date"], key=compact_wall(wall))


def _offset(record: Mapping[str, Any], local_text: str, instant: datetime) -> str | None:
    written = record.get("gmtOffset")
    if isinstance(written, str) and _OFFSET.match(written):
        return written
    try:
        wall = datetime.strptime(local_text, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return offset_between(wall, instant)


def _location(address: Mapping[str, Any]) -> dict[str, str | None]:
    state, postal = text_at(address, "stateProvince"), text_at(address, "postalCode")
    country = text_at(address, "countryCode") or text_at(address, "country")
    return {
        "city": text_at(address, "city"),
        "state": state,
        "postal_code": postal,
        "country": country,
        "time_zone": zone_of(state, postal, country),
    }


def _estimate(package: Mapping[str, Any]) -> str | None:
    for item in package.get("deliveryDate") or []:
        if isinstance(item, Mapping) and item.get("date"):
            return str(item["date"])
    return None


def _digits(value: object) -> str:
    return str(value or "").replace(":", "")


def adapter(source: str) -> CarrierAdapter:
    return CarrierAdapter(source, FORMAT, scans, read)
