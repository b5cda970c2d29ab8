"""The fast accept path agrees with jsonschema, the authority, on every schema Waypoint publishes."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pipeline.canonical import ENVELOPE_SCHEMA
from pipeline.schema_fast_path import compile_check
from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.taxonomy import latest_definitions

LATEST = latest_definitions()
ENVELOPE_EXAMPLE = {
    "event_id": "RNO-000123456",
    "source": "wms:DC-RNO",
    "event_type": "ITEM_PICKED",
    "occurred_at": "2026-03-08T10:31:07-08:00",
    "order_id": "SO-01234567",
    "facility_id": "DC-RNO",
    "sequence": 123456,
    "shipment_id": "SO-01234567-1",
    "carrier": "ups",
    "tracking_number": "1Z999AA10123456784",
    "attributes": {},
    "schema_version": 1,
}
CASES = {
    name: (item.attributes_schema, item.attributes_schema["examples"][0]) for name, item in LATEST.items()
}
CASES["envelope"] = (ENVELOPE_SCHEMA, ENVELOPE_EXAMPLE)

# Values that sit on the edges the schemas care about, beside arbitrary JSON.
EDGE_VALUES = st.sampled_from(
    [
        "2026-03-08T02:30:00",
        "2026-03-08T02:30:00Z",
        "2026-02-30T02:30:00Z",
        "2026-03-12",
        "2026-13-12",
        "America/Chicago",
        "Mars/Base",
        "ann@example.com",
        "ann@",
        "web",
        "EA",
        "",
        "x" * 600,
        0,
        1,
        5,
        6,
        1.0,
        2.5,
        -1,
        True,
        None,
        [],
        {},
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | EDGE_VALUES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _mutate(data, document):
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(document))))
        if not path:
            continue
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        operation = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if operation == "replace":
            parent[path[-1]] = data.draw(JSON)
        elif operation == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            key = data.draw(st.sampled_from([*parent, "unexpected", "score", "time_zone"]))
            parent[key] = data.draw(JSON)
        else:
            parent.append(data.draw(JSON))
    return document


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_the_fast_path_and_jsonschema_agree_on_mutated_documents(name, data):
    schema, example = CASES[name]
    fast = compile_check(schema, FORMAT_CHECKER)
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    document = _mutate(data, example)

    assert fast(document) == validator.is_valid(document)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_published_schema_compiles_and_accepts_its_example(name):
    schema, example = CASES[name]
    fast = compile_check(schema, FORMAT_CHECKER)

    assert fast is not None
    assert fast(example)


@pytest.mark.parametrize(
    "schema",
    [
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
        {"enum": [1, 2]},
        {"type": "array", "uniqueItems": True},
        {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        {"type": "number", "multipleOf": 0.5},
    ],
)
def test_a_schema_outside_the_subset_is_left_to_jsonschema(schema):
    assert compile_check(schema, FORMAT_CHECKER) is None


def test_integers_follow_json_schema_not_python():
    fast = compile_check({"type": "integer"}, FORMAT_CHECKER)

    assert fast(3) and fast(3.0)
    assert not fast(True) and not fast(3.5) and not fast("3")
