"""Activity statistics of the simulated sources: totals per source and facility, the last hour, the rate over
the last five minutes and a per-minute series — answered from aggregates, fast."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import make_url

from db.engine import ensure_database, libpq_url, make_engine, sibling_database_url
from simulator.activity import activity_series, activity_summary
from simulator.databases import sim_database_url
from simulator.engine import seed
from tests.conftest import _throwaway_name, drop_with_sources
from tests.simulator.truth_table_source import SYSTEMS

NOW = datetime(2026, 11, 19, 18, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim_conn(template_url: str) -> Iterator[psycopg.Connection]:
    url = sibling_database_url(template_url, _throwaway_name("act"))
    ensure_database(url, template=make_url(template_url).database)
    seed(url, days=1, orders_per_month=30_000, seed=4, now=NOW, progress=False, systems=SYSTEMS)
    try:
        with psycopg.connect(libpq_url(sim_database_url(url))) as conn:
            yield conn
    finally:
        drop_with_sources(url)


def test_summary_counts_what_each_source_has_shown(sim_conn: psycopg.Connection):
    summary = activity_summary(sim_conn, NOW)
    by_source = {(a.source, a.facility_id): a for a in summary}
    written = dict(
        sim_conn.execute(
            "SELECT CASE source_system WHEN 'wms' THEN 'wms:' || facility_id WHEN 'store_tool' THEN 'stores' "
            "WHEN 'carrier' THEN 'carrier:' || carrier_id ELSE source_system END, count(*) "
            "FROM truthlog.record GROUP BY 1"
        ).fetchall()
    )
    totals: dict[str, int] = {}
    for activity in summary:
        totals[activity.source] = totals.get(activity.source, 0) + activity.events_total
    assert totals == written
    rno = by_source[("wms:DC-RNO", "DC-RNO")]
    assert rno.events_last_hour <= rno.events_total
    assert rno.last_event_at <= NOW
    assert any(a.events_last_hour > 0 for a in summary)


def test_the_rate_is_the_last_five_minutes_per_minute(sim_conn: psycopg.Connection):
    recent = sim_conn.execute(
        "SELECT source, facility_id, sum(events) FROM sim.activity_minute WHERE minute >= %s GROUP BY 1, 2",
        (NOW - timedelta(minutes=5),),
    ).fetchall()
    rates = {(a.source, a.facility_id or ""): a.events_per_minute for a in activity_summary(sim_conn, NOW)}
    for source, facility, events in recent:
        assert rates[(source, facility)] == pytest.approx(events / 5, abs=0.01)


def test_the_series_has_one_point_per_minute_and_source(sim_conn: psycopg.Connection):
    series = activity_series(sim_conn, NOW - timedelta(hours=1), NOW)
    minutes = {minute for minute, _, _ in series}
    assert 30 <= len(minutes) <= 61
    assert all(NOW - timedelta(hours=1, minutes=1) <= minute <= NOW for minute in minutes)
    assert sum(events for _, _, events in series) == sum(
        a.events_last_hour for a in activity_summary(sim_conn, NOW)
    )


def test_both_queries_answer_in_well_under_50_ms(sim_conn: psycopg.Connection):
    activity_summary(sim_conn, NOW)
    started = time.perf_counter()
    for _ in range(10):
        activity_summary(sim_conn, NOW)
        activity_series(sim_conn, NOW - timedelta(hours=1), NOW)
    assert (time.perf_counter() - started) / 10 < 0.05


def test_a_sqlalchemy_connection_works_too(template_url: str, sim_conn: psycopg.Connection):
    name = sim_conn.info.dbname
    engine = make_engine(sibling_database_url(template_url, name), pool_size=1)
    try:
        with engine.connect() as conn:
            assert activity_summary(conn, NOW) == activity_summary(sim_conn, NOW)
    finally:
        engine.dispose()
