"""The Source activity page's data: read from the simulator's counters, as frames, cached per step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import make_url

from dashboard.queries.source_activity import cache_step, load_source_activity
from dashboard.source_health import SERIES_SCHEMA, SUMMARY_SCHEMA
from db.engine import ensure_database, sibling_database_url
from pipeline.settings import get_settings
from simulator.engine import seed
from tests.conftest import _throwaway_name, drop_with_sources

SEEDED_AT = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def seeded_database_url(template_url: str) -> Iterator[str]:
    url = sibling_database_url(template_url, _throwaway_name("qry"))
    ensure_database(url, template=make_url(template_url).database)
    try:
        seed(url, days=1, orders_per_month=3_000, seed=3, now=SEEDED_AT, progress=False)
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture
def point_app_at(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    def point(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def test_cache_step_rounds_down_to_five_seconds():
    assert cache_step(datetime(2026, 5, 1, 12, 0, 9, 999, tzinfo=UTC)) == datetime(
        2026, 5, 1, 12, 0, 5, tzinfo=UTC
    )
    assert cache_step(datetime(2026, 5, 1, 12, 0, 10, tzinfo=UTC)) == datetime(
        2026, 5, 1, 12, 0, 10, tzinfo=UTC
    )


def test_nothing_to_read_before_the_simulator_has_seeded(fresh_database_url, point_app_at):
    point_app_at(fresh_database_url)
    assert load_source_activity(60) is None


def test_seeded_activity_arrives_as_typed_frames(seeded_database_url, point_app_at):
    point_app_at(seeded_database_url)

    data = load_source_activity(60, SEEDED_AT)

    assert data is not None
    assert data.summary.schema == pl.Schema(SUMMARY_SCHEMA)
    assert data.series.schema == pl.Schema(SERIES_SCHEMA)
    assert {"wms:DC-RNO", "wms:DC-CMH", "stores"} <= set(data.summary["source"])
    assert data.summary["events_total"].sum() > 0
    assert data.summary["last_event_at"].max() <= SEEDED_AT
    since = data.as_of - timedelta(minutes=60)
    assert data.series["minute"].min() >= since - timedelta(minutes=1)  # the minute `since` falls in
    last_hour = data.series.filter(pl.col("minute") >= since)
    assert last_hour["events"].sum() == data.summary["events_last_hour"].sum()
