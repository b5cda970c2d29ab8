"""A fast yes/no check for the subset of JSON Schema that Waypoint's schemas use.

jsonschema's `Draft202012Validator` is the authority and the one that explains errors, but it builds a
sub-validator for every nested value it visits: about 40 µs for the attributes of a typical event, which
is most of the time the loader would spend on an event. `compile_check` turns a schema into the source of
one plain Python function — every keyword an inline test, every nested object a nested block — compiled
once per schema (about 1 µs for a typical event). It serves as the fast ACCEPT path: it never accepts a
document jsonschema refuses (the tests check that on generated documents); when it says no, jsonschema
decides and explains. A schema that uses a keyword outside the subset is not compiled (`None`):
jsonschema alone validates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import count
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
# JSON Schema's types as Python tests of `{v}`: an integer is any whole number but never a boolean.
_TYPES = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))"
    " or (isinstance({v}, float) and {v}.is_integer())",
    "number": "isinstance({v}, (int, float)) and not isinstance({v}, bool)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
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
_BOUNDS = (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<"))
_MISSING = object()


class _Unsupported(Exception):
    """The schema uses something the fast path does not reproduce exactly."""


def compile_check(schema: dict | bool, format_checker: FormatChecker) -> Check | None:
    """A predicate that accepts only documents `schema` accepts, or None when the schema is outside the subset."""
    source = _Source(format_checker)
    try:
        body = source.block(schema, "value", 1)
    except _Unsupported:
        return None
    code = "\n".join(["def check(value):", *body, "    return True", ""])
    namespace = dict(source.constants)
    exec(compile(code, "<schema fast path>", "exec"), namespace)
    return namespace["check"]


class _Source:
    """Writes the function's lines; values the tests need (sets, regexes, format checks) become constants."""

    def __init__(self, formats: FormatChecker) -> None:
        self.formats = formats
        self.constants: dict[str, Any] = {"_MISSING": _MISSING}
        self.names = count()

    def constant(self, value: Any) -> str:
        name = f"_c{next(self.names)}"
        self.constants[name] = value
        return name

    def variable(self) -> str:
        return f"v{next(self.names)}"

    def block(self, schema: dict | bool, var: str, depth: int) -> list[str]:
        """Lines that `return False` unless the value in `var` satisfies `schema`."""
        if schema is True or schema == {}:
            return []
        if schema is False or not isinstance(schema, dict):
            raise _Unsupported
        if set(schema) - _SUPPORTED - ANNOTATIONS or schema.get("uniqueItems", False) is not False:
            raise _Unsupported
        pad = "    " * depth
        lines: list[str] = []
        for test in self._value_tests(schema, var):
            lines.append(f"{pad}if not ({test}): return False")
        for kind, tests in (
            ("str", self._string_tests(schema, var)),
            ("(int, float)", self._number_tests(schema, var)),
        ):
            if tests and kind == "str" and schema.get("type") == "string":  # the type test ran above
                lines.extend(f"{pad}if not ({test}): return False" for test in tests)
            elif tests:
                guard = f"isinstance({var}, {kind})"
                if kind != "str":
                    guard += f" and not isinstance({var}, bool)"
                lines.append(f"{pad}if {guard}:")
                lines.extend(f"{pad}    if not ({test}): return False" for test in tests)
        lines.extend(self._object(schema, var, depth))
        lines.extend(self._array(schema, var, depth))
        return lines

    def _value_tests(self, schema: dict, var: str) -> list[str]:
        tests = []
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if not names or any(name not in _TYPES for name in names):
                raise _Unsupported
            tests.append(" or ".join(f"({_TYPES[name].format(v=var)})" for name in names))
        # Only string members: Python's `in` would equate True with 1, jsonschema does not.
        if "enum" in schema:
            if not all(isinstance(item, str) for item in schema["enum"]):
                raise _Unsupported
            tests.append(f"isinstance({var}, str) and {var} in {self.constant(frozenset(schema['enum']))}")
        if "const" in schema:
            if not isinstance(schema["const"], str):
                raise _Unsupported
            tests.append(f"isinstance({var}, str) and {var} == {schema['const']!r}")
        if "format" in schema and schema["format"] in self.formats.checkers:
            tests.append(f"{self.constant(self._conforms(schema['format']))}({var})")
        return tests

    def _conforms(self, name: str) -> Check:
        """`FormatChecker.conforms` for one format, without its per-call lookups."""
        func, raises = self.formats.checkers[name]

        def conforms(value: Any) -> bool:
            try:
                return bool(func(value))
            except raises:
                return False

        return conforms

    def _string_tests(self, schema: dict, var: str) -> list[str]:
        tests = []
        if schema.get("minLength", 0):
            tests.append(f"len({var}) >= {int(schema['minLength'])}")
        if schema.get("maxLength") is not None:
            tests.append(f"len({var}) <= {int(schema['maxLength'])}")
        if "pattern" in schema:
            seen, matches = _remembering_matcher(schema["pattern"])
            tests.append(f"{var} in {self.constant(seen)} or {self.constant(matches)}({var})")
        return tests

    def _number_tests(self, schema: dict, var: str) -> list[str]:
        return [
            f"{var} {operator} {self.constant(schema[keyword])}"
            for keyword, operator in _BOUNDS
            if keyword in schema
        ]

    def _object(self, schema: dict, var: str, depth: int) -> list[str]:
        keywords = ("properties", "required", "additionalProperties", "dependentRequired")
        if not any(keyword in schema for keyword in (*keywords, "minProperties", "maxProperties")):
            return []
        pad = "    " * (depth + 1)
        lines = [f"{pad[4:]}if isinstance({var}, dict):", *_size_bounds(schema, var, pad, "Properties")]
        required = schema.get("required", ())
        if required:
            missing = " or ".join(f"{name!r} not in {var}" for name in required)
            lines.append(f"{pad}if {missing}: return False")
        properties = schema.get("properties", {})
        declared = self.constant(frozenset(properties))
        additional = schema.get("additionalProperties", True)
        if additional is False:
            lines.append(f"{pad}if not {declared}.issuperset({var}): return False")
        elif additional not in (True, {}):
            key, item = self.variable(), self.variable()
            extra = self.block(additional, item, depth + 3)
            if extra:
                lines += [
                    f"{pad}for {key}, {item} in {var}.items():",
                    f"{pad}    if {key} not in {declared}:",
                ]
                lines += extra
        for name, sub in properties.items():
            item = self.variable()
            nested = self.block(sub, item, depth + 2)
            if nested:
                lines += [f"{pad}{item} = {var}.get({name!r}, _MISSING)", f"{pad}if {item} is not _MISSING:"]
                lines += nested
        for name, needed in schema.get("dependentRequired", {}).items():
            if needed:
                absent = " or ".join(f"{each!r} not in {var}" for each in needed)
                lines.append(f"{pad}if {name!r} in {var} and ({absent}): return False")
        return lines if len(lines) > 1 else []

    def _array(self, schema: dict, var: str, depth: int) -> list[str]:
        if not any(keyword in schema for keyword in ("items", "minItems", "maxItems")):
            return []
        pad = "    " * (depth + 1)
        lines = [f"{pad[4:]}if isinstance({var}, list):", *_size_bounds(schema, var, pad, "Items")]
        item = self.variable()
        nested = self.block(schema.get("items", True), item, depth + 2)
        if nested:
            lines += [f"{pad}for {item} in {var}:", *nested]
        return lines if len(lines) > 1 else []


_REMEMBERED_PER_PATTERN = 4096


def _remembering_matcher(pattern: str) -> tuple[set[str], Check]:
    """A pattern test that remembers strings it accepted: sources, event types, facilities and carriers
    repeat on every event, and a set lookup costs a fraction of a regex search. Bounded, so ids that never
    repeat (tracking numbers) only fill it once."""
    compiled, seen = re.compile(pattern), set()

    def matches(value: str) -> bool:
        if compiled.search(value) is None:
            return False
        if len(seen) < _REMEMBERED_PER_PATTERN:
            seen.add(value)
        return True

    return seen, matches


def _size_bounds(schema: dict, var: str, pad: str, counted: str) -> list[str]:
    """minProperties/maxProperties or minItems/maxItems as generated lines (`counted`: "Properties" or "Items")."""
    lines = []
    if schema.get(f"min{counted}", 0):
        lines.append(f"{pad}if len({var}) < {int(schema[f'min{counted}'])}: return False")
    if schema.get(f"max{counted}") is not None:
        lines.append(f"{pad}if len({var}) > {int(schema[f'max{counted}'])}: return False")
    return lines
