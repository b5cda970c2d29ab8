"""A KPI report for a period and scope: the series per day or week with target and baseline, and the
comparison of the latest week against baseline and target. What the KPI Trends page shows and what
`waypoint kpis` prints, from the rollups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Connection

from pipeline.kpis.definitions import KPIS
from pipeline.kpis.figures import Granularity, baseline_figures, figure, period_figures, status, week_start
from pipeline.kpis.queries import KpiScope, daily_sums, history_starts
from pipeline.kpis.targets import KpiTargets, kpi_targets

COMPARISON_SCHEMA = {
    "kpi": pl.String,
    "label": pl.String,
    "week_start": pl.Date,
    "this_week": pl.Float64,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "status": pl.String,
}


@dataclass(frozen=True)
class KpiReport:
    first_day: date
    last_day: date
    by: Granularity
    scope: KpiScope
    # kpi, period_start, numerator, denominator, inferred_events, value, target, baseline, band_low, band_high
    series: pl.DataFrame
    # kpi, baseline_first, baseline_last, baseline, band_low, band_high
    baselines: pl.DataFrame
    comparison: pl.DataFrame  # COMPARISON_SCHEMA, one row per KPI in definition order
    baseline_descriptions: dict[str, str]

    @property
    def inferred_events(self) -> int:
        return int(self.series["inferred_events"].sum()) if self.series.height else 0

    @property
    def week_start(self) -> date:
        return week_start(self.last_day)


def kpi_report(
    conn: Connection,
    first_day: date,
    last_day: date,
    *,
    scope: KpiScope | None = None,
    by: Granularity = "day",
    targets: KpiTargets | None = None,
) -> KpiReport:
    """Figures from `first_day` to `last_day` (one read of the rollups covering the period, the latest
    week and every KPI's baseline period)."""
    if last_day < first_day:
        raise ValueError(f"the period ends ({last_day}) before it starts ({first_day})")
    scope = scope or KpiScope()
    targets = targets or kpi_targets()
    starts = history_starts(conn)
    periods = {
        item.key: targets.baseline_for(item.key).period(starts[item.key])
        for item in KPIS
        if item.key in starts
    }
    this_week = week_start(last_day)
    lo = min([first_day, this_week, *(first for first, _ in periods.values())])
    hi = max([last_day, *(last for _, last in periods.values())])
    daily = daily_sums(conn, lo, hi, scope)

    baselines = baseline_figures(daily, periods, by)
    target_column = pl.DataFrame(
        {
            "kpi": [item.key for item in KPIS],
            "target": [targets.target(item.key, scope.facility_id) for item in KPIS],
        }
    )
    series = (
        period_figures(daily.filter(pl.col("day").is_between(first_day, last_day)), by)
        .join(target_column, on="kpi", how="left")
        .join(baselines.select("kpi", "baseline", "band_low", "band_high"), on="kpi", how="left")
    )
    baseline_by_kpi = dict(zip(baselines["kpi"], baselines["baseline"], strict=True))
    comparison_rows = []
    for item in KPIS:
        value = figure(daily, item.key, max(this_week, first_day), last_day)
        target = targets.target(item.key, scope.facility_id)
        baseline = baseline_by_kpi.get(item.key)
        comparison_rows.append(
            (
                item.key,
                item.label,
                this_week,
                value,
                baseline,
                target,
                str(status(item.key, value, target, baseline)),
            )
        )
    return KpiReport(
        first_day=first_day,
        last_day=last_day,
        by=by,
        scope=scope,
        series=series,
        baselines=baselines,
        comparison=pl.DataFrame(comparison_rows, schema=COMPARISON_SCHEMA, orient="row"),
        baseline_descriptions={item.key: targets.baseline_for(item.key).describe() for item in KPIS},
    )
