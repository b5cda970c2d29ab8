"""Rolling-origin backtest of the hourly forecast against a seasonal-naive baseline. Pure.

From each origin (a local midnight, every `step_days`, once `min_train_days` of history lie before it)
the forecast sees only the hours before the origin and predicts the next `horizon_days`; so does the
baseline, which repeats the last week before the origin hour by hour (same local weekday and hour).
Scores are WAPE over every hour forecast from every origin, sum |actual - forecast| / sum actual, so
busy hours weigh more than quiet ones, and the share of hours whose actual stayed at or below p80.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from pipeline.labor.calendar import DemandCalendar
from pipeline.labor.forecast import (
    ForecastInput,
    day_totals,
    forecast_demand,
    local_midnight,
    with_local_time,
)
from pipeline.labor.history import METRICS

DEFAULT_HORIZON_DAYS = 14
DEFAULT_STEP_DAYS = 3
DEFAULT_MIN_TRAIN_DAYS = 21


@dataclass(frozen=True)
class BacktestScore:
    facility_id: str
    metric: str
    origins: int
    hours: int
    actual: float  # sum of the actual values scored
    model_wape: float
    baseline_wape: float
    p80_coverage: float  # share of hours with actual <= p80

    @property
    def beats_baseline(self) -> bool:
        return self.model_wape < self.baseline_wape


def wape(actual: pl.Series, forecast: pl.Series) -> float:
    """Weighted absolute percentage error as a fraction: sum |actual - forecast| / sum actual."""
    total = float(actual.sum())
    return float((actual - forecast).abs().sum()) / total if total > 0 else float("nan")


def seasonal_naive(history: pl.DataFrame, zone: str, origin_day: date, horizon_days: int) -> pl.DataFrame:
    """Per future UTC hour and metric: the value of the same local weekday and hour in the last week
    before `origin_day` (a repeated DST hour takes its first occurrence; a missing one counts 0)."""
    past = (
        with_local_time(history, zone)
        .filter(pl.col("local_day") < origin_day)
        .sort("hour_start")
        .unique(subset=["local_day", "local_hour"], keep="first")
        .rename({"local_day": "source_day"})
    )
    end = local_midnight(origin_day + timedelta(days=horizon_days), zone)
    future = with_local_time(
        history.filter(
            (pl.col("hour_start") >= local_midnight(origin_day, zone)) & (pl.col("hour_start") < end)
        ).select("hour_start"),
        zone,
    )
    weeks_back = ((pl.col("local_day") - pl.lit(origin_day)).dt.total_days() // 7 + 1) * 7
    return (
        future.with_columns(source_day=pl.col("local_day") - pl.duration(days=weeks_back))
        .join(past.select("source_day", "local_hour", *METRICS), on=["source_day", "local_hour"], how="left")
        .unpivot(index="hour_start", on=list(METRICS), variable_name="metric", value_name="baseline")
        .with_columns(pl.col("baseline").fill_null(0.0))
    )


def backtest_origins(
    history: pl.DataFrame, zone: str, horizon_days: int, step_days: int, min_train_days: int
) -> list[date]:
    """Local days to forecast from: `min_train_days` after the first day with orders, every `step_days`,
    as long as the whole horizon lies within the complete days of the history."""
    last_hour = history["hour_start"].max()
    if last_hour is None:
        return []
    last_day = with_local_time(history.sort("hour_start").tail(1), zone)["local_day"][0]
    days = day_totals(history, zone, last_day + timedelta(days=1))  # a partial last day is left out
    if days.is_empty():
        return []
    first = days["local_day"][0] + timedelta(days=min_train_days)
    last = days["local_day"][-1] - timedelta(days=horizon_days - 1)
    return [first + timedelta(days=offset) for offset in range(0, (last - first).days + 1, step_days)]


def backtest(
    facility_id: str,
    zone: str,
    history: pl.DataFrame,
    calendar: DemandCalendar,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    step_days: int = DEFAULT_STEP_DAYS,
    min_train_days: int = DEFAULT_MIN_TRAIN_DAYS,
) -> list[BacktestScore]:
    """Scores per metric of the forecast and of the baseline over every origin; [] when the history is
    too short for one origin."""
    origins = backtest_origins(history, zone, horizon_days, step_days, min_train_days)
    scored = []
    for origin_day in origins:
        origin = local_midnight(origin_day, zone)
        source = ForecastInput(facility_id, zone, history.filter(pl.col("hour_start") < origin), origin)
        forecast = forecast_demand(source, horizon_days, calendar).hours
        actual = history.unpivot(
            index="hour_start", on=list(METRICS), variable_name="metric", value_name="actual"
        )
        scored.append(
            forecast.join(
                seasonal_naive(history, zone, origin_day, horizon_days), on=["hour_start", "metric"]
            )
            .join(actual, on=["hour_start", "metric"])
            .select("metric", "actual", "p50", "p80", "baseline")
        )
    if not scored:
        return []
    hours = pl.concat(scored)
    return [
        BacktestScore(
            facility_id=facility_id,
            metric=metric,
            origins=len(origins),
            hours=part.height,
            actual=float(part["actual"].sum()),
            model_wape=wape(part["actual"], part["p50"]),
            baseline_wape=wape(part["actual"], part["baseline"]),
            p80_coverage=float((part["actual"] <= part["p80"]).mean()),
        )
        for metric in METRICS
        for part in [hours.filter(pl.col("metric") == metric)]
    ]
