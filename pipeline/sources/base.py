"""What every source adapter is: a pure parser from the bytes a source sent to canonical events.

A parser never does I/O. It yields raw canonical events (dicts in the shape of
pipeline/schemas/envelope.v1.json) and `Rejection`s for records it cannot turn into events (an unknown
vendor code, a missing field, a time it cannot read). Validation against the registry, dedupe and
loading happen after it, the same for every source.

Carrier payloads carry a tracking number but not our order id: parsers leave `order_id` out and the
normalizer fills `order_id`, `shipment_id` and `facility_id` from the shipments Waypoint knows (see
`ShipmentRef`), or parks the record until the label that introduces the tracking number arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

REASON_CODES = {
    "malformed_payload": "the bytes are not the JSON (or document) the source promises",
    "unknown_code": "a vendor event or status code that no mapping table knows",
    "schema_violation": "the canonical event breaks its type's registered schema",
    "invalid_timestamp": "a time that is missing, unreadable, naive where an offset is required, or impossible",
    "unknown_facility": "a facility, warehouse or store code that master data does not know",
    "unknown_carrier": "a carrier that master data does not know",
    "unmatched_tracking_number": "a carrier scan for a tracking number no label has introduced yet (replayed when it is)",
    "missing_field": "a field the source always sends is absent",
    "unknown_source": "a payload from a source no adapter reads",
    "adapter_error": "the adapter failed on this payload (a bug to fix, then replay)",
}


@dataclass(frozen=True)
class Rejection:
    """A record that could not become a canonical event, and exactly why."""

    reason_code: str
    message: str
    field: str | None = None
    rule: str | None = None
    record: Any = None
    record_index: int | None = None

    def __post_init__(self) -> None:
        if self.reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {self.reason_code!r}; known: {sorted(REASON_CODES)}")


@dataclass(frozen=True)
class ShipmentRef:
    order_id: str
    shipment_id: str
    facility_id: str | None
    destination_time_zone: str | None


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the payload: who sent it, when, and the facilities' zones."""

    source: str
    received_at: datetime
    facility_zones: Mapping[str, str]
    shipments: Mapping[str, ShipmentRef] = field(default_factory=dict)


Parsed = dict[str, Any] | Rejection


class SourceAdapter(Protocol):
    """One per source format. `parse` is pure; `tracking_numbers` lets the normalizer prefetch shipments."""

    format: str

    def parse(self, payload: bytes, context: ParseContext) -> Iterable[Parsed]: ...

    def tracking_numbers(self, payload: bytes) -> set[str]: ...
