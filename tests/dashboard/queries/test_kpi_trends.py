"""The KPI Trends page's data: the KPI module's report, the comparison table and the CSV export."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine

from dashboard.queries.kpi_trends import (
    baseline_note,
    comparison_table,
    export_frame,
    load_kpi_history,
    load_kpi_trends,
    status_colour,
)
from pipeline.kpis.definitions import KPIS
from pipeline.kpis.rollups import rebuild_kpi_rollups
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import load


@pytest.fixture
def history(fresh_engine: Engine) -> Engine:
    with fresh_engine.begin() as conn:
        load(conn, *synthetic_history(date(2026, 10, 26), days=10, orders_per_day=10, seed=4))
    rebuild_kpi_rollups(fresh_engine)
    return fresh_engine


def test_no_history_before_the_first_rollup(fresh_engine: Engine) -> None:
    assert load_kpi_history(fresh_engine) is None


def test_the_page_data_is_the_kpi_report_and_exports_exactly_the_series(history: Engine) -> None:
    span = load_kpi_history(history)
    assert span is not None and span.refreshed_at is not None
    first, last = span.default_period()

    report = load_kpi_trends(history, first_day=first, last_day=last, facility_id="DC-RNO", by="week")

    exported = export_frame(report)
    assert exported.height == report.series.height
    assert exported["value"].to_list() == report.series["value"].to_list()
    assert exported.columns[:3] == ["week_start", "kpi", "unit"]
    assert set(exported["facility"]) == {"DC-RNO"} and set(exported["carrier"]) == {"all"}
    table = comparison_table(report)
    assert table["KPI"].to_list() == [item.label for item in KPIS]
    assert all(cell.endswith("%") for cell in table.filter(pl.col("KPI") == "On-time delivery")["Target"])
    assert baseline_note(report) == "Baseline: the first 28 days of history."


def test_each_status_has_its_colour() -> None:
    assert "46, 158, 79" in status_colour("On target")
    assert "220, 50, 50" in status_colour("Worse than baseline")
    assert status_colour("Something else") == ""
