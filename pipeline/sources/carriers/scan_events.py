"""What every carrier adapter shares: from vendor scans to canonical carrier events, one record at a time.

A carrier module supplies two pure functions:
- `scans(document) -> list[VendorScan]`: the scan records in a decoded payload (webhook body or tracking
  API answer) with their tracking number and the parcel-level facts beside them. A carrier's not-found
  answer has no scans: it yields nothing (no event and no rejection — a label polled before the carrier's
  first scan is not bad data). A document of no shape the carrier sends raises `RecordError`.
- `read(scan, context) -> ScanReading`: the code table entry, vendor code, time, text and location of one
  scan, or `RecordError` / `TimestampError` saying which field broke which rule.

`CarrierAdapter` does the rest the same way for all of them: JSON decoding, one `Rejection` per bad record
with the record kept, the envelope (carrier = the carrier id of the source, never the format), a stable
event id, and the parcel-level facts (who signed goes on the delivery scan; the carrier's estimate on the
newest scan). Event ids: the vendor's own scan id where the format has one, else tracking number + vendor
code + the scan time (see scan_times.ScanTime.key), so a scan resent with another description gets the
same id; the loader's semantic key (carrier, tracking number, type, instant, raw code) catches the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import model_validator

from pipeline.facility_time import TimestampError
from pipeline.sources.base import ParseContext, Parsed, Rejection
from pipeline.sources.carriers.scan_times import ScanTime
from pipeline.sources.mapping import CodeEntry
from pipeline.sources.record_error import RecordError
from pipeline.taxonomy import CARRIER_TYPES

DESCRIPTION_MAX = 500
LOCATION_PARTS = ("city", "state", "postal_code", "country", "time_zone")


class CarrierCode(CodeEntry):
    """A carrier code table row: the vendor key fields (declared by each carrier) and a carrier-stage type."""

    @model_validator(mode="after")
    def _carrier_stage(self) -> CarrierCode:
        if self.event_type not in CARRIER_TYPES:
            raise ValueError(f"event_type {self.event_type!r} is not a carrier-stage event type")
        return self


@dataclass(frozen=True)
class ParcelFacts:
    """What a tracking answer says about the parcel as a whole."""

    signed_by: str | None = None
    estimated_delivery: str | None = None


@dataclass(frozen=True)
class VendorScan:
    tracking_number: str
    record: Mapping[str, Any]
    parcel: ParcelFacts = ParcelFacts()


@dataclass(frozen=True)
class ScanReading:
    code: CarrierCode
    raw_code: str
    time: ScanTime
    description: str | None
    location: Mapping[str, str | None]
    vendor_event_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


Scans = Callable[[Any], list[VendorScan]]
Read = Callable[[VendorScan, ParseContext], ScanReading]


@dataclass(frozen=True)
class CarrierAdapter:
    source: str
    format: str
    scans: Scans
    read: Read

    @property
    def carrier_id(self) -> str:
        return self.source.partition(":")[2]

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        try:
            document = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejection("malformed_payload", f"the payload is not JSON: {error}", "payload", "json")
            return
        try:
            scans = self.scans(document)
        except RecordError as error:
            yield Rejection(error.reason, error.message, error.field, error.rule)
            return
        events: list[tuple[VendorScan, dict[str, Any], ScanTime]] = []
        for index, scan in enumerate(scans):
            if not isinstance(scan.record, Mapping):
                yield Rejection(
                    "malformed_payload", "a scan is not a JSON object", "scan", "object", scan.record, index
                )
                continue
            try:
                reading = self.read(scan, context)
            except RecordError as error:
                yield _rejection(error.reason, error.message, error.field, error.rule, scan, index)
                continue
            except TimestampError as error:
                yield _rejection("invalid_timestamp", error.message, error.field, error.rule, scan, index)
                continue
            events.append((scan, self._event(scan, reading), reading.time))
        yield from _with_parcel_facts(events)

    def tracking_numbers(self, payload: bytes) -> set[str]:
        try:
            return {scan.tracking_number for scan in self.scans(json.loads(payload))}
        except (json.JSONDecodeError, UnicodeDecodeError, RecordError):
            return set()

    def _event(self, scan: VendorScan, reading: ScanReading) -> dict[str, Any]:
        attributes: dict[str, Any] = {"raw_code": reading.raw_code}
        if reading.description:
            attributes["description"] = reading.description[:DESCRIPTION_MAX]
        location = {part: reading.location[part] for part in LOCATION_PARTS if reading.location.get(part)}
        if location:
            attributes["location"] = location
        attributes.update(reading.code.attributes)
        attributes.update(reading.attributes)
        event: dict[str, Any] = {
            "event_id": reading.vendor_event_id
            or derived_event_id(scan.tracking_number, reading.raw_code, reading.time.key),
            "source": self.source,
            "event_type": reading.code.event_type,
            "occurred_at": reading.time.occurred_at,
            "carrier": self.carrier_id,
            "tracking_number": scan.tracking_number,
            "attributes": attributes,
        }
        if reading.time.utc_offset:
            event["utc_offset"] = reading.time.utc_offset
        if reading.time.flags:
            event["flags"] = list(reading.time.flags)
        return event


def derived_event_id(tracking_number: str, raw_code: str, time_key: str) -> str:
    return f"{tracking_number}:{raw_code}:{time_key}"


def raw_code(*parts: str | None) -> str:
    """The vendor code as stored in `attributes.raw_code`: the table key's parts, empty ones left out."""
    return "/".join(part for part in parts if part)


def lookup_error(table_name: str, field: str, key: tuple[str, ...]) -> RecordError:
    shown = "/".join(key)
    return RecordError("unknown_code", field, "known_code", f"vendor code {shown!r} is not in {table_name}")


def text_at(record: Mapping[str, Any], *path: str) -> str | None:
    """The string at a nested path, stripped; None when absent, empty or not a string."""
    value: Any = record
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def required_text(record: Mapping[str, Any], *path: str) -> str:
    value = text_at(record, *path)
    if value is None:
        name = ".".join(path)
        raise RecordError("missing_field", name, "required", f"{name} is missing or empty")
    return value


def calendar_date(text: str | None) -> str | None:
    """YYYY-MM-DD from the date forms carriers write (2026-11-04, 20261104, 2026-11-04T08:00:00Z)."""
    if not text:
        return None
    digits = text[:10].replace("-", "") if "-" in text[:10] else text[:8]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
    except ValueError:
        return None


def document_error(carrier: str, document: Any) -> RecordError:
    kind = type(document).__name__
    return RecordError(
        "malformed_payload", "payload", "shape", f"not a {carrier} webhook or tracking answer (a JSON {kind})"
    )


def _rejection(reason: str, message: str, field: str, rule: str, scan: VendorScan, index: int) -> Rejection:
    record: Any = dict(scan.record)
    if reason == "unmatched_tracking_number":
        record = {"tracking_number": scan.tracking_number, "scan": record}
    return Rejection(reason, message, field, rule, record=record, record_index=index)


def _with_parcel_facts(events: list[tuple[VendorScan, dict[str, Any], ScanTime]]) -> Iterator[dict[str, Any]]:
    newest: dict[str, tuple[Any, int]] = {}
    for index, (scan, _, time) in enumerate(events):
        if scan.tracking_number not in newest or time.instant > newest[scan.tracking_number][0]:
            newest[scan.tracking_number] = (time.instant, index)
    for index, (scan, event, _) in enumerate(events):
        attributes = event["attributes"]
        facts = scan.parcel
        if facts.signed_by and event["event_type"] == "DELIVERED":
            attributes.setdefault("signed_by", facts.signed_by)
        estimate = calendar_date(facts.estimated_delivery)
        if estimate and newest[scan.tracking_number][1] == index and event["event_type"] != "DELIVERED":
            name = (
                "new_estimated_delivery"
                if event["event_type"] == "DELIVERY_DELAYED"
                else "estimated_delivery"
            )
            attributes.setdefault(name, estimate)
        yield event
