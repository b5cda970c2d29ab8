"""Bring a database to the state every process expects: migrated, partitioned, reference data loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from db.engine import make_engine
from db.master_data import load_master_data
from db.migrate import upgrade

PARTITION_MONTHS_BACK = 14
PARTITION_MONTHS_AHEAD = 3


def ensure_event_partitions(conn, first: datetime, last: datetime) -> int:
    """Create the monthly event partitions covering [first, last]. Returns how many were created."""
    return conn.execute(
        text("SELECT waypoint_ensure_event_partitions(:first, :last)"),
        {"first": first.date(), "last": last.date()},
    ).scalar_one()


def prepare_database(database_url: str, *, now: datetime | None = None) -> None:
    """Migrate to head, create event partitions around `now`, load master data and the registry."""
    from pipeline.registry import sync_registry

    upgrade(database_url)
    now = now or datetime.now(UTC)
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            ensure_event_partitions(
                conn,
                now - timedelta(days=31 * PARTITION_MONTHS_BACK),
                now + timedelta(days=31 * PARTITION_MONTHS_AHEAD),
            )
            load_master_data(conn)
            sync_registry(conn)
    finally:
        engine.dispose()
