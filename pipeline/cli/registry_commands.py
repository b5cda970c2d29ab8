"""`waypoint registry …`: the event types the pipeline accepts, and adding new ones or new versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import Connection

from db.engine import make_engine
from db.server import database_url
from pipeline.registry import (
    IncompatibleSchemaError,
    RegistryError,
    check_registration,
    published_definitions,
    register,
)
from pipeline.settings import get_settings
from pipeline.taxonomy import DefinitionError, EventTypeDefinition, Stage, read_definition_file

DEFINITION_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def registry() -> None:
    """Event types: stage, severity, texts and the versioned JSON Schema of their attributes.

    Definitions live in pipeline/schemas/events/<EVENT_TYPE>/v<N>.json and are loaded by
    `waypoint db upgrade`. A published version never changes; a new version must accept every
    event the previous one accepted.
    """


@registry.command("list")
def list_types() -> None:
    """List event types: stage, severity, latest version."""
    with _connection() as conn:
        definitions = published_definitions(conn)
    latest = {item.event_type: item for item in definitions}
    rows = sorted(latest.values(), key=lambda item: (list(Stage).index(item.stage), item.event_type))
    click.echo(f"{'EVENT TYPE':<26}{'STAGE':<15}{'SEVERITY':<10}{'VERSION':>7}  CUSTOMER TEXT")
    for item in rows:
        click.echo(
            f"{item.event_type:<26}{item.stage:<15}{item.severity:<10}{item.version:>7}  {item.customer_text}"
        )
    click.echo(f"{len(rows)} event types, {len(definitions)} versions")


@registry.command()
@click.argument("file", type=DEFINITION_FILE)
def check(file: Path) -> None:
    """Check FILE against the registered versions; write nothing.

    Exits non-zero, naming each field and rule, when the definition is invalid, changes a published
    version, skips a version, or is not backward compatible with the previous version.
    """
    definition = _read(file)
    with _connection() as conn:
        is_new = _checked(lambda: check_registration(conn, definition))
    if not is_new:
        click.echo(f"{_name(definition)} is already registered, identical")
    elif definition.version == 1:
        click.echo(f"{_name(definition)} is a new event type; it can be registered")
    else:
        click.echo(
            f"{_name(definition)} is backward compatible with v{definition.version - 1}; it can be registered"
        )


@registry.command("register")
@click.argument("file", type=DEFINITION_FILE)
def register_command(file: Path) -> None:
    """Register FILE: a new event type, or its next version.

    Workers pick it up when they next load the registry; no code change is needed.
    """
    definition = _read(file)
    with _connection(write=True) as conn:
        is_new = _checked(lambda: check_registration(conn, definition))
        if is_new:
            register(conn, definition)
    click.echo(f"registered {_name(definition)}" if is_new else f"{_name(definition)} was already registered")


def _read(file: Path) -> EventTypeDefinition:
    try:
        return read_definition_file(file)
    except DefinitionError as error:
        raise click.ClickException(str(error)) from error


def _checked(action: Callable[[], bool]) -> bool:
    try:
        return action()
    except IncompatibleSchemaError as error:
        click.echo(
            f"{error.event_type} v{error.version} is NOT backward compatible with v{error.version - 1}:",
            err=True,
        )
        for item in error.incompatibilities:
            click.echo(f"  {item.path}  rule: {item.rule}  ({item.detail})", err=True)
        raise click.exceptions.Exit(1) from error
    except RegistryError as error:
        raise click.ClickException(str(error)) from error


def _name(definition: EventTypeDefinition) -> str:
    return f"{definition.event_type} v{definition.version}"


@contextmanager
def _connection(*, write: bool = False) -> Iterator[Connection]:
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.begin() if write else engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()
