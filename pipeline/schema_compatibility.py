"""Backward compatibility of attribute schemas: is every document valid under the old schema still valid
under the new one?

The check is structural and conservative. It understands the keywords Waypoint's schemas use (type,
properties, required, additionalProperties, items, enum, const, bounds, pattern, format, multipleOf,
uniqueItems, dependentRequired); any other keyword that is added or changed is refused
(`keyword_changed`), because it cannot prove the change harmless. Removing a constraint is always fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
LOWER_BOUNDS = {
    "minimum": "minimum_tightened",
    "exclusiveMinimum": "exclusive_minimum_tightened",
    "minLength": "min_length_tightened",
    "minItems": "min_items_tightened",
    "minProperties": "min_properties_tightened",
}
UPPER_BOUNDS = {
    "maximum": "maximum_tightened",
    "exclusiveMaximum": "exclusive_maximum_tightened",
    "maxLength": "max_length_tightened",
    "maxItems": "max_items_tightened",
    "maxProperties": "max_properties_tightened",
}
UNDERSTOOD = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "pattern",
        "format",
        "multipleOf",
        "uniqueItems",
        "dependentRequired",
        *LOWER_BOUNDS,
        *UPPER_BOUNDS,
    }
)


@dataclass(frozen=True)
class Incompatibility:
    """One field whose new schema refuses documents the old one accepted."""

    path: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail} (rule: {self.rule})"


def check_compatible(old: dict | bool, new: dict | bool, path: str = "attributes") -> list[Incompatibility]:
    """Every reason why a document valid under `old` could be invalid under `new` (empty: compatible)."""
    found: list[Incompatibility] = []
    _compare(old, new, path, found)
    return found


def _compare(old: dict | bool, new: dict | bool, path: str, out: list[Incompatibility]) -> None:
    if old is False:
        return
    if new is False:
        out.append(Incompatibility(path, "schema_closed", "the schema now refuses every value"))
        return
    old = {} if old is True else old
    new = {} if new is True else new
    _compare_types(old, new, path, out)
    _compare_values(old, new, path, out)
    _compare_bounds(old, new, path, out)
    _compare_object(old, new, path, out)
    if "items" in old or "items" in new:
        _compare(old.get("items", True), new.get("items", True), f"{path}[]", out)
    for keyword in sorted(set(new) - UNDERSTOOD - ANNOTATIONS):
        if new[keyword] != old.get(keyword):
            out.append(
                Incompatibility(
                    path, "keyword_changed", f"{keyword!r} added or changed; cannot prove it safe"
                )
            )


def _types(schema: dict) -> set[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return {declared} if isinstance(declared, str) else set(declared)


def _compare_types(old: dict, new: dict, path: str, out: list[Incompatibility]) -> None:
    new_types = _types(new)
    if new_types is None:
        return
    old_types = _types(old)
    if old_types is None:
        out.append(
            Incompatibility(path, "type_narrowed", f"any type is now restricted to {sorted(new_types)}")
        )
        return
    lost = {
        kind
        for kind in old_types
        if kind not in new_types and not (kind == "integer" and "number" in new_types)
    }
    if lost:
        out.append(Incompatibility(path, "type_narrowed", f"type {sorted(lost)} no longer accepted"))


def _compare_values(old: dict, new: dict, path: str, out: list[Incompatibility]) -> None:
    if "enum" in new:
        if "enum" not in old:
            out.append(Incompatibility(path, "enum_added", f"values now restricted to {new['enum']}"))
        else:
            removed = [value for value in old["enum"] if value not in new["enum"]]
            if removed:
                out.append(
                    Incompatibility(path, "enum_value_removed", f"values {removed} no longer accepted")
                )
    if "const" in new and ("const" not in old or old["const"] != new["const"]):
        out.append(Incompatibility(path, "const_changed", f"value must now be {new['const']!r}"))


def _compare_bounds(old: dict, new: dict, path: str, out: list[Incompatibility]) -> None:
    for keyword, rule in LOWER_BOUNDS.items():
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            out.append(Incompatibility(path, rule, f"{keyword} {old.get(keyword)} -> {new[keyword]}"))
    for keyword, rule in UPPER_BOUNDS.items():
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            out.append(Incompatibility(path, rule, f"{keyword} {old.get(keyword)} -> {new[keyword]}"))
    for keyword in ("pattern", "format"):
        if keyword in new and new[keyword] != old.get(keyword):
            out.append(
                Incompatibility(
                    path, f"{keyword}_tightened", f"{keyword} {old.get(keyword)!r} -> {new[keyword]!r}"
                )
            )
    if "multipleOf" in new and not _divides(new["multipleOf"], old.get("multipleOf")):
        out.append(
            Incompatibility(
                path, "multiple_of_tightened", f"multipleOf {old.get('multipleOf')} -> {new['multipleOf']}"
            )
        )
    if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
        out.append(Incompatibility(path, "unique_items_added", "items must now be unique"))


def _divides(divisor: float, value: float | None) -> bool:
    return value is not None and float(value / divisor).is_integer()


def _additional(schema: dict) -> Any:
    value = schema.get("additionalProperties", True)
    return True if value == {} else value


def _compare_object(old: dict, new: dict, path: str, out: list[Incompatibility]) -> None:
    old_properties: dict = old.get("properties", {})
    new_properties: dict = new.get("properties", {})
    old_additional, new_additional = _additional(old), _additional(new)
    for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
        out.append(Incompatibility(f"{path}.{name}", "required_added", "property is now required"))
    for name in sorted(set(old_properties) | set(new_properties)):
        field = f"{path}.{name}"
        if name in old_properties and name in new_properties:
            _compare(old_properties[name], new_properties[name], field, out)
        elif name in old_properties:
            if new_additional is False:
                out.append(
                    Incompatibility(field, "property_removed", "property removed from a closed object")
                )
            else:
                _compare(old_properties[name], new_additional, field, out)
        else:
            _compare(old_additional, new_properties[name], field, out)
    if new_additional is False and old_additional is not False:
        out.append(
            Incompatibility(path, "additional_properties_closed", "undeclared properties are now refused")
        )
    elif isinstance(new_additional, dict):
        _compare(old_additional, new_additional, f"{path}.*", out)
    old_dependencies = old.get("dependentRequired", {})
    for name, needed in sorted(new.get("dependentRequired", {}).items()):
        added = sorted(set(needed) - set(old_dependencies.get(name, ())))
        if added:
            out.append(
                Incompatibility(f"{path}.{name}", "dependent_required_added", f"now also requires {added}")
            )
