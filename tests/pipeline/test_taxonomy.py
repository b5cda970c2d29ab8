"""The taxonomy files: complete, strict, and validated when loaded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pipeline import taxonomy
from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.taxonomy import (
    EVENTS_DIR,
    DefinitionError,
    Severity,
    Stage,
    latest_definitions,
    load_definitions,
)

FULFILLMENT = {
    "ORDER_RECEIVED", "ORDER_ALLOCATED", "ORDER_RELEASED", "PICK_STARTED", "ITEM_PICKED", "PICK_SHORT",
    "PICK_COMPLETED", "PACK_STARTED", "PACK_COMPLETED", "LABEL_PRINTED", "STAGED_OUTBOUND", "ORDER_ON_HOLD",
    "ORDER_HOLD_RELEASED", "ORDER_REALLOCATED", "ORDER_SPLIT", "ORDER_CANCELLED", "READY_FOR_STORE_PICKUP",
}  # fmt: skip
CARRIER = {
    "CARRIER_PICKUP", "IN_TRANSIT", "ARRIVED_AT_HUB", "DEPARTED_HUB", "OUT_FOR_DELIVERY", "DELIVERY_ATTEMPTED",
    "DELIVERY_DELAYED", "ADDRESS_ISSUE", "DELIVERY_EXCEPTION", "HELD_FOR_PICKUP", "RETURN_TO_SENDER", "LOST",
    "DELIVERED",
}  # fmt: skip
POST_DELIVERY = {
    "CUSTOMER_PICKED_UP", "SUPPORT_TICKET_OPENED", "CUSTOMER_REPORTED_ISSUE", "RETURN_REQUESTED",
    "RETURN_RECEIVED", "REFUND_ISSUED", "SURVEY_RESPONDED",
}  # fmt: skip
LATEST = latest_definitions()


def _object_schemas(schema: dict, path: str = "attributes"):
    """Every schema of type object inside `schema`, with its path."""
    if schema.get("type") == "object":
        yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _object_schemas(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _object_schemas(schema["items"], f"{path}[]")


def test_there_are_exactly_37_types_17_fulfillment_13_carrier_7_post_delivery():
    assert len(LATEST) == 37
    assert taxonomy.FULFILLMENT_TYPES == FULFILLMENT
    assert taxonomy.CARRIER_TYPES == CARRIER
    assert taxonomy.POST_DELIVERY_TYPES == POST_DELIVERY
    assert {name for name, item in LATEST.items() if item.stage is Stage.FULFILLMENT} == FULFILLMENT


@pytest.mark.parametrize("event_type", sorted(LATEST))
def test_every_type_has_texts_a_severity_and_a_valid_strict_attribute_schema(event_type):
    definition = LATEST[event_type]

    assert definition.customer_text.strip() and definition.internal_text.strip()
    assert definition.customer_text != definition.internal_text
    assert isinstance(definition.severity, Severity)
    Draft202012Validator.check_schema(definition.attributes_schema)
    for path, schema in _object_schemas(definition.attributes_schema):
        assert schema.get("additionalProperties") is False, f"{path} must be closed"
        for name, sub in schema.get("properties", {}).items():
            assert "type" in sub, f"{path}.{name} has no type"


@pytest.mark.parametrize("event_type", sorted(LATEST))
def test_every_type_carries_a_valid_example_of_its_attributes(event_type):
    schema = LATEST[event_type].attributes_schema
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)

    assert schema["examples"]
    for example in schema["examples"]:
        assert list(validator.iter_errors(example)) == []


def test_customer_texts_are_plain_language():
    assert LATEST["IN_TRANSIT"].customer_text == "Your order is on its way"
    assert LATEST["DELIVERY_DELAYED"].customer_text == "Delivery is delayed"
    jargon = ("wave", "pick list", "RMA", "SKU", "carrier hub", "exception")
    for definition in LATEST.values():
        assert not any(word.lower() in definition.customer_text.lower() for word in jargon), (
            definition.event_type
        )


def test_the_fields_later_kpis_need_are_required_and_typed():
    order = LATEST["ORDER_RECEIVED"].attributes_schema
    assert {"promised_delivery_by", "ship_by", "channel", "fulfillment", "destination", "lines"} <= set(
        order["required"]
    )
    assert order["properties"]["promised_delivery_by"]["format"] == "date-time"
    assert order["properties"]["ship_by"]["format"] == "date-time"
    assert order["properties"]["lines"]["minItems"] == 1
    assert order["properties"]["lines"]["items"]["properties"]["qty"]["minimum"] == 1
    label = LATEST["LABEL_PRINTED"].attributes_schema
    assert {"carrier", "service_level", "tracking_number"} <= set(label["required"])
    score = LATEST["SURVEY_RESPONDED"].attributes_schema["properties"]["score"]
    assert (score["type"], score["minimum"], score["maximum"]) == ("integer", 1, 5)


def test_severities_put_carrier_failures_above_routine_scans():
    assert LATEST["DELIVERED"].severity is Severity.INFO
    assert LATEST["DELIVERY_DELAYED"].severity is Severity.WARNING
    assert {LATEST[name].severity for name in ("LOST", "DELIVERY_EXCEPTION", "RETURN_TO_SENDER")} == {
        Severity.CRITICAL
    }


def test_the_fingerprint_ignores_key_order_and_follows_content():
    definition = LATEST["SURVEY_RESPONDED"]
    reordered = taxonomy.parse_definition(dict(reversed(list(definition.to_document().items()))), "test")
    reworded = taxonomy.parse_definition(
        {**definition.to_document(), "internal_text": "Survey answered"}, "test"
    )

    assert reordered.fingerprint == definition.fingerprint
    assert reworded.fingerprint != definition.fingerprint


@pytest.fixture
def events_dir(tmp_path: Path) -> Path:
    """A copy of two definition folders to break at will."""
    for name in ("SURVEY_RESPONDED", "LOST"):
        shutil.copytree(EVENTS_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, **changes) -> None:
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"version": "1"}, "version"),
        ({"stage": "shipping"}, "stage"),
        ({"severity": "urgent"}, "severity"),
        ({"customer_text": "  "}, "customer_text"),
        ({"event_type": "survey responded"}, "event_type"),
        ({"colour": "blue"}, "colour"),
        (
            {"attributes": {"type": "object", "properties": {"score": {"type": "int"}}}},
            "attributes.properties.score.type",
        ),
        ({"attributes": {"type": "array"}}, "attributes.type"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_field(events_dir, changes, field):
    path = events_dir / "SURVEY_RESPONDED" / "v1.json"
    _edit(path, **changes)

    with pytest.raises(DefinitionError) as raised:
        load_definitions(events_dir)

    assert raised.value.source == str(path)
    assert raised.value.field == field
    assert str(path) in str(raised.value) and field in str(raised.value)


def test_a_missing_field_is_named(events_dir):
    path = events_dir / "LOST" / "v1.json"
    document = json.loads(path.read_text())
    del document["internal_text"]
    path.write_text(json.dumps(document))

    with pytest.raises(DefinitionError, match="internal_text"):
        load_definitions(events_dir)


def test_a_file_that_is_not_json_is_refused(events_dir):
    (events_dir / "LOST" / "v1.json").write_text("{not json")

    with pytest.raises(DefinitionError, match="not valid JSON"):
        load_definitions(events_dir)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"event_type": "DELIVERED"}, "event_type"), ({"version": 2}, "version")],
)
def test_the_folder_and_file_name_must_agree_with_the_content(events_dir, changes, field):
    _edit(events_dir / "LOST" / "v1.json", **changes)

    with pytest.raises(DefinitionError) as raised:
        load_definitions(events_dir)

    assert raised.value.field == field


def test_latest_definitions_picks_the_highest_version(events_dir):
    v1 = json.loads((events_dir / "LOST" / "v1.json").read_text())
    (events_dir / "LOST" / "v2.json").write_text(
        json.dumps({**v1, "version": 2, "internal_text": "Declared lost"})
    )

    definitions = load_definitions(events_dir)
    latest = latest_definitions(events_dir)

    assert [(item.event_type, item.version) for item in definitions] == [
        ("LOST", 1),
        ("LOST", 2),
        ("SURVEY_RESPONDED", 1),
    ]
    assert latest["LOST"].version == 2
    assert latest["LOST"].internal_text == "Declared lost"
