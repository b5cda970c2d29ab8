"""The registry in PostgreSQL: synced from the files, immutable once published, extended at runtime."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from db.master_data import facilities
from db.models import EventSchema
from pipeline.canonical import CanonicalEventError, validate_event
from pipeline.registry import (
    IncompatibleSchemaError,
    PublishedVersionChangedError,
    Registry,
    RegistryError,
    UnknownEventTypeError,
    published_definitions,
    register,
    sync_registry,
)
from pipeline.taxonomy import EVENTS_DIR, DefinitionError, latest_definitions

LATEST = latest_definitions()
ZONES = {item.facility_id: item.time_zone for item in facilities()}


def next_version(event_type: str, edit=None, **changes) -> dict:
    """The document of `event_type` v2, derived from v1."""
    document = copy.deepcopy(LATEST[event_type].to_document())
    document.update(version=2, **changes)
    if edit:
        edit(document["attributes"])
    return document


CUSTOMS_CLEARED = {
    "event_type": "CUSTOMS_CLEARED",
    "version": 1,
    "stage": "carrier",
    "severity": "info",
    "customer_text": "Your order has cleared customs",
    "internal_text": "Released by customs; international leg continues",
    "attributes": {
        "type": "object",
        "properties": {
            "raw_code": {"type": "string", "maxLength": 64},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "duties_paid": {"type": "number", "minimum": 0},
        },
        "required": ["country"],
        "additionalProperties": False,
    },
}


def count_rows(conn) -> int:
    return conn.execute(select(func.count()).select_from(EventSchema)).scalar_one()


def test_the_prepared_database_holds_every_file_with_its_fingerprint(conn):
    rows = conn.execute(select(EventSchema.event_type, EventSchema.version, EventSchema.fingerprint)).all()

    assert {(row.event_type, row.version): row.fingerprint for row in rows} == {
        (item.event_type, item.version): item.fingerprint for item in LATEST.values()
    }


def test_sync_is_idempotent(conn):
    report = sync_registry(conn)

    assert report.inserted == ()
    assert report.unchanged == 37
    assert count_rows(conn) == 37


def test_the_registry_from_the_database_equals_the_registry_from_the_files(conn):
    from_database = Registry.from_database(conn)
    from_files = Registry.from_files()

    assert from_database.types() == from_files.types()
    assert from_database.get("ORDER_RECEIVED") == from_files.get("ORDER_RECEIVED")
    assert "LOST" in from_database and "TELEPORTED" not in from_database


def test_a_compatible_new_version_is_registered_and_becomes_the_latest(conn):
    document = next_version(
        "ORDER_RECEIVED",
        lambda schema: schema["properties"].update(gift_message={"type": "string", "maxLength": 200}),
    )

    register(conn, document)
    registry = Registry.from_database(conn)

    assert registry.get("ORDER_RECEIVED").version == 2
    assert registry.get("ORDER_RECEIVED", 1).version == 1
    assert count_rows(conn) == 38


def test_registering_the_same_definition_again_is_a_no_op(conn):
    register(conn, LATEST["LOST"].to_document())
    register(conn, CUSTOMS_CLEARED)
    register(conn, CUSTOMS_CLEARED)

    assert count_rows(conn) == 38


def test_a_published_version_is_immutable(conn):
    changed = {**LATEST["LOST"].to_document(), "customer_text": "Your package is lost"}

    with pytest.raises(PublishedVersionChangedError) as raised:
        register(conn, changed)

    assert raised.value.rule == "published_version_changed"
    assert "LOST v1" in str(raised.value) and "add v2" in str(raised.value)


def test_an_incompatible_version_is_refused_listing_each_field_and_rule(conn):
    def tighten(schema):
        schema["required"].append("order_value")
        schema["properties"]["channel"]["enum"].remove("store")
        schema["properties"]["destination"]["properties"]["postal_code"]["pattern"] = "^[0-9]{5}$"

    with pytest.raises(IncompatibleSchemaError) as raised:
        register(conn, next_version("ORDER_RECEIVED", tighten))

    found = {(item.path, item.rule) for item in raised.value.incompatibilities}
    assert found == {
        ("attributes.order_value", "required_added"),
        ("attributes.channel", "enum_value_removed"),
        ("attributes.destination.postal_code", "pattern_tightened"),
    }
    for path, rule in found:
        assert path in str(raised.value) and rule in str(raised.value)
    assert count_rows(conn) == 37


def test_a_new_version_keeps_the_stage(conn):
    with pytest.raises(IncompatibleSchemaError) as raised:
        register(conn, next_version("LOST", stage="post_delivery"))

    assert [(item.path, item.rule) for item in raised.value.incompatibilities] == [("stage", "stage_changed")]


def test_versions_are_consecutive(conn):
    with pytest.raises(RegistryError) as raised:
        register(conn, {**LATEST["LOST"].to_document(), "version": 3})

    assert raised.value.rule == "version_not_next"


def test_an_invalid_definition_is_refused_naming_the_field(conn):
    with pytest.raises(DefinitionError) as raised:
        register(conn, {**CUSTOMS_CLEARED, "severity": "urgent"})

    assert raised.value.field == "severity"


def test_a_brand_new_type_registered_at_runtime_is_validated_with_no_code_change(conn):
    scan = {
        "event_id": "dhl-77-4",
        "source": "carrier:dhl",
        "event_type": "CUSTOMS_CLEARED",
        "occurred_at": "2026-03-10T06:12:00+01:00",
        "order_id": "SO-01234567",
        "carrier": "dhl",
        "tracking_number": "JD014600003828392",
        "attributes": {"country": "US", "duties_paid": 0},
    }
    with pytest.raises(CanonicalEventError) as before:
        validate_event(scan, Registry.from_database(conn), ZONES)
    assert before.value.rule == "unknown_event_type"

    register(conn, CUSTOMS_CLEARED)
    registry = Registry.from_database(conn)
    event = validate_event(scan, registry, ZONES)

    assert (event.event_type, event.stage, event.severity) == ("CUSTOMS_CLEARED", "carrier", "info")
    with pytest.raises(CanonicalEventError) as refused:
        validate_event({**scan, "attributes": {"country": "usa"}}, registry, ZONES)
    assert (refused.value.field, refused.value.rule) == ("attributes.country", "pattern")


def test_a_runtime_type_outside_the_fast_path_subset_is_still_validated(conn):
    definition = copy.deepcopy(CUSTOMS_CLEARED)
    definition["attributes"]["properties"]["country"] = {"anyOf": [{"const": "US"}, {"const": "CA"}]}
    register(conn, definition)
    registry = Registry.from_database(conn)
    scan = {
        "event_id": "x",
        "source": "carrier:dhl",
        "event_type": "CUSTOMS_CLEARED",
        "occurred_at": "2026-03-10T05:12:00Z",
        "order_id": "SO-1",
        "carrier": "dhl",
        "tracking_number": "JD0146",
    }

    assert validate_event({**scan, "attributes": {"country": "CA"}}, registry, ZONES).attributes == {
        "country": "CA"
    }
    with pytest.raises(CanonicalEventError) as refused:
        validate_event({**scan, "attributes": {"country": "MX"}}, registry, ZONES)
    assert (refused.value.field, refused.value.rule) == ("attributes.country", "anyOf")


def test_an_unknown_type_or_version_is_named():
    registry = Registry.from_files()

    with pytest.raises(UnknownEventTypeError) as unknown_type:
        registry.get("TELEPORTED")
    with pytest.raises(UnknownEventTypeError) as unknown_version:
        registry.get("LOST", 4)

    assert (unknown_type.value.field, unknown_type.value.rule) == ("event_type", "unknown_event_type")
    assert (unknown_version.value.field, unknown_version.value.rule) == (
        "schema_version",
        "unknown_schema_version",
    )


@pytest.fixture
def events_dir(tmp_path: Path) -> Path:
    target = tmp_path / "events"
    shutil.copytree(EVENTS_DIR, target)
    return target


def test_sync_inserts_a_new_version_file_once(conn, events_dir):
    v2 = next_version(
        "SURVEY_RESPONDED",
        lambda s: s["properties"].update(channel={"type": "string", "enum": ["email", "sms"]}),
    )
    (events_dir / "SURVEY_RESPONDED" / "v2.json").write_text(json.dumps(v2))

    first = sync_registry(conn, events_dir)
    second = sync_registry(conn, events_dir)

    assert first.inserted == (("SURVEY_RESPONDED", 2),)
    assert (second.inserted, second.unchanged) == ((), 38)


def test_sync_refuses_an_edited_published_file(conn, events_dir):
    path = events_dir / "PICK_SHORT" / "v1.json"
    document = json.loads(path.read_text())
    document["attributes"]["properties"]["qty_short"]["maximum"] = 100
    path.write_text(json.dumps(document))

    with pytest.raises(PublishedVersionChangedError, match="PICK_SHORT v1"):
        sync_registry(conn, events_dir)


def test_sync_refuses_an_incompatible_new_file(conn, events_dir):
    v2 = next_version("SURVEY_RESPONDED", lambda s: s["required"].append("comment"))
    (events_dir / "SURVEY_RESPONDED" / "v2.json").write_text(json.dumps(v2))

    with pytest.raises(IncompatibleSchemaError) as raised:
        sync_registry(conn, events_dir)

    assert [(item.path, item.rule) for item in raised.value.incompatibilities] == [
        ("attributes.comment", "required_added")
    ]


def test_published_definitions_are_read_back_as_written(conn):
    register(conn, CUSTOMS_CLEARED)
    by_key = {(item.event_type, item.version): item for item in published_definitions(conn)}

    assert by_key[("CUSTOMS_CLEARED", 1)].to_document() == CUSTOMS_CLEARED
    stored = conn.execute(
        text("SELECT fingerprint FROM event_schema WHERE event_type = :t"), {"t": "CUSTOMS_CLEARED"}
    ).scalar_one()
    assert stored == by_key[("CUSTOMS_CLEARED", 1)].fingerprint
