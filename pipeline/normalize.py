"""Normalization: a pure function of (payload, mapping tables, facility zones, known shipments).

The adapter for the payload's source parses it into raw canonical events; each is completed from the
shipment it belongs to (carrier scans), validated against the registry and turned into a
`ValidatedEvent`, or into a `Rejection` with the reason, the field and the rule. Re-running it on the
same inbox row gives the same result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.canonical import CanonicalEventError, ValidatedEvent, validate_event
from pipeline.registry import Registry
from pipeline.sources import adapter_for
from pipeline.sources.base import ParseContext, Rejection, ShipmentRef

_TIME_RULES = {"offset_required", "rfc3339", "dst_gap", "invalid_time"}
_RULE_REASONS = {"unknown_facility": "unknown_facility", "unknown_event_type": "unknown_code"}


@dataclass
class Normalized:
    events: list[ValidatedEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def normalize_payload(payload: bytes, context: ParseContext, registry: Registry) -> Normalized:
    """Parse and validate one payload. Never raises for bad data: bad data becomes rejections."""
    result = Normalized()
    adapter = adapter_for(context.source)
    try:
        parsed = list(adapter.parse(payload, context))
    except (ValueError, KeyError, TypeError) as error:  # an adapter bug or a shape no rule anticipated
        result.rejections.append(
            Rejection("malformed_payload", f"{type(error).__name__}: {error}", record=None)
        )
        return result
    for index, item in enumerate(parsed):
        if isinstance(item, Rejection):
            result.rejections.append(item)
            continue
        completed = _complete_from_shipment(item, context.shipments)
        if isinstance(completed, Rejection):
            result.rejections.append(_with_index(completed, index))
            continue
        try:
            result.events.append(validate_event(completed, registry, context.facility_zones))
        except CanonicalEventError as error:
            result.rejections.append(
                Rejection(
                    _reason(error.rule),
                    error.message,
                    error.field,
                    error.rule,
                    record=item,
                    record_index=index,
                )
            )
    return result


def _complete_from_shipment(event: dict[str, Any], shipments: Mapping[str, ShipmentRef]) -> dict | Rejection:
    if "order_id" in event or "tracking_number" not in event:
        return event
    ref = shipments.get(event["tracking_number"])
    if ref is None:
        return Rejection(
            "unmatched_tracking_number",
            f"no shipment with tracking number {event['tracking_number']!r} yet",
            "tracking_number",
            "known_shipment",
            record=event,
        )
    completed = {**event, "order_id": ref.order_id, "shipment_id": ref.shipment_id}
    if ref.facility_id and "facility_id" not in event:
        completed["facility_id"] = ref.facility_id
    return completed


def _reason(rule: str) -> str:
    if rule in _TIME_RULES:
        return "invalid_timestamp"
    return _RULE_REASONS.get(rule, "schema_violation")


def _with_index(rejection: Rejection, index: int) -> Rejection:
    return Rejection(
        rejection.reason_code, rejection.message, rejection.field, rejection.rule, rejection.record, index
    )


def record_bytes(record: Any, payload: bytes) -> bytes:
    """The bytes to keep in quarantine: the offending record if the adapter isolated it, else the payload."""
    if record is None:
        return payload
    if isinstance(record, bytes):
        return record
    return json.dumps(record, default=str, sort_keys=True).encode()
