"""The schema changes only through Alembic, and the models say the same thing as the migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from db.engine import ensure_database, make_engine, sibling_database_url
from db.migrate import current_revision, upgrade
from db.models import Base
from pipeline.bootstrap import ensure_event_partitions
from tests.conftest import drop_with_sources


@pytest.fixture
def empty_database_url(server_url: str):
    url = sibling_database_url(server_url, f"wp_empty_{datetime.now(UTC):%H%M%S%f}")
    ensure_database(url)
    yield url
    drop_with_sources(url)


def test_migrations_apply_to_an_empty_database_and_can_be_undone(empty_database_url: str) -> None:
    assert current_revision(empty_database_url) is None
    upgrade(empty_database_url)
    assert current_revision(empty_database_url) is not None

    from alembic import command

    from db.migrate import alembic_config

    command.downgrade(alembic_config(empty_database_url), "base")
    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
    engine.dispose()
    assert tables == 1  # only alembic_version is left
    upgrade(empty_database_url)


def test_models_match_the_migrated_schema(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Monthly partitions (and their indexes) are created by a function, not declared in the models.
    diff = [d for d in diff if not (d[0] in ("remove_table", "remove_index") and _is_partition(d[1]))]
    assert diff == []


def _is_partition(item) -> bool:
    table = getattr(item, "table", item)
    return table.name.startswith("event_") and table.name != "event_key"


def test_monthly_partitions_start_at_utc_midnight_whatever_the_session_zone(conn) -> None:
    conn.execute(text("SET LOCAL TimeZone = 'Pacific/Honolulu'"))
    ensure_event_partitions(conn, datetime(2031, 1, 15, tzinfo=UTC), datetime(2031, 2, 1, tzinfo=UTC))
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
    bound = conn.execute(
        text("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'event_2031_01'")
    ).scalar_one()
    assert bound == "FOR VALUES FROM ('2031-01-01 00:00:00+00') TO ('2031-02-01 00:00:00+00')"


def test_creating_partitions_twice_creates_nothing_new(conn) -> None:
    first = ensure_event_partitions(conn, datetime(2032, 3, 1, tzinfo=UTC), datetime(2032, 5, 1, tzinfo=UTC))
    again = ensure_event_partitions(conn, datetime(2032, 3, 1, tzinfo=UTC), datetime(2032, 5, 1, tzinfo=UTC))
    assert (first, again) == (3, 0)


def test_an_event_lands_in_the_partition_of_its_utc_month(conn) -> None:
    ensure_event_partitions(conn, datetime(2033, 6, 1, tzinfo=UTC), datetime(2033, 7, 1, tzinfo=UTC))
    # 2033-06-30 20:30 in Los Angeles is already July in UTC.
    conn.execute(
        text(
            """
            INSERT INTO event (occurred_at, source, event_id, event_type, stage, severity, schema_version,
                               order_id, received_at)
            VALUES ('2033-06-30 20:30:00-07', 'test', 'e1', 'ORDER_RECEIVED', 'fulfillment', 'info', 1,
                    'SO-1', now())
            """
        )
    )
    partition = conn.execute(
        text("SELECT tableoid::regclass::text FROM event WHERE event_id = 'e1'")
    ).scalar_one()
    assert partition == "event_2033_07"
