"""The Data Health page through AppTest: who may open it, before any measurement, and with a source in
breach next to a healthy one (the history chart per source, the findings table)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import make_url, text

from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.quality.findings import Finding, record_findings
from pipeline.quality.health_job import check_once
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as

open_page = partial(open_script, "data_health.py")


@pytest.fixture(scope="module")
def measured_url(template_url: str) -> Iterator[str]:
    """Two sources with a day of counters; one stopped 20 minutes ago. Sampled every 10 minutes."""
    url = sibling_database_url(template_url, _throwaway_name("dqpage"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            for source, last in (
                ("wms:DC-RNO", now - timedelta(minutes=1)),
                ("stores", now - timedelta(minutes=20)),
            ):
                conn.execute(text(
                    "INSERT INTO source_counter (source, hour, received, normalized, last_received_at)"
                    " SELECT :source, h, 120, 120, least(h + interval '59 minutes', CAST(:last AS timestamptz))"
                    " FROM generate_series(date_trunc('hour', CAST(:last AS timestamptz)) - interval '15 days',"
                    " CAST(:last AS timestamptz), interval '1 hour') AS h"
                ), {"source": source, "last": last})  # fmt: skip
            for minutes in (60, 50, 40, 30, 20, 10, 0):
                check_once(conn, now=now - timedelta(minutes=minutes))
            record_findings(conn, [Finding("timestamp", "epoch", "wms:DC-RNO", "quarantined", "77", order_id="SO-1",
                                           event_id="77", detail={"message": "the epoch"})], now)  # fmt: skip
        yield url
    finally:
        engine.dispose()
        drop_with_sources(url)


@pytest.mark.parametrize("role", ["manager", "floor_lead", "support_agent"])
def test_roles_without_the_page_are_refused_before_any_data_is_read(role: str, point_app_at) -> None:
    point_app_at(None)
    at = open_page(signed_in_as(role))

    assert not at.exception
    assert "Data health is not available to the" in at.error[0].value
    assert not at.dataframe and not at.get("plotly_chart")


def test_before_any_measurement_the_page_says_how_figures_come(fresh_database_url: str, point_app_at) -> None:
    point_app_at(fresh_database_url)
    at = open_page(signed_in_as("admin"))

    assert not at.exception
    assert "No health measurements yet" in at.info[0].value


def test_without_a_database_the_page_explains_instead_of_failing(point_app_at) -> None:
    point_app_at(None)
    at = open_page(signed_in_as("supervisor"))

    assert not at.exception
    assert "Data health cannot be read right now" in at.error[0].value


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_allowed_roles_see_the_breach_the_table_and_a_history_chart_per_source(
    measured_url: str, point_app_at, role: str
) -> None:
    point_app_at(measured_url)
    at = open_page(signed_in_as(role))

    assert not at.exception
    assert [m.value for m in at.metric] == ["1 of 2", "1", "1"]
    assert at.error[0].value.startswith("stores: silent")
    table = at.dataframe[0].value
    assert list(table["Source"]) == ["stores", "wms:DC-RNO"]
    assert list(table["Status"]) == ["Breach", "Healthy"]
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="data_health_source").select("wms:DC-RNO").run()
    assert not at.exception
    findings = at.dataframe[1].value
    assert list(findings.itertuples(index=False, name=None)) == [
        ("timestamp", "epoch", "wms:DC-RNO", "quarantined", 1)
    ]


def test_a_pipeline_health_exception_shows_in_the_exception_queue(
    fresh_database_url: str, point_app_at
) -> None:
    engine = make_engine(fresh_database_url, pool_size=1)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO source_counter (source, hour, received, normalized, last_received_at)"
                    " SELECT 'carrier:ups', h, 60, 60, least(h + interval '59 minutes', CAST(:last AS timestamptz))"
                    " FROM generate_series(date_trunc('hour', CAST(:last AS timestamptz)) - interval '15 days',"
                    " CAST(:last AS timestamptz), interval '1 hour') AS h"
                ),
                {"last": now - timedelta(minutes=40)},
            )
            check_once(conn, now=now)
            exception_id = conn.execute(text("SELECT exception_id FROM order_exception")).scalar_one()
    finally:
        engine.dispose()
    point_app_at(fresh_database_url)
    queue = open_script("exception_queue.py", signed_in_as("supervisor"))

    assert not queue.exception
    assert [s.value for s in queue.subheader] == ["Pipeline health · 1"]
    assert queue.dataframe[0].value["Order"].tolist() == ["pipeline:carrier:ups"]
    queue.query_params["exception"] = str(exception_id)
    queue.run()
    assert not queue.exception
