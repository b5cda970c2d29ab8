"""The KPI report read from the rollups: the figures the events give for the chosen scope, with targets,
baselines and this week's comparison."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import Connection

from pipeline.kpis.definitions import KPI_KEYS, KPIS
from pipeline.kpis.facts import daily_kpi_rows
from pipeline.kpis.figures import SUMS_SCHEMA, period_figures
from pipeline.kpis.queries import KpiScope
from pipeline.kpis.report import kpi_report
from pipeline.kpis.rollups import refresh_rollups
from pipeline.kpis.targets import kpi_targets, parse_targets
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import load

FIRST, LAST = date(2026, 10, 20), date(2026, 11, 8)
FACILITY_WIDE = {item.key for item in KPIS if item.denominator_ignores_carrier_and_channel}


@pytest.fixture
def history(conn: Connection) -> Connection:
    load(conn, *synthetic_history(date(2026, 10, 19), days=14, orders_per_day=15, seed=8))
    refresh_rollups(conn, full=True)
    return conn


def expected_daily(conn: Connection, scope: KpiScope) -> pl.DataFrame:
    """The scope's daily sums computed from the events, filtering the way the definitions say."""
    rows = daily_kpi_rows(conn, FIRST, LAST, include_inferred=scope.include_inferred)
    if scope.facility_id:
        rows = rows.filter(pl.col("facility_id") == scope.facility_id)
    narrowed = pl.lit(True)
    if scope.carrier_id:
        narrowed &= pl.col("carrier_id") == scope.carrier_id
    if scope.channel:
        narrowed &= pl.col("channel") == scope.channel
    counted = narrowed | pl.col("kpi").is_in(FACILITY_WIDE)
    sums = rows.group_by("kpi", "day").agg(
        numerator=pl.col("numerator").filter(narrowed).sum(),
        denominator=pl.col("denominator").filter(counted).sum(),
        inferred_events=pl.col("inferred_events").filter(narrowed).sum(),
    )
    return sums.filter((pl.col("denominator") > 0) | (pl.col("numerator") > 0)).select(list(SUMS_SCHEMA))


@pytest.mark.parametrize(
    "scope",
    [
        KpiScope(),
        KpiScope(facility_id="DC-RNO"),
        KpiScope(carrier_id="ups", channel="web"),
        KpiScope(facility_id="DC-CMH", carrier_id="fedex", include_inferred=False),
    ],
    ids=["everything", "one facility", "carrier and channel", "facility, carrier, observed only"],
)
@pytest.mark.parametrize("by", ["day", "week"])
def test_the_report_gives_the_figures_the_events_give(history: Connection, scope: KpiScope, by: str) -> None:
    report = kpi_report(history, FIRST, LAST, scope=scope, by=by)

    expected = period_figures(expected_daily(history, scope), by)
    shown = report.series.select(expected.columns)
    key = ["kpi", "period_start"]
    assert (
        shown.sort(key)
        .with_columns(pl.col("value").round(9))
        .equals(expected.sort(key).with_columns(pl.col("value").round(9)))
    )
    assert report.inferred_events == expected["inferred_events"].sum()


def test_a_carrier_filter_narrows_orders_packed_but_not_the_shifts_worked(history: Connection) -> None:
    everything = kpi_report(history, FIRST, LAST).series.filter(pl.col("kpi") == "orders_packed_per_shift")
    ups = kpi_report(history, FIRST, LAST, scope=KpiScope(carrier_id="ups")).series.filter(
        pl.col("kpi") == "orders_packed_per_shift"
    )
    assert ups["denominator"].sum() == everything["denominator"].sum()
    assert 0 < ups["numerator"].sum() < everything["numerator"].sum()


def test_baselines_targets_and_this_weeks_comparison(history: Connection) -> None:
    raw = kpi_targets().model_dump(by_alias=True)
    raw["baseline"] = {"first_days": 7}
    targets = parse_targets(raw)

    report = kpi_report(history, FIRST, LAST, targets=targets, scope=KpiScope(facility_id="DC-RNO"))

    assert report.comparison["kpi"].to_list() == list(KPI_KEYS)
    assert set(report.comparison["week_start"]) == {date(2026, 11, 2)}
    first_week = report.baselines.filter(pl.col("kpi") == "pick_to_pack_minutes").row(0, named=True)
    assert first_week["baseline_last"] - first_week["baseline_first"] == date(2026, 10, 26) - date(
        2026, 10, 20
    )
    assert first_week["band_low"] <= first_week["baseline"] <= first_week["band_high"]
    packed = report.comparison.filter(pl.col("kpi") == "orders_packed_per_shift").row(0, named=True)
    assert packed["target"] == targets.target("orders_packed_per_shift", "DC-RNO")
    assert set(report.comparison["status"]) <= {"on target", "off target, at or better than baseline",
                                                  "worse than baseline", "no data"}  # fmt: skip
    assert report.baseline_descriptions["csat_score"] == "first 7 days of history"


def test_a_period_ending_before_it_starts_is_refused(history: Connection) -> None:
    with pytest.raises(ValueError, match="ends"):
        kpi_report(history, LAST, FIRST)
