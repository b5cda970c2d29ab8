"""The canonical event boundary: what is accepted, and every rejection naming its field and rule."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from db.master_data import facilities
from pipeline.canonical import CanonicalEventError, ValidatedEvent, validate_event
from pipeline.registry import Registry
from pipeline.taxonomy import Stage, latest_definitions, parse_definition

REGISTRY = Registry.from_files()
ZONES = {item.facility_id: item.time_zone for item in facilities()}
LATEST = latest_definitions()


def order_received(**changes) -> dict:
    event = {
        "event_id": "RNO-000000001",
        "source": "wms:DC-RNO",
        "event_type": "ORDER_RECEIVED",
        "occurred_at": "2026-03-07T03:42:10Z",
        "order_id": "SO-01234567",
        "facility_id": "DC-RNO",
        "sequence": 1,
        "attributes": copy.deepcopy(LATEST["ORDER_RECEIVED"].attributes_schema["examples"][0]),
    }
    event.update(changes)
    return event


def example_event(event_type: str) -> dict:
    """A valid event of any type, built from the example in its definition file."""
    stage = LATEST[event_type].stage
    event = {
        "event_id": f"{event_type}-1",
        "source": {Stage.FULFILLMENT: "wms:DC-CMH", Stage.CARRIER: "carrier:ups"}.get(stage, "helpdesk"),
        "event_type": event_type,
        "occurred_at": "2026-03-09T14:05:00-05:00",
        "order_id": "SO-01234567",
        "attributes": copy.deepcopy(LATEST[event_type].attributes_schema["examples"][0]),
    }
    if stage is Stage.FULFILLMENT:
        event["facility_id"] = "DC-CMH"
    if stage is Stage.CARRIER:
        event.update(carrier="ups", tracking_number="1Z999AA10123456784", shipment_id="SO-01234567-1")
    return event


def rejection(event) -> CanonicalEventError:
    with pytest.raises(CanonicalEventError) as raised:
        validate_event(event, REGISTRY, ZONES)
    return raised.value


def test_a_good_order_received_becomes_a_validated_event_with_facility_local_time():
    event = validate_event(order_received(), REGISTRY, ZONES)

    assert isinstance(event, ValidatedEvent)
    assert (event.event_type, event.stage, event.severity, event.schema_version) == (
        "ORDER_RECEIVED",
        "fulfillment",
        "info",
        1,
    )
    assert event.occurred_at == datetime(2026, 3, 7, 3, 42, 10, tzinfo=UTC)
    assert (event.local_time, event.time_zone, event.utc_offset_minutes) == (
        datetime(2026, 3, 6, 19, 42, 10),
        "America/Los_Angeles",
        -480,
    )
    assert (event.order_id, event.facility_id, event.sequence, event.flags) == (
        "SO-01234567",
        "DC-RNO",
        1,
        (),
    )
    assert event.attributes["lines"][0]["sku"] == "SKU-004512"


@pytest.mark.parametrize("event_type", sorted(LATEST))
def test_an_event_of_every_type_is_accepted(event_type):
    event = validate_event(example_event(event_type), REGISTRY, ZONES)

    assert event.stage == LATEST[event_type].stage
    assert event.severity == LATEST[event_type].severity


def test_any_mapping_is_accepted_not_only_a_dict():
    assert validate_event(MappingProxyType(order_received()), REGISTRY, ZONES).order_id == "SO-01234567"


def test_the_rejection_reads_as_field_message_and_rule():
    error = rejection(order_received(occurred_at="2026-03-08T02:30:00"))

    assert (
        str(error) == "occurred_at: timestamp '2026-03-08T02:30:00' has no UTC offset (rule: offset_required)"
    )


def _without(key):
    def edit(event):
        del event[key]

    return edit


def _without_attribute(key):
    def edit(event):
        del event["attributes"][key]

    return edit


def _set(key, value):
    return lambda event: event.update({key: value})


def _set_attribute(path, value):
    def edit(event):
        target = event["attributes"]
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return edit


REJECTIONS = [
    # envelope
    ("occurred_at", "offset_required", _set("occurred_at", "2026-03-08T02:30:00")),
    ("occurred_at", "rfc3339", _set("occurred_at", "08/03/2026 02:30")),
    ("occurred_at", "type", _set("occurred_at", 1772965800)),
    ("order_id", "required", _without("order_id")),
    ("event_id", "minLength", _set("event_id", "")),
    ("sequence", "type", _set("sequence", "7")),
    ("priority", "additionalProperties", _set("priority", "high")),
    ("severity", "additionalProperties", _set("severity", "critical")),
    ("stage", "additionalProperties", _set("stage", "carrier")),
    ("attributes", "type", _set("attributes", ["web"])),
    ("event_type", "unknown_event_type", _set("event_type", "ORDER_TELEPORTED")),
    ("schema_version", "unknown_schema_version", _set("schema_version", 9)),
    ("facility_id", "required", _without("facility_id")),
    ("facility_id", "unknown_facility", _set("facility_id", "DC-XYZ")),
    # ORDER_RECEIVED attributes
    ("attributes.lines", "required", _without_attribute("lines")),
    ("attributes.lines", "minItems", _set_attribute(["lines"], [])),
    ("attributes.lines[0].qty", "minimum", _set_attribute(["lines", 0, "qty"], 0)),
    ("attributes.lines[1].qty", "type", _set_attribute(["lines", 1, "qty"], 1.5)),
    ("attributes.channel", "enum", _set_attribute(["channel"], "fax")),
    (
        "attributes.promised_delivery_by",
        "offset_required",
        _set_attribute(["promised_delivery_by"], "2026-03-12T23:59:59"),
    ),
    ("attributes.ship_by", "rfc3339", _set_attribute(["ship_by"], "tomorrow")),
    (
        "attributes.destination.time_zone",
        "format",
        _set_attribute(["destination", "time_zone"], "Central Time"),
    ),
    (
        "attributes.destination.planet",
        "additionalProperties",
        _set_attribute(["destination", "planet"], "Earth"),
    ),
    ("attributes.customer.email", "format", _set_attribute(["customer", "email"], "ann at example dot com")),
    ("attributes.loyalty_tier", "additionalProperties", _set_attribute(["loyalty_tier"], "gold")),
]


@pytest.mark.parametrize(
    ("field", "rule", "edit"), REJECTIONS, ids=[f"{field}:{rule}" for field, rule, _ in REJECTIONS]
)
def test_every_rejection_names_the_field_and_the_rule(field, rule, edit):
    event = order_received()
    edit(event)

    error = rejection(event)

    assert (error.field, error.rule) == (field, rule)
    assert str(error).startswith(f"{field}: ") and str(error).endswith(f"(rule: {rule})")


@pytest.mark.parametrize(
    ("event_type", "field", "rule", "edit"),
    [
        ("SURVEY_RESPONDED", "attributes.score", "maximum", _set_attribute(["score"], 6)),
        ("SURVEY_RESPONDED", "attributes.score", "minimum", _set_attribute(["score"], 0)),
        ("SURVEY_RESPONDED", "attributes.score", "required", _without_attribute("score")),
        ("ARRIVED_AT_HUB", "tracking_number", "required", _without("tracking_number")),
        ("ARRIVED_AT_HUB", "carrier", "required", _without("carrier")),
        ("ARRIVED_AT_HUB", "tracking_number", "pattern", _set("tracking_number", "1Z 999")),
        ("DELIVERY_DELAYED", "attributes.reason", "enum", _set_attribute(["reason"], "aliens")),
        (
            "DELIVERY_DELAYED",
            "attributes.new_estimated_delivery",
            "format",
            _set_attribute(["new_estimated_delivery"], "2026-02-30"),
        ),
        ("RETURN_REQUESTED", "attributes.currency", "dependentRequired", _without_attribute("currency")),
        ("REFUND_ISSUED", "attributes.amount", "minimum", _set_attribute(["amount"], -5)),
        ("PICK_SHORT", "attributes.qty_short", "required", _without_attribute("qty_short")),
        ("LABEL_PRINTED", "attributes.service_level", "required", _without_attribute("service_level")),
        ("ITEM_PICKED", "attributes.operator_id", "pattern", _set_attribute(["operator_id"], "Jane Doe")),
    ],
)
def test_rejections_of_other_types_name_the_field_and_the_rule(event_type, field, rule, edit):
    event = example_event(event_type)
    edit(event)

    error = rejection(event)

    assert (error.field, error.rule) == (field, rule)


def test_a_non_object_event_is_refused():
    assert (rejection(["not", "an", "event"]).field, rejection("x").rule) == ("event", "type")


def test_a_carrier_scan_gets_the_local_time_of_its_scan_location():
    event = validate_event(example_event("ARRIVED_AT_HUB"), REGISTRY, ZONES)

    assert (event.time_zone, event.local_time, event.utc_offset_minutes) == (
        "America/Chicago",
        datetime(2026, 3, 9, 14, 5),
        -300,
    )


def test_a_carrier_scan_from_a_dc_shipment_still_reads_in_the_scan_locations_zone():
    event = validate_event({**example_event("ARRIVED_AT_HUB"), "facility_id": "DC-RNO"}, REGISTRY, ZONES)

    assert (event.facility_id, event.time_zone) == ("DC-RNO", "America/Chicago")


def test_an_event_with_no_facility_or_zone_in_its_attributes_has_no_local_time():
    event = validate_event(example_event("SURVEY_RESPONDED"), REGISTRY, ZONES)

    assert (event.local_time, event.time_zone, event.utc_offset_minutes, event.flags) == (
        None,
        None,
        None,
        (),
    )


def test_an_event_without_a_facility_takes_the_destination_zone_when_its_type_has_one():
    address_changed = parse_definition(
        {
            "event_type": "ADDRESS_CHANGED",
            "version": 1,
            "stage": "post_delivery",
            "severity": "info",
            "customer_text": "Your delivery address has been updated",
            "internal_text": "Customer changed the delivery address",
            "attributes": {
                "type": "object",
                "properties": {
                    "destination": {
                        "type": "object",
                        "properties": {"time_zone": {"type": "string", "format": "iana-time-zone"}},
                        "additionalProperties": False,
                    }
                },
                "additionalProperties": False,
            },
        },
        "test",
    )
    registry = Registry([address_changed])
    raw = {**example_event("SURVEY_RESPONDED"), "event_type": "ADDRESS_CHANGED"}
    raw["attributes"] = {"destination": {"time_zone": "America/Anchorage"}}

    event = validate_event(raw, registry, ZONES)

    assert (event.time_zone, event.local_time, event.utc_offset_minutes) == (
        "America/Anchorage",
        datetime(2026, 3, 9, 11, 5),
        -480,
    )


@pytest.mark.parametrize(
    ("occurred_at", "offset"),
    [("2026-11-01T08:30:00Z", -420), ("2026-11-01T09:30:00Z", -480)],
)
def test_events_in_the_fold_hour_keep_their_instant_and_are_flagged(occurred_at, offset):
    event = validate_event(
        {**example_event("ITEM_PICKED"), "facility_id": "DC-RNO", "occurred_at": occurred_at}, REGISTRY, ZONES
    )

    assert event.local_time == datetime(2026, 11, 1, 1, 30)
    assert event.utc_offset_minutes == offset
    assert event.flags == ("dst_fold",)


@pytest.mark.parametrize(
    ("facility_id", "local_time", "offset"),
    [
        ("ST-022", datetime(2026, 7, 1, 12, 0), -420),  # America/Phoenix: no DST
        ("ST-030", datetime(2026, 7, 1, 9, 0), -600),  # Pacific/Honolulu
        ("DC-CMH", datetime(2026, 7, 1, 15, 0), -240),
    ],
)
def test_store_and_dc_events_get_their_own_zone(facility_id, local_time, offset):
    raw = {**example_event("PICK_STARTED"), "facility_id": facility_id, "occurred_at": "2026-07-01T19:00:00Z"}

    event = validate_event(raw, REGISTRY, ZONES)

    assert (event.local_time, event.utc_offset_minutes, event.time_zone) == (
        local_time,
        offset,
        ZONES[facility_id],
    )


def test_an_explicit_schema_version_is_used():
    assert validate_event(order_received(schema_version=1), REGISTRY, ZONES).schema_version == 1


def test_a_facility_with_an_unknown_zone_is_named():
    with pytest.raises(CanonicalEventError) as raised:
        validate_event(order_received(), REGISTRY, {"DC-RNO": "Nowhere/Land"})

    assert (raised.value.field, raised.value.rule) == ("facility_id", "unknown_time_zone")


def test_flags_an_importer_declares_are_kept_beside_those_of_the_local_time():
    resolved_in_gap = {**example_event("PICK_STARTED"), "flags": ["dst_gap"]}

    assert validate_event(resolved_in_gap, REGISTRY, ZONES).flags == ("dst_gap",)


def test_an_unknown_flag_is_refused():
    error = rejection({**example_event("PICK_STARTED"), "flags": ["guessed"]})

    assert (error.field, error.rule) == ("flags[0]", "enum")


def test_an_offset_the_source_reported_is_kept_even_where_the_zone_disagrees():
    event = validate_event(
        {**example_event("PICK_STARTED"), "occurred_at": "2026-03-09T19:05:00Z", "utc_offset": "+01:00"},
        REGISTRY,
        ZONES,
    )

    assert (event.utc_offset_minutes, event.local_time, event.time_zone) == (
        60,
        datetime(2026, 3, 9, 20, 5),
        "America/New_York",
    )


def test_the_envelope_has_a_compiled_fast_path():
    """Without one, jsonschema alone validates ~10x slower and the loader falls behind the sources."""
    from pipeline.canonical import ENVELOPE_SCHEMA
    from pipeline.schema_fast_path import compile_check
    from pipeline.schema_formats import FORMAT_CHECKER

    assert compile_check(ENVELOPE_SCHEMA, FORMAT_CHECKER) is not None
