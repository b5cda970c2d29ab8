"""KPI arithmetic on summed numerators and denominators: pure functions over polars frames.

A figure is always Σ numerator ÷ Σ denominator over its days (never a mean of daily ratios), scaled to
its unit. The baseline of a KPI is that figure over its baseline period; the band around it is the mean
± one standard deviation of the period's daily (or weekly) figures, i.e. the usual day-to-day spread.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

import polars as pl

from pipeline.kpis.definitions import KPIS, kpi

Granularity = Literal["day", "week"]

SUMS_SCHEMA = {
    "kpi": pl.String,
    "day": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "inferred_events": pl.Int64,
}
_SCALES = {item.key: item.scale for item in KPIS}
_ORDER = {item.key: position for position, item in enumerate(KPIS)}


class Status(StrEnum):
    ON_TARGET = "on target"
    AT_BASELINE = "off target, at or better than baseline"
    BELOW_BASELINE = "worse than baseline"
    NO_DATA = "no data"


def week_start(day: date) -> date:
    """Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def period_figures(daily: pl.DataFrame, by: Granularity) -> pl.DataFrame:
    """Daily sums (SUMS_SCHEMA) as figures per KPI and day or ISO week: kpi, period_start, numerator,
    denominator, inferred_events, value."""
    period = pl.col("day") if by == "day" else pl.col("day").dt.truncate("1w")
    grouped = (
        daily.group_by("kpi", period.alias("period_start"))
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum(), pl.col("inferred_events").sum())
        .sort(pl.col("kpi").replace_strict(_ORDER, default=len(_ORDER)), "period_start")
    )
    return grouped.with_columns(value=_value())


def baseline_figures(
    daily: pl.DataFrame, periods: dict[str, tuple[date, date]], by: Granularity
) -> pl.DataFrame:
    """Per KPI with a baseline period: kpi, baseline_first, baseline_last, baseline, band_low, band_high."""
    rows = []
    for key, (first, last) in periods.items():
        within = daily.filter((pl.col("kpi") == key) & pl.col("day").is_between(first, last))
        pooled = (
            _ratio(key, within["numerator"].sum(), within["denominator"].sum()) if within.height else None
        )
        values = (
            period_figures(within, by)["value"].drop_nulls()
            if within.height
            else pl.Series([], dtype=pl.Float64)
        )
        if pooled is None or values.len() < 2:
            low = high = pooled
        else:
            mean, spread = float(values.mean()), float(values.std())
            low, high = mean - spread, mean + spread
        rows.append((key, first, last, pooled, low, high))
    return pl.DataFrame(
        rows,
        schema={
            "kpi": pl.String,
            "baseline_first": pl.Date,
            "baseline_last": pl.Date,
            "baseline": pl.Float64,
            "band_low": pl.Float64,
            "band_high": pl.Float64,
        },
        orient="row",
    )


def figure(daily: pl.DataFrame, key: str, first: date, last: date) -> float | None:
    """One KPI's figure over the days from `first` to `last`."""
    within = daily.filter((pl.col("kpi") == key) & pl.col("day").is_between(first, last))
    return _ratio(key, within["numerator"].sum(), within["denominator"].sum()) if within.height else None


def status(key: str, value: float | None, target: float, baseline: float | None) -> Status:
    """How a figure stands: on target; or missing it but no worse than the baseline; or worse than both."""
    if value is None:
        return Status.NO_DATA
    better = (lambda a, b: a >= b) if kpi(key).higher_is_better else (lambda a, b: a <= b)
    if better(value, target):
        return Status.ON_TARGET
    if baseline is not None and better(value, baseline):
        return Status.AT_BASELINE
    return Status.BELOW_BASELINE


def _ratio(key: str, numerator: float, denominator: float) -> float | None:
    return numerator / denominator * _SCALES[key] if denominator else None


def _value() -> pl.Expr:
    scale = pl.col("kpi").replace_strict(_SCALES, return_dtype=pl.Float64)
    return pl.when(pl.col("denominator") > 0).then(pl.col("numerator") / pl.col("denominator") * scale)
