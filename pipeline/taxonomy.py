"""The event taxonomy: every canonical event type, its stage, severity, texts and attribute schema.

The types are data: one file per type and version under pipeline/schemas/events/<EVENT_TYPE>/v<N>.json,
validated when loaded. A published version is never edited; a change is a new file v<N+1>.json that the
registry (pipeline/registry.py) accepts only when it is backward compatible.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
EVENTS_DIR = SCHEMAS_DIR / "events"
ENVELOPE_FILE = SCHEMAS_DIR / "envelope.v1.json"


class Stage(StrEnum):
    FULFILLMENT = "fulfillment"
    CARRIER = "carrier"
    POST_DELIVERY = "post_delivery"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class EventTypeDefinition:
    """One version of one event type. `attributes_schema` is a JSON Schema (draft 2020-12); do not mutate it."""

    event_type: str
    version: int
    stage: Stage
    severity: Severity
    customer_text: str
    internal_text: str
    attributes_schema: dict[str, Any]

    def to_document(self) -> dict[str, Any]:
        """The definition in its file form (what `parse_definition` reads); a copy, safe to edit."""
        return {
            "event_type": self.event_type,
            "version": self.version,
            "stage": str(self.stage),
            "severity": str(self.severity),
            "customer_text": self.customer_text,
            "internal_text": self.internal_text,
            "attributes": copy.deepcopy(self.attributes_schema),
        }

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the definition: equal definitions, equal fingerprints."""
        canonical = json.dumps(self.to_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class DefinitionError(ValueError):
    """A definition file (or document) that is not a valid event type definition."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field
        self.message = message


class _DefinitionDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)
    version: StrictInt = Field(ge=1, le=32767)
    stage: Stage
    severity: Severity
    customer_text: str = Field(min_length=1, max_length=200)
    internal_text: str = Field(min_length=1, max_length=500)
    attributes: dict[str, Any]

    @field_validator("customer_text", "internal_text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


def parse_definition(document: Mapping[str, Any], source: str) -> EventTypeDefinition:
    """Validate a definition document; errors name `source` (a file or "register") and the field."""
    try:
        model = _DefinitionDocument.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "definition"
        raise DefinitionError(source, field, first["msg"]) from error
    try:
        Draft202012Validator.check_schema(model.attributes)
    except SchemaError as error:
        path = "".join(f".{part}" for part in error.absolute_path)
        raise DefinitionError(
            source, f"attributes{path}", f"not a valid JSON Schema: {error.message}"
        ) from error
    if model.attributes.get("type") != "object":
        raise DefinitionError(source, "attributes.type", 'the attribute schema must have "type": "object"')
    return EventTypeDefinition(
        event_type=model.event_type,
        version=model.version,
        stage=model.stage,
        severity=model.severity,
        customer_text=model.customer_text,
        internal_text=model.internal_text,
        attributes_schema=model.attributes,
    )


def read_definition_file(path: Path) -> EventTypeDefinition:
    """Read and validate one definition file."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DefinitionError(str(path), "file", f"not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise DefinitionError(str(path), "file", "a definition must be a JSON object")
    return parse_definition(document, str(path))


def load_definitions(directory: Path = EVENTS_DIR) -> tuple[EventTypeDefinition, ...]:
    """Every definition file under `directory`, validated, ordered by (event_type, version).

    The layout is part of the contract: <EVENT_TYPE>/v<version>.json must agree with the content.
    """
    definitions = []
    for path in sorted(directory.glob("*/v*.json")):
        definition = read_definition_file(path)
        if path.parent.name != definition.event_type:
            raise DefinitionError(
                str(path), "event_type", f"{definition.event_type!r} is filed under {path.parent.name!r}"
            )
        if path.name != f"v{definition.version}.json":
            raise DefinitionError(
                str(path), "version", f"version {definition.version} is filed as {path.name!r}"
            )
        definitions.append(definition)
    return tuple(sorted(definitions, key=lambda item: (item.event_type, item.version)))


@lru_cache(maxsize=8)
def latest_definitions(directory: Path = EVENTS_DIR) -> Mapping[str, EventTypeDefinition]:
    """Event type -> its latest version, from the files; read once per process (adapters ask per event)."""
    return MappingProxyType({item.event_type: item for item in load_definitions(directory)})


@lru_cache(maxsize=1)
def _types_by_stage() -> dict[Stage, frozenset[str]]:
    latest = latest_definitions()
    return {stage: frozenset(name for name, item in latest.items() if item.stage is stage) for stage in Stage}


FULFILLMENT_TYPES: frozenset[str] = _types_by_stage()[Stage.FULFILLMENT]
CARRIER_TYPES: frozenset[str] = _types_by_stage()[Stage.CARRIER]
POST_DELIVERY_TYPES: frozenset[str] = _types_by_stage()[Stage.POST_DELIVERY]
