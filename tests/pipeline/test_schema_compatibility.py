"""Backward compatibility of attribute schemas: what a new version may and may not change."""

from __future__ import annotations

import copy

import pytest

from pipeline.schema_compatibility import check_compatible
from pipeline.taxonomy import latest_definitions

OLD = {
    "type": "object",
    "properties": {
        "channel": {"type": "string", "enum": ["web", "mobile", "store"]},
        "amount": {"type": "number", "minimum": 0, "maximum": 10000},
        "note": {"type": "string", "minLength": 1, "maxLength": 500},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "ship_by": {"type": "string"},
        "kind": {"const": "parcel"},
        "destination": {
            "type": "object",
            "properties": {"postal_code": {"type": "string"}, "country": {"type": "string"}},
            "required": ["postal_code"],
            "additionalProperties": False,
        },
        "extras": {"type": "object"},
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
                "required": ["sku"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["channel"],
    "additionalProperties": False,
}


def changed(edit) -> dict:
    new = copy.deepcopy(OLD)
    edit(new)
    return new


def props(schema: dict) -> dict:
    return schema["properties"]


REFUSED = [
    ("required_added", "attributes.amount", lambda s: s["required"].append("amount")),
    (
        "required_added",
        "attributes.destination.country",
        lambda s: props(s)["destination"]["required"].append("country"),
    ),
    ("property_removed", "attributes.note", lambda s: props(s).pop("note")),
    ("property_removed", "attributes.code", lambda s: props(s).update(currency=props(s).pop("code"))),
    ("property_removed", "attributes.lines[].qty", lambda s: props(props(s)["lines"]["items"]).pop("qty")),
    ("type_narrowed", "attributes.amount", lambda s: props(s)["amount"].update(type="integer")),
    (
        "type_narrowed",
        "attributes.extras.size",
        lambda s: props(s)["extras"].update(properties={"size": {"type": "integer"}}),
    ),
    ("enum_value_removed", "attributes.channel", lambda s: props(s)["channel"]["enum"].remove("store")),
    ("enum_added", "attributes.note", lambda s: props(s)["note"].update(enum=["fragile"])),
    (
        "minimum_tightened",
        "attributes.lines[].qty",
        lambda s: props(props(s)["lines"]["items"])["qty"].update(minimum=2),
    ),
    ("maximum_tightened", "attributes.amount", lambda s: props(s)["amount"].update(maximum=5000)),
    (
        "exclusive_minimum_tightened",
        "attributes.amount",
        lambda s: props(s)["amount"].update(exclusiveMinimum=0),
    ),
    ("min_length_tightened", "attributes.note", lambda s: props(s)["note"].update(minLength=3)),
    ("max_length_tightened", "attributes.note", lambda s: props(s)["note"].update(maxLength=100)),
    ("min_items_tightened", "attributes.lines", lambda s: props(s)["lines"].update(minItems=2)),
    ("max_items_tightened", "attributes.lines", lambda s: props(s)["lines"].update(maxItems=10)),
    ("pattern_tightened", "attributes.code", lambda s: props(s)["code"].update(pattern="^[A-Z]{3}[0-9]?$")),
    ("format_tightened", "attributes.ship_by", lambda s: props(s)["ship_by"].update(format="date-time")),
    (
        "additional_properties_closed",
        "attributes.extras",
        lambda s: props(s)["extras"].update(additionalProperties=False),
    ),
    ("const_changed", "attributes.kind", lambda s: props(s)["kind"].update(const="pallet")),
    ("unique_items_added", "attributes.lines", lambda s: props(s)["lines"].update(uniqueItems=True)),
    ("keyword_changed", "attributes.note", lambda s: props(s)["note"].update(anyOf=[{"minLength": 2}])),
    ("schema_closed", "attributes.note", lambda s: props(s).update(note=False)),
]


@pytest.mark.parametrize(
    ("rule", "path", "edit"), REFUSED, ids=[f"{rule}:{path}" for rule, path, _ in REFUSED]
)
def test_a_change_that_could_refuse_an_old_document_is_named_with_its_path_and_rule(rule, path, edit):
    found = check_compatible(OLD, changed(edit))

    assert [(item.path, item.rule) for item in found] == [(path, rule)]
    assert path in str(found[0]) and rule in str(found[0])


ACCEPTED = [
    ("optional field added", lambda s: props(s).update(gift_message={"type": "string", "maxLength": 200})),
    ("enum widened", lambda s: props(s)["channel"]["enum"].append("marketplace")),
    ("required removed", lambda s: s.update(required=[])),
    ("integer widened to number", lambda s: props(props(s)["lines"]["items"])["qty"].update(type="number")),
    ("bounds loosened", lambda s: props(s)["amount"].update(minimum=-10, maximum=99999)),
    ("lengths loosened", lambda s: props(s)["note"].update(minLength=0, maxLength=1000)),
    ("pattern and const removed", lambda s: (props(s)["code"].pop("pattern"), props(s)["kind"].pop("const"))),
    ("closed object opened", lambda s: props(s)["destination"].update(additionalProperties=True)),
    ("annotations edited", lambda s: props(s)["note"].update(description="For staff", examples=["fragile"])),
    ("unchanged", lambda s: None),
]


@pytest.mark.parametrize(("case", "edit"), ACCEPTED, ids=[case for case, _ in ACCEPTED])
def test_a_change_that_accepts_every_old_document_is_compatible(case, edit):
    assert check_compatible(OLD, changed(edit)) == []


def test_removing_a_property_from_an_open_object_is_compatible():
    old = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    new = {"type": "object", "properties": {"a": {"type": "string"}}}

    assert check_compatible(old, new) == []


def test_every_problem_is_reported_not_only_the_first():
    new = changed(lambda s: (s["required"].append("note"), props(s)["channel"]["enum"].remove("web")))

    assert {item.rule for item in check_compatible(OLD, new)} == {"required_added", "enum_value_removed"}


@pytest.mark.parametrize("definition", latest_definitions().values(), ids=lambda item: item.event_type)
def test_every_published_schema_is_compatible_with_itself(definition):
    assert check_compatible(definition.attributes_schema, copy.deepcopy(definition.attributes_schema)) == []
