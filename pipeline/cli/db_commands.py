"""`waypoint db …`: the database's schema and reference data."""

from __future__ import annotations

import click

from db.migrate import current_revision
from db.server import database_url
from pipeline.bootstrap import prepare_database
from pipeline.settings import get_settings


@click.group()
def db() -> None:
    """Schema migrations and reference data."""


@db.command()
def upgrade() -> None:
    """Apply migrations, create event partitions, load facilities, carriers and the event registry.

    Safe to run again: every step is idempotent.
    """
    with database_url(get_settings()) as url:
        prepare_database(url)
        click.echo(f"database at revision {current_revision(url)}")


@db.command()
def revision() -> None:
    """Print the database's current migration revision."""
    with database_url(get_settings()) as url:
        click.echo(current_revision(url) or "empty (no migrations applied)")
