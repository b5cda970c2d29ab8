"""A fast yes/no check for the subset of JSON Schema that Waypoint's schemas use.

jsonschema's `Draft202012Validator` is the authority and the one that explains errors, but it builds a
sub-validator for every nested value it visits: about 40 µs for the attributes of a typical event, which
is most of the time the loader would spend on an event. `compile_check` turns a schema into plain closures
(a few µs) that serve as the fast ACCEPT path. They never accept a document jsonschema refuses (the
tests check that on generated documents); when they say no, jsonschema decides and explains. A schema
that uses a keyword outside the subset is not compiled (`None`): jsonschema alone validates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import FormatChecker

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
_TYPES: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer())
    ),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}
_SUPPORTED = frozenset(
    {
        "type",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "properties",
        "required",
        "additionalProperties",
        "dependentRequired",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
    }
)


class _Unsupported(Exception):
    """The schema uses something the fast path does not reproduce exactly."""


def compile_check(schema: dict | bool, format_checker: FormatChecker) -> Check | None:
    """A predicate that accepts only documents `schema` accepts, or None when the schema is outside the subset."""
    try:
        return _compile(schema, format_checker)
    except _Unsupported:
        return None


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        # A plain loop: about 20% faster than all() over a generator, and this runs for every value.
        for each in checks:  # noqa: SIM110
            if not each(value):
                return False
        return True

    return check


def _compile(schema: dict | bool, formats: FormatChecker) -> Check:
    if schema is True or schema == {}:
        return lambda value: True
    if schema is False or not isinstance(schema, dict):
        raise _Unsupported
    if set(schema) - _SUPPORTED - ANNOTATIONS or schema.get("uniqueItems", False) is not False:
        raise _Unsupported
    checks: list[Check] = []
    if "type" in schema:
        names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
        if any(name not in _TYPES for name in names):
            raise _Unsupported
        kinds = [_TYPES[name] for name in names]
        checks.append(kinds[0] if len(kinds) == 1 else (lambda value: any(kind(value) for kind in kinds)))
    checks.extend(_values(schema))
    checks.extend(_string(schema, formats))
    checks.extend(_number(schema))
    checks.extend(_object(schema, formats))
    checks.extend(_array(schema, formats))
    return _all(checks) if checks else (lambda value: True)


def _values(schema: dict) -> list[Check]:
    # Only string members: Python's `in` would equate True with 1, jsonschema does not.
    checks: list[Check] = []
    if "enum" in schema:
        allowed = schema["enum"]
        if not all(isinstance(item, str) for item in allowed):
            raise _Unsupported
        members = frozenset(allowed)
        checks.append(lambda value: isinstance(value, str) and value in members)
    if "const" in schema:
        expected = schema["const"]
        if not isinstance(expected, str):
            raise _Unsupported
        checks.append(lambda value: isinstance(value, str) and value == expected)
    return checks


def _string(schema: dict, formats: FormatChecker) -> list[Check]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    regex = re.compile(schema["pattern"]) if "pattern" in schema else None
    checks: list[Check] = []
    if low or high is not None or regex is not None:

        def string(value: Any) -> bool:
            if not isinstance(value, str):
                return True
            size = len(value)
            if size < low or (high is not None and size > high):
                return False
            return regex is None or regex.search(value) is not None

        checks.append(string)
    if "format" in schema:
        name = schema["format"]
        checks.append(lambda value: formats.conforms(value, name))
    return checks


def _number(schema: dict) -> list[Check]:
    bounds = [
        (schema[keyword], compare)
        for keyword, compare in (
            ("minimum", lambda value, bound: value >= bound),
            ("maximum", lambda value, bound: value <= bound),
            ("exclusiveMinimum", lambda value, bound: value > bound),
            ("exclusiveMaximum", lambda value, bound: value < bound),
        )
        if keyword in schema
    ]
    if not bounds:
        return []

    def number(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        for bound, compare in bounds:  # noqa: SIM110
            if not compare(value, bound):
                return False
        return True

    return [number]


def _object(schema: dict, formats: FormatChecker) -> list[Check]:
    keywords = (
        "properties",
        "required",
        "additionalProperties",
        "dependentRequired",
        "minProperties",
        "maxProperties",
    )
    if not any(keyword in schema for keyword in keywords):
        return []
    properties = {name: _compile(sub, formats) for name, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    dependencies = tuple(schema.get("dependentRequired", {}).items())
    low, high = schema.get("minProperties", 0), schema.get("maxProperties")
    additional = schema.get("additionalProperties", True)
    closed = additional is False
    extra = None if additional in (True, {}) or closed else _compile(additional, formats)

    def object_(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        if len(value) < low or (high is not None and len(value) > high):
            return False
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            check = properties.get(name)
            if check is None:
                if closed or (extra is not None and not extra(item)):
                    return False
            elif not check(item):
                return False
        for name, needed in dependencies:
            if name in value and any(each not in value for each in needed):
                return False
        return True

    return [object_]


def _array(schema: dict, formats: FormatChecker) -> list[Check]:
    if not any(keyword in schema for keyword in ("items", "minItems", "maxItems")):
        return []
    item_check = _compile(schema.get("items", True), formats)
    low, high = schema.get("minItems", 0), schema.get("maxItems")

    def array(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if len(value) < low or (high is not None and len(value) > high):
            return False
        for item in value:  # noqa: SIM110
            if not item_check(item):
                return False
        return True

    return [array]
