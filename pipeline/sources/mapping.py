"""Vendor code tables: which canonical event a source's own code stands for, kept as data beside the adapter.

A table is a JSON file `{"about": "...", "entries": [...]}`. Each entry names the vendor's key fields (the
adapter's entry model declares them), the canonical `event_type` and, optionally, the canonical
`attributes` the code itself implies (a FedEx `DE`/`08` is an attempt with reason `recipient_unavailable`).
The table is validated once, when loaded: every entry is a registered event type, its implied attributes
satisfy that type's schema property by property, and a key appears only once, so a code can never stand
for two types depending on which entry a loop meets first (a code whose meaning depends on context is
keyed by the context too, e.g. (status type, code)).

`lookup` answers one question: the entry for this key, or None. What an unknown code becomes (a
`Rejection` with reason `unknown_code`) is the adapter's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.taxonomy import EventTypeDefinition, latest_definitions


class CodeEntry(BaseModel):
    """One row of a code table; an adapter subclasses it with its vendor key fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="The canonical event type")
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Canonical attributes the code itself implies (e.g. a reason)"
    )
    meaning: str | None = Field(
        default=None, description="What the vendor means, for people reading the table"
    )


Entry = TypeVar("Entry", bound=CodeEntry)
Key = tuple[str, ...]


class CodeTableError(ValueError):
    """A code table that breaks a rule; the message names the file, the entry and the rule."""


class CodeTable(Generic[Entry]):
    """Entries by vendor key. Keys are tuples of strings; a one-field key may be looked up by its string."""

    def __init__(self, name: str, key_fields: Sequence[str], entries: dict[Key, Entry]) -> None:
        self.name = name
        self.key_fields = tuple(key_fields)
        self._entries = entries

    def lookup(self, key: str | Key) -> Entry | None:
        return self._entries.get((key,) if isinstance(key, str) else tuple(key))

    def keys(self) -> list[Key]:
        return list(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)


def load_code_table(path: Path, entry_model: type[Entry], key_fields: Sequence[str]) -> CodeTable[Entry]:
    """Read and validate a code table file (see the module docstring for the rules)."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise CodeTableError(f"{path.name}: not valid JSON ({error})") from error
    raw_entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CodeTableError(f"{path.name}: 'entries' must be a non-empty list")
    for name in key_fields:
        if name not in entry_model.model_fields:
            raise CodeTableError(f"{path.name}: key field {name!r} is not a field of {entry_model.__name__}")
    definitions = _definitions()
    entries: dict[Key, Entry] = {}
    for index, raw in enumerate(raw_entries):
        try:
            entry = entry_model.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise CodeTableError(f"{path.name}: entries[{index}].{where}: {first['msg']}") from None
        key = tuple(str(getattr(entry, name)) for name in key_fields)
        if key in entries:
            raise CodeTableError(
                f"{path.name}: entries[{index}]: key {dict(zip(key_fields, key, strict=True))} appears twice "
                f"({entries[key].event_type} and {entry.event_type}); key by the context that tells them apart"
            )
        definition = definitions.get(entry.event_type)
        if definition is None:
            raise CodeTableError(
                f"{path.name}: entries[{index}].event_type: {entry.event_type!r} is not registered"
            )
        _check_attributes(path.name, index, entry.attributes, definition)
        entries[key] = entry
    return CodeTable(path.name, key_fields, entries)


def _check_attributes(
    file: str, index: int, attributes: dict[str, Any], definition: EventTypeDefinition
) -> None:
    """Each implied attribute must be a property of the type's schema, with a value that schema accepts."""
    properties = definition.attributes_schema.get("properties", {})
    for name, value in attributes.items():
        if name not in properties:
            raise CodeTableError(
                f"{file}: entries[{index}].attributes.{name}: not an attribute of {definition.event_type}"
            )
        validator = Draft202012Validator(properties[name], format_checker=FORMAT_CHECKER)
        problem = next(iter(validator.iter_errors(value)), None)
        if problem is not None:
            raise CodeTableError(f"{file}: entries[{index}].attributes.{name}: {problem.message}")


@lru_cache(maxsize=1)
def _definitions() -> dict[str, EventTypeDefinition]:
    return latest_definitions()
