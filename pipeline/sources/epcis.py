"""GS1 EPCIS 2.0 documents (`epcis:<sender>`), imported from a file or POSTed by a partner.

A document is validated against our JSON Schema (epcis_validation.py). A problem outside the event list
rejects the whole document; a problem inside one event rejects that event, naming the field (its path,
e.g. `epcisBody.eventList[2].eventTimeZoneOffset`) and the rule. Each valid event becomes one canonical
event:
- type: the business-step table, by bizStep, disposition and whether bizLocation is one of our
  facilities (a `receiving` at a DC is a return, elsewhere a delivery);
- order: the bizTransaction carrying our order id; facility: the SGLN of bizLocation (else readPoint);
- time: `eventTime` is the instant; `eventTimeZoneOffset` is kept as the local offset (`utc_offset`),
  even where it differs from the facility zone's;
- event id: the `eventID`, or a SHA-256 of the event when the sender gave none;
- attributes: Waypoint's own extension (`wp:attributes`, with `wp:flags`, `wp:carrier`, … — honoured
  only when the document's @context binds the prefix to our namespace), else what the table and the
  event imply (the business step as `raw_code` of a carrier scan, the RMA of a return).
An event carrying an `errorDeclaration` retracts an earlier one; Waypoint never deletes events, so it
is kept in quarantine for a person to act on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from pipeline.facility_time import TimestampError, parse_rfc3339
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.sources.base import ParseContext, Parsed, Rejection
from pipeline.sources.carriers.scan_times import EARLIEST_SCAN
from pipeline.sources.epcis_validation import schema_problems
from pipeline.sources.epcis_vocabulary import Locations, cbv_word, locations, step_table
from pipeline.sources.local_time import utc_text
from pipeline.sources.record_error import RecordError
from pipeline.taxonomy import Stage, latest_definitions

SENDER = re.compile(r"^[A-Za-z0-9._-]{1,90}$")


@dataclass(frozen=True)
class EpcisDocuments:
    source: str
    format: str = "epcis"

    def parse(self, payload: bytes, context: ParseContext) -> Iterator[Parsed]:
        try:
            document = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Rejection("malformed_payload", f"not JSON: {error}", "document", "json")
            return
        whole, per_event = schema_problems(document)
        if whole:
            yield whole
            return
        extension = _extension_prefix(document)
        for index, event in enumerate(document["epcisBody"]["eventList"]):
            if index in per_event:
                yield per_event[index]
                continue
            try:
                yield self._event(event, index, extension)
            except RecordError as error:
                field = f"epcisBody.eventList[{index}].{error.field}"
                yield Rejection(
                    error.reason, error.message, field, error.rule, record=event, record_index=index
                )

    def tracking_numbers(self, payload: bytes) -> set[str]:
        return set()

    def _event(self, event: Mapping[str, Any], index: int, extension: str | None) -> dict[str, Any]:
        if "errorDeclaration" in event:
            raise RecordError(
                "unknown_code",
                "errorDeclaration",
                "error_declaration",
                "an EPCIS error declaration retracts an earlier event; Waypoint keeps events, a person must act",
            )
        place = locations()
        facility = place.facility_at(_location(event, "bizLocation")) or place.facility_at(
            _location(event, "readPoint")
        )
        step = cbv_word(event.get("bizStep", ""), "bizStep")
        disposition = cbv_word(event["disposition"], "disposition") if "disposition" in event else None
        entry = step_table().lookup(step, disposition, "facility" if facility else "elsewhere")
        if entry is None:
            raise RecordError(
                "unknown_code",
                "bizStep",
                "epcis_biz_steps",
                f"no event type for bizStep {step or '(none)'!r} with disposition {disposition!r}",
            )
        ours = _ours(event, extension)
        facility = facility or ours.get("facilityId")
        stage = latest_definitions()[entry.event_type].stage
        if stage == Stage.FULFILLMENT and facility is None:
            raise RecordError(
                "unknown_facility",
                "bizLocation.id",
                "epcis_locations",
                f"{_location(event, 'bizLocation') or _location(event, 'readPoint')!r} is not one of our facilities",
            )
        attributes = ours.get("attributes")
        if not isinstance(attributes, dict):
            attributes = {**entry.attributes, **_implied(entry.event_type, stage, step, event)}
        canonical: dict[str, Any] = {
            "event_id": _event_id(event),
            "source": self.source,
            "event_type": entry.event_type,
            "occurred_at": _instant(event["eventTime"]),
            "utc_offset": event["eventTimeZoneOffset"],
            "order_id": _order(event, place),
            "attributes": attributes,
        }
        optional = {
            "facility_id": facility,
            "shipment_id": ours.get("shipmentId"),
            "carrier": ours.get("carrier"),
            "tracking_number": ours.get("trackingNumber"),
            "flags": ours.get("flags"),
        }
        canonical.update({key: value for key, value in optional.items() if value})
        return canonical


def _extension_prefix(document: Mapping[str, Any]) -> str | None:
    """Our extension prefix, when the document's @context binds it to our namespace."""
    extension = locations().extension
    contexts = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
    for context in contexts:
        if isinstance(context, Mapping) and context.get(extension.prefix) == extension.namespace:
            return extension.prefix
    return None


def _ours(event: Mapping[str, Any], prefix: str | None) -> dict[str, Any]:
    if prefix is None:
        return {}
    return {
        key.removeprefix(f"{prefix}:"): value for key, value in event.items() if key.startswith(f"{prefix}:")
    }


def _location(event: Mapping[str, Any], name: str) -> str | None:
    value = event.get(name)
    return value.get("id") if isinstance(value, Mapping) else None


def _order(event: Mapping[str, Any], place: Locations) -> str:
    found = {
        match.group(0)
        for item in event.get("bizTransactionList", [])
        for match in [place.order_pattern.search(str(item.get("bizTransaction", "")))]
        if match
    }
    if len(found) != 1:
        rule, problem = (
            ("order_reference", "names no order of ours")
            if not found
            else ("one_order", f"names orders {sorted(found)}")
        )
        raise RecordError(
            "missing_field" if not found else "malformed_payload",
            "bizTransactionList",
            rule,
            f"the event's bizTransactionList {problem}",
        )
    return found.pop()


def _implied(event_type: str, stage: Stage, step: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """What the event itself says, for a sender without Waypoint's attributes extension."""
    if stage == Stage.CARRIER:
        return {"raw_code": step.rsplit("/", 1)[-1][:64]}
    if event_type == "RETURN_RECEIVED":
        rma = [
            item
            for item in event.get("bizTransactionList", [])
            if cbv_word(item.get("type", ""), "bizTransactionType") == "rma"
        ]
        return {"rma_id": re.split(r"[:/]", rma[0]["bizTransaction"])[-1]} if rma else {}
    return {}


def _instant(text: str) -> str:
    try:
        instant = parse_rfc3339(text, "eventTime")
    except TimestampError as error:
        raise RecordError("invalid_timestamp", "eventTime", error.rule, error.message) from None
    if instant < EARLIEST_SCAN:
        raise RecordError("invalid_timestamp", "eventTime", "epoch", f"{text!r} is the epoch or a zero date")
    return utc_text(instant)


def _event_id(event: Mapping[str, Any]) -> str:
    given = event.get("eventID")
    if isinstance(given, str) and len(given) <= 200:
        return given
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def land_epcis_document(conn: Connection, body: bytes, sender: str) -> int:
    """Land a POSTed document as received (source `epcis:<sender>`); returns its raw_id. The caller commits."""
    if not SENDER.fullmatch(sender):
        raise ValueError(f"sender {sender!r} must be 1-90 letters, digits, '.', '_' or '-'")
    source = f"epcis:{sender}"
    raw_id = land(conn, Arrival(source, body, {"sender": sender}, "application/ld+json"))
    wake_drain(conn, source)
    return raw_id


def adapter(source: str) -> EpcisDocuments:
    return EpcisDocuments(source)
