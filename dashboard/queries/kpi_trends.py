"""Data of the KPI Trends page: figures from the KPI module (pipeline/kpis), which reads the rollups the
pipeline refreshes every minute, so a page load never recomputes history.

`load_kpi_trends(engine, …)` is the plain function (the benchmark calls it); the page calls the cached
wrappers, keyed by the database URL and every filter, with a TTL as short as the refresh interval.
Formatting for the table and the CSV export is here too, so the page script holds layout only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.database import engine_for, main_database_url
from pipeline.kpis.definitions import KPIS, Unit, format_value, kpi
from pipeline.kpis.figures import Granularity, Status, week_start
from pipeline.kpis.queries import KpiScope, last_refreshed_at, rollup_span
from pipeline.kpis.report import KpiReport, kpi_report

CACHE_TTL = timedelta(seconds=60)
DEFAULT_PERIOD_DAYS = 28

# d3 format and suffix of each unit on the charts.
CHART_FORMATS = {
    Unit.PERCENT: (".1f", "%"),
    Unit.MINUTES: (".1f", " min"),
    Unit.PER_1000_ORDERS: (",.1f", ""),
    Unit.ORDERS: (",.0f", ""),
    Unit.SCORE: (".2f", ""),
}
STATUS_COLOURS = {
    Status.ON_TARGET: "rgba(46, 158, 79, 0.28)",
    Status.AT_BASELINE: "rgba(240, 160, 30, 0.30)",
    Status.BELOW_BASELINE: "rgba(220, 50, 50, 0.30)",
    Status.NO_DATA: "rgba(128, 128, 128, 0.12)",
}


@dataclass(frozen=True)
class KpiHistory:
    first_day: date
    last_day: date
    refreshed_at: datetime | None

    def default_period(self) -> tuple[date, date]:
        return max(self.first_day, self.last_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), self.last_day


def load_kpi_history(engine: Engine) -> KpiHistory | None:
    """The days the rollups cover and when they were last refreshed; None before the first refresh."""
    with engine.connect() as conn:
        span = rollup_span(conn)
        refreshed_at = last_refreshed_at(conn)
    return KpiHistory(span[0], span[1], refreshed_at) if span else None


def load_kpi_trends(
    engine: Engine,
    *,
    first_day: date,
    last_day: date,
    facility_id: str | None = None,
    carrier_id: str | None = None,
    channel: str | None = None,
    include_inferred: bool = True,
    by: Granularity = "day",
) -> KpiReport:
    """Every KPI from `first_day` to `last_day` for the scope, with targets, baselines and this week."""
    scope = KpiScope(facility_id, carrier_id, channel, include_inferred)
    with engine.connect() as conn:
        return kpi_report(conn, first_day, last_day, scope=scope, by=by)


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def cached_kpi_history(url: str) -> KpiHistory | None:
    return load_kpi_history(engine_for(url))


@st.cache_data(ttl=CACHE_TTL, max_entries=128, show_spinner=False)
def cached_kpi_trends(url: str, **filters) -> KpiReport:
    return load_kpi_trends(engine_for(url), **filters)


def kpi_history() -> KpiHistory | None:
    return cached_kpi_history(main_database_url())


def kpi_trends(**filters) -> KpiReport:
    """`load_kpi_trends` for the app's database, cached for a minute per choice of filters."""
    return cached_kpi_trends(main_database_url(), **filters)


def kpi_series(report: KpiReport, key: str) -> pl.DataFrame:
    return report.series.filter(pl.col("kpi") == key).sort("period_start")


def comparison_table(report: KpiReport) -> pl.DataFrame:
    """This week against baseline and target, formatted for people: one row per KPI."""
    return pl.DataFrame(
        [
            {
                "KPI": row["label"],
                "This week": format_value(row["kpi"], row["this_week"]),
                "Baseline": format_value(row["kpi"], row["baseline"]),
                "Target": format_value(row["kpi"], row["target"]),
                "Status": str(row["status"]).capitalize(),
            }
            for row in report.comparison.iter_rows(named=True)
        ],
        schema={
            "KPI": pl.String,
            "This week": pl.String,
            "Baseline": pl.String,
            "Target": pl.String,
            "Status": pl.String,
        },
    )


def status_colour(status_text: str) -> str:
    """The background of a Status cell of `comparison_table`."""
    for status, colour in STATUS_COLOURS.items():
        if status_text.lower() == str(status):
            return f"background-color: {colour}"
    return ""


def export_frame(report: KpiReport) -> pl.DataFrame:
    """Exactly what the charts show, one row per KPI and day or week, with the scope it was drawn for."""
    scope = report.scope
    labels = {item.key: item.label for item in KPIS}
    units = {item.key: str(item.unit) for item in KPIS}
    return report.series.select(
        pl.col("period_start").alias("week_start" if report.by == "week" else "day"),
        pl.col("kpi").replace_strict(labels).alias("kpi"),
        pl.col("kpi").replace_strict(units).alias("unit"),
        "value", "target", "baseline", "band_low", "band_high", "numerator", "denominator", "inferred_events",
        pl.lit(scope.facility_id or "all").alias("facility"),
        pl.lit(scope.carrier_id or "all").alias("carrier"),
        pl.lit(scope.channel or "all").alias("channel"),
        pl.lit(scope.include_inferred).alias("inferred_events_counted"),
    )  # fmt: skip


def baseline_note(report: KpiReport) -> str:
    """Which baseline the figures are held against, said once when every KPI has the same."""
    descriptions = report.baseline_descriptions
    if len(set(descriptions.values())) == 1:
        return f"Baseline: the {next(iter(descriptions.values()))}."
    return "Baselines: " + "; ".join(f"{kpi(key).label}: {text}" for key, text in descriptions.items()) + "."


def chart_period(report: KpiReport) -> tuple[date, date]:
    """The first and last point the charts can have: days, or the Mondays of the weeks."""
    if report.by == "week":
        return week_start(report.first_day), week_start(report.last_day)
    return report.first_day, report.last_day


def chart_format(key: str) -> tuple[str, str]:
    return CHART_FORMATS[kpi(key).unit]
