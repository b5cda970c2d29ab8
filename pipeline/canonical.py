"""The canonical event boundary: a raw event (from any importer) in, a `ValidatedEvent` out, or a
`CanonicalEventError` naming the field and the rule it broke.

The envelope is pipeline/schemas/envelope.v1.json; the attributes are checked against the registered
schema of the type. Stage and severity come from the registry, never from the input. The UTC instant is
the truth; the wall clock beside it is the one where the event happened: for carrier-stage events the
scan location's zone (`attributes.location.time_zone`) first, because a scan in Denver is not at the
Reno DC that shipped the parcel; otherwise the zone of the event's facility, then the scan location's,
then the order's destination (`attributes.destination.time_zone`); with none of these the local fields
stay empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from pipeline.facility_time import LocalizedTime, TimestampError, parse_rfc3339, to_local
from pipeline.registry import Registry, UnknownEventTypeError
from pipeline.schema_fast_path import compile_check
from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.taxonomy import ENVELOPE_FILE, Stage

ENVELOPE_SCHEMA: dict[str, Any] = json.loads(ENVELOPE_FILE.read_text())
_ENVELOPE = Draft202012Validator(ENVELOPE_SCHEMA, format_checker=FORMAT_CHECKER)


def _occurred_at_unformatted(schema: dict[str, Any]) -> dict[str, Any]:
    """The envelope without the `date-time` format of `occurred_at`, for the fast path only.

    `validate_event` parses `occurred_at` right after the envelope check, by the very rule the format
    names (`parse_rfc3339`), and reports its error exactly as jsonschema's would be reported, so the
    fast path need not check the same string twice. jsonschema, the authority, keeps the format."""
    properties = dict(schema["properties"])
    properties["occurred_at"] = {k: v for k, v in properties["occurred_at"].items() if k != "format"}
    return {**schema, "properties": properties}


_ENVELOPE_ACCEPTS = (
    compile_check(_occurred_at_unformatted(ENVELOPE_SCHEMA), FORMAT_CHECKER) or _ENVELOPE.is_valid
)
_STAGE_REQUIRES = {Stage.FULFILLMENT: ("facility_id",), Stage.CARRIER: ("carrier", "tracking_number")}
_LOCAL_ZONE_CONTAINERS = ("location", "destination")


class CanonicalEventError(ValueError):
    """A raw event that cannot become a canonical event: which field broke which rule, and how."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message} (rule: {rule})")
        self.field = field
        self.rule = rule
        self.message = message


@dataclass(slots=True)
class ValidatedEvent:
    """Everything the loader writes to an `event` row, already checked. Treated as immutable (changes go
    through `dataclasses.replace`); not declared frozen because a frozen dataclass costs a generic
    attribute write per field, on every event of every batch."""

    event_id: str
    source: str
    event_type: str
    stage: str
    severity: str
    schema_version: int
    occurred_at: datetime
    local_time: datetime | None
    time_zone: str | None
    utc_offset_minutes: int | None
    order_id: str
    facility_id: str | None
    shipment_id: str | None
    carrier: str | None
    tracking_number: str | None
    sequence: int | None
    attributes: dict[str, Any]
    flags: tuple[str, ...]


def validate_event(
    raw: Mapping[str, Any], registry: Registry, facility_zones: Mapping[str, str]
) -> ValidatedEvent:
    """Check a raw event against the envelope, its type's registered schema and the known facilities."""
    if not isinstance(raw, dict):
        if not isinstance(raw, Mapping):
            raise CanonicalEventError("event", "type", f"an event is a JSON object, got {type(raw).__name__}")
        raw = dict(raw)
    if not _ENVELOPE_ACCEPTS(raw):
        _raise_first(_ENVELOPE, raw, "")
    occurred_at = _parse(raw["occurred_at"], "occurred_at")
    try:
        definition, validator, accepts = registry.resolve(raw["event_type"], raw.get("schema_version"))
    except UnknownEventTypeError as error:
        raise CanonicalEventError(error.field, error.rule, error.message) from None
    for field in _STAGE_REQUIRES.get(definition.stage, ()):
        if field not in raw:
            raise CanonicalEventError(field, "required", f"{field} is required for {definition.stage} events")
    facility_id = raw.get("facility_id")
    zone = None
    if facility_id is not None:
        zone = facility_zones.get(facility_id)
        if zone is None:
            raise CanonicalEventError(
                "facility_id", "unknown_facility", f"{facility_id!r} is not a known facility"
            )
    attributes = raw.get("attributes", {})
    if not accepts(attributes):
        _raise_first(validator, attributes, "attributes")
    if definition.stage == Stage.CARRIER and _nested_zone(attributes, "location") is not None:
        zone = None
    local = _local_time(occurred_at, zone, attributes)
    if "utc_offset" in raw:
        local = _reported_offset(occurred_at, raw["utc_offset"], local)
    sequence = raw.get("sequence")
    return ValidatedEvent(
        event_id=raw["event_id"],
        source=raw["source"],
        event_type=definition.event_type,
        stage=str(definition.stage),
        severity=str(definition.severity),
        schema_version=definition.version,
        occurred_at=occurred_at,
        local_time=local.local_wall if local else None,
        time_zone=local.zone if local else None,
        utc_offset_minutes=local.offset_minutes if local else None,
        order_id=raw["order_id"],
        facility_id=facility_id,
        shipment_id=raw.get("shipment_id"),
        carrier=raw.get("carrier"),
        tracking_number=raw.get("tracking_number"),
        sequence=int(sequence) if sequence is not None else None,
        attributes=dict(attributes),
        flags=_merged_flags(raw.get("flags", ()), local.flags if local else ()),
    )


def _reported_offset(occurred_at: datetime, offset: str, local: LocalizedTime | None) -> LocalizedTime:
    """Keep the offset the source reported (they need not match the zone's; the instant is the truth)."""
    sign = -1 if offset.startswith("-") else 1
    minutes = sign * (int(offset[1:3]) * 60 + int(offset[4:6]))
    wall = (occurred_at + timedelta(minutes=minutes)).replace(tzinfo=None)
    return LocalizedTime(
        occurred_at, wall, local.zone if local else offset, minutes, local.flags if local else ()
    )


def _merged_flags(declared: Any, derived: tuple[str, ...]) -> tuple[str, ...]:
    """Flags the importer declared (a DST gap it resolved) plus those the local time itself carries."""
    if not declared and not derived:
        return ()  # most events: no set to build
    return tuple(sorted({*declared, *derived}))


def _parse(value: object, field: str) -> datetime:
    try:
        return parse_rfc3339(value, field)
    except TimestampError as error:
        raise CanonicalEventError(error.field, error.rule, error.message) from None


def _nested_zone(attributes: Mapping[str, Any], container: str) -> str | None:
    nested = attributes.get(container)
    if isinstance(nested, Mapping) and isinstance(nested.get("time_zone"), str):
        return nested["time_zone"]
    return None


def _local_time(
    occurred_at: datetime, zone: str | None, attributes: Mapping[str, Any]
) -> LocalizedTime | None:
    field = None
    if zone is None:
        for container in _LOCAL_ZONE_CONTAINERS:
            zone = _nested_zone(attributes, container)
            if zone is not None:
                field = f"attributes.{container}.time_zone"
                break
        else:
            return None
    try:
        return to_local(occurred_at, zone)
    except ValueError as error:
        raise CanonicalEventError(field or "facility_id", "unknown_time_zone", str(error)) from None


def _raise_first(validator: Draft202012Validator, document: object, prefix: str) -> None:
    """Raise the most relevant schema error; return when jsonschema, the authority, finds none."""
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise _schema_error(error, prefix)


def _schema_error(error: ValidationError, prefix: str) -> CanonicalEventError:
    """A schema error as a field and rule, the field pointing at the exact property at fault."""
    path = prefix
    for part in error.absolute_path:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    rule = str(error.validator)
    if rule in ("required", "dependentRequired"):
        needed = error.validator_value if rule == "required" else _dependent_needs(error)
        missing = next(name for name in needed if name not in error.instance)
        return CanonicalEventError(_child(path, missing), rule, f"{missing!r} is required")
    if rule == "additionalProperties":
        declared = error.schema.get("properties", {})
        extra = sorted(name for name in error.instance if name not in declared)[0]
        return CanonicalEventError(_child(path, extra), rule, f"unknown field {extra!r}")
    if rule == "format" and error.validator_value == "date-time":
        try:
            parse_rfc3339(error.instance, path)
        except TimestampError as timestamp_error:
            return CanonicalEventError(timestamp_error.field, timestamp_error.rule, timestamp_error.message)
    return CanonicalEventError(path or "event", rule, error.message)


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _dependent_needs(error: ValidationError) -> list[str]:
    needs: list[str] = []
    for name, required in error.validator_value.items():
        if name in error.instance:
            needs.extend(required)
    return needs
