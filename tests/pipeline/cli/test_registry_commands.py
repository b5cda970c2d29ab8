"""`waypoint registry list | check | register` through click's CliRunner, on a database of their own."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from db.models import EventSchema
from pipeline.cli.main import cli
from pipeline.taxonomy import latest_definitions

LATEST = latest_definitions()


def write(tmp_path: Path, document: dict) -> str:
    path = tmp_path / f"{document['event_type']}.v{document['version']}.json"
    path.write_text(json.dumps(document))
    return str(path)


def survey_v2(tmp_path: Path, *, compatible: bool) -> str:
    document = LATEST["SURVEY_RESPONDED"].to_document()
    document["version"] = 2
    if compatible:
        document["attributes"]["properties"]["channel"] = {"type": "string", "enum": ["email", "sms"]}
    else:
        document["attributes"]["properties"]["score"]["maximum"] = 3
        document["attributes"]["required"].append("comment")
    return write(tmp_path, document)


def test_list_shows_every_type_with_stage_severity_and_version(runner):
    result = runner.invoke(cli, ["registry", "list"])

    assert result.exit_code == 0, result.output
    assert "37 event types, 37 versions" in result.output
    delayed = next(line for line in result.output.splitlines() if line.startswith("DELIVERY_DELAYED"))
    assert delayed.split()[:4] == ["DELIVERY_DELAYED", "carrier", "warning", "1"]
    assert "Delivery is delayed" in delayed


def test_check_accepts_a_published_file_and_a_compatible_new_version(runner, tmp_path):
    published = runner.invoke(cli, ["registry", "check", write(tmp_path, LATEST["LOST"].to_document())])
    compatible = runner.invoke(cli, ["registry", "check", survey_v2(tmp_path, compatible=True)])

    assert (published.exit_code, compatible.exit_code) == (0, 0)
    assert "LOST v1 is already registered, identical" in published.output
    assert "SURVEY_RESPONDED v2 is backward compatible with v1" in compatible.output


def test_check_fails_naming_each_field_and_rule_of_an_incompatible_version(runner, tmp_path):
    result = runner.invoke(cli, ["registry", "check", survey_v2(tmp_path, compatible=False)])

    assert result.exit_code == 1
    assert "attributes.score  rule: maximum_tightened" in result.output
    assert "attributes.comment  rule: required_added" in result.output


def test_check_fails_on_a_malformed_file_naming_the_field(runner, tmp_path):
    document = {**LATEST["LOST"].to_document(), "severity": "urgent"}

    result = runner.invoke(cli, ["registry", "check", write(tmp_path, document)])

    assert result.exit_code != 0
    assert "severity" in result.output


def test_register_adds_a_new_type_once(runner, tmp_path, fresh_engine):
    document = {
        "event_type": "CUSTOMS_CLEARED",
        "version": 1,
        "stage": "carrier",
        "severity": "info",
        "customer_text": "Your order has cleared customs",
        "internal_text": "Released by customs",
        "attributes": {"type": "object", "properties": {}, "additionalProperties": False},
    }
    path = write(tmp_path, document)

    first = runner.invoke(cli, ["registry", "register", path])
    again = runner.invoke(cli, ["registry", "register", path])
    listing = runner.invoke(cli, ["registry", "list"])

    assert (first.exit_code, again.exit_code) == (0, 0), first.output
    assert "registered CUSTOMS_CLEARED v1" in first.output
    assert "was already registered" in again.output
    assert "38 event types" in listing.output
    with fresh_engine.connect() as conn:
        assert (
            conn.execute(
                select(EventSchema.stage).where(EventSchema.event_type == "CUSTOMS_CLEARED")
            ).scalar_one()
            == "carrier"
        )


def test_register_refuses_an_incompatible_version_and_writes_nothing(runner, tmp_path, fresh_engine):
    result = runner.invoke(cli, ["registry", "register", survey_v2(tmp_path, compatible=False)])

    assert result.exit_code == 1
    assert "required_added" in result.output
    with fresh_engine.connect() as conn:
        versions = conn.execute(
            select(EventSchema.version).where(EventSchema.event_type == "SURVEY_RESPONDED")
        ).scalars()
        assert list(versions) == [1]
