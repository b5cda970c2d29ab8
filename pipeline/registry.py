"""The schema registry: event type definitions in the `event_schema` table, and compiled validators.

Files under pipeline/schemas/events are loaded into the table by `sync_registry` (every `waypoint db
upgrade`); `register` adds a type or version at runtime (`waypoint registry register FILE`). Both apply
the same rules:

- a published (event_type, version) is immutable: the same fingerprint again is a no-op, a different
  one is refused (`published_version_changed`);
- versions are consecutive (`version_not_next`);
- a new version keeps the stage and is backward compatible with the previous one: every attribute
  document the previous version accepted is accepted (pipeline/schema_compatibility.py).

`Registry` is the in-memory, immutable view the validator uses, with validators compiled once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from jsonschema import Draft202012Validator
from sqlalchemy import Connection, insert, select, text

from db.models import EventSchema
from pipeline.schema_compatibility import Incompatibility, check_compatible
from pipeline.schema_fast_path import compile_check
from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.taxonomy import EVENTS_DIR, EventTypeDefinition, load_definitions, parse_definition

__all__ = [
    "FORMAT_CHECKER",
    "IncompatibleSchemaError",
    "Incompatibility",
    "PublishedVersionChangedError",
    "Registry",
    "RegistryError",
    "SyncReport",
    "UnknownEventTypeError",
    "check_compatible",
    "check_registration",
    "published_definitions",
    "register",
    "sync_registry",
]


class RegistryError(ValueError):
    """A definition the registry refuses. Names the type, version and rule."""

    def __init__(self, event_type: str, version: int, rule: str, message: str) -> None:
        super().__init__(f"{event_type} v{version}: {message} (rule: {rule})")
        self.event_type = event_type
        self.version = version
        self.rule = rule


class PublishedVersionChangedError(RegistryError):
    """A published version is immutable; a change is a new version."""


class IncompatibleSchemaError(RegistryError):
    """A new version that would refuse events the previous version accepted. Lists each field and rule."""

    def __init__(self, event_type: str, version: int, incompatibilities: Iterable[Incompatibility]) -> None:
        self.incompatibilities = tuple(incompatibilities)
        lines = "".join(f"\n  - {item}" for item in self.incompatibilities)
        super().__init__(
            event_type, version, "incompatible", f"not backward compatible with v{version - 1}:{lines}"
        )


class UnknownEventTypeError(LookupError):
    """No such event type (rule `unknown_event_type`) or version (rule `unknown_schema_version`)."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message


class RegisteredType(NamedTuple):
    """A definition with its compiled validator and its fast accept check (pipeline/schema_fast_path.py)."""

    definition: EventTypeDefinition
    validator: Draft202012Validator
    accepts: Callable[[Any], bool]


def _compiled(definition: EventTypeDefinition) -> RegisteredType:
    validator = Draft202012Validator(definition.attributes_schema, format_checker=FORMAT_CHECKER)
    accepts = compile_check(definition.attributes_schema, FORMAT_CHECKER) or validator.is_valid
    return RegisteredType(definition, validator, accepts)


class Registry:
    """Every registered version of every type, validators compiled once. Immutable; rebuild to refresh."""

    __slots__ = ("_versions", "_latest")

    def __init__(self, definitions: Iterable[EventTypeDefinition]) -> None:
        versions = {(item.event_type, item.version): _compiled(item) for item in definitions}
        self._versions: Mapping[tuple[str, int], RegisteredType] = MappingProxyType(versions)
        latest = {key[0]: versions[key] for key in sorted(versions)}
        self._latest: Mapping[str, RegisteredType] = MappingProxyType(latest)

    @classmethod
    def from_files(cls, directory: Path = EVENTS_DIR) -> Registry:
        return cls(load_definitions(directory))

    @classmethod
    def from_database(cls, conn: Connection) -> Registry:
        return cls(published_definitions(conn))

    def resolve(self, event_type: str, version: int | None = None) -> RegisteredType:
        """The definition and compiled validator of a type (latest version unless one is given)."""
        found = self._latest.get(event_type) if version is None else self._versions.get((event_type, version))
        if found is not None:
            return found
        if event_type not in self._latest:
            raise UnknownEventTypeError(
                "event_type", "unknown_event_type", f"{event_type!r} is not a registered event type"
            )
        raise UnknownEventTypeError(
            "schema_version", "unknown_schema_version", f"{event_type} has no registered version {version}"
        )

    def get(self, event_type: str, version: int | None = None) -> EventTypeDefinition:
        return self.resolve(event_type, version).definition

    def types(self) -> tuple[str, ...]:
        return tuple(sorted(self._latest))

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._latest


@dataclass(frozen=True)
class SyncReport:
    inserted: tuple[tuple[str, int], ...]
    unchanged: int


def published_definitions(conn: Connection) -> tuple[EventTypeDefinition, ...]:
    """Every definition in `event_schema`, ordered by (event_type, version)."""
    return tuple(definition for definition, _ in _published(conn))


def sync_registry(conn: Connection, directory: Path = EVENTS_DIR) -> SyncReport:
    """Load every definition file into `event_schema`. Idempotent; all or nothing (the caller's transaction)."""
    _lock(conn)
    published = _versions_by_type(_published(conn))
    inserted: list[tuple[str, int]] = []
    unchanged = 0
    for definition in load_definitions(directory):
        versions = published.setdefault(definition.event_type, {})
        if _admit(definition, versions):
            _insert(conn, definition)
            versions[definition.version] = (definition, definition.fingerprint)
            inserted.append((definition.event_type, definition.version))
        else:
            unchanged += 1
    return SyncReport(tuple(inserted), unchanged)


def register(conn: Connection, definition: Mapping[str, Any] | EventTypeDefinition) -> EventTypeDefinition:
    """Register a new event type or a new version at runtime, with the same rules as `sync_registry`.

    Registering the same definition again is a no-op. Build a new `Registry` afterwards to validate with it.
    """
    if not isinstance(definition, EventTypeDefinition):
        definition = parse_definition(definition, "register")
    _lock(conn)
    if check_registration(conn, definition):
        _insert(conn, definition)
    return definition


def check_registration(conn: Connection, definition: EventTypeDefinition) -> bool:
    """Would `register` accept it? True: a new version; False: already registered, identical.

    Raises `PublishedVersionChangedError`, `IncompatibleSchemaError` or `RegistryError` (version order).
    """
    versions = _versions_by_type(_published(conn, definition.event_type)).get(definition.event_type, {})
    return _admit(definition, versions)


def _admit(definition: EventTypeDefinition, versions: Mapping[int, tuple[EventTypeDefinition, str]]) -> bool:
    name, version = definition.event_type, definition.version
    if version in versions:
        if versions[version][1] == definition.fingerprint:
            return False
        raise PublishedVersionChangedError(
            name,
            version,
            "published_version_changed",
            f"v{version} is published and immutable; add v{max(versions) + 1}",
        )
    latest = max(versions, default=0)
    if version != latest + 1:
        raise RegistryError(name, version, "version_not_next", f"the next version of {name} is v{latest + 1}")
    if latest:
        previous = versions[latest][0]
        problems = check_compatible(previous.attributes_schema, definition.attributes_schema)
        if previous.stage != definition.stage:
            problems.insert(
                0, Incompatibility("stage", "stage_changed", f"{previous.stage} -> {definition.stage}")
            )
        if problems:
            raise IncompatibleSchemaError(name, version, problems)
    return True


def _lock(conn: Connection) -> None:
    """Serialize registry writers (workers syncing at start-up) until the caller's transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": "waypoint:event_schema"})


def _published(conn: Connection, event_type: str | None = None) -> list[tuple[EventTypeDefinition, str]]:
    table = EventSchema.__table__
    query = select(table).order_by(table.c.event_type, table.c.version)
    if event_type is not None:
        query = query.where(table.c.event_type == event_type)
    found = []
    for row in conn.execute(query).mappings():
        document = {
            "event_type": row["event_type"],
            "version": row["version"],
            "stage": row["stage"],
            "severity": row["severity"],
            "customer_text": row["customer_text"],
            "internal_text": row["internal_text"],
            "attributes": row["attributes_schema"],
        }
        source = f"event_schema {row['event_type']} v{row['version']}"
        found.append((parse_definition(document, source), row["fingerprint"]))
    return found


def _versions_by_type(
    published: Iterable[tuple[EventTypeDefinition, str]],
) -> dict[str, dict[int, tuple[EventTypeDefinition, str]]]:
    grouped: dict[str, dict[int, tuple[EventTypeDefinition, str]]] = {}
    for definition, fingerprint in published:
        grouped.setdefault(definition.event_type, {})[definition.version] = (definition, fingerprint)
    return grouped


def _insert(conn: Connection, definition: EventTypeDefinition) -> None:
    conn.execute(
        insert(EventSchema).values(
            event_type=definition.event_type,
            version=definition.version,
            stage=str(definition.stage),
            severity=str(definition.severity),
            customer_text=definition.customer_text,
            internal_text=definition.internal_text,
            attributes_schema=definition.attributes_schema,
            fingerprint=definition.fingerprint,
        )
    )
