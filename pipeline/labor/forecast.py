"""The hourly demand forecast of one facility: orders, order lines and units per hour for the next days,
with p50 and p80. Pure: history in, forecast out.

The method, in two transparent steps, in the facility's own time zone:

1. **How much in a day.** Each local day's total, divided by its demand-calendar factor (peak days and
   holidays, pipeline/labor/calendar.py), is modelled by exponential smoothing (statsmodels ETS: additive
   errors, damped additive trend and a weekly season, on the log of the total, so weekday effects and
   growth are proportional). The forecast day total is multiplied by the day's factor again.
2. **When in the day.** Each weekday's hour-of-day profile (its share of the day per local hour), learnt
   from the same weeks and pulled toward the all-days profile by `PROFILE_PRIOR_DAYS` so that a few
   weeks' noise does not become a pattern. A day with a DST switch spreads its total over its 23 or 25
   hours.

Uncertainty has two parts: the day's level (ETS's forecast variance, the same for every hour of the day)
and the hour's own noise (variance proportional to the mean: the dispersion `phi` of the last week's hours
around their true day totals spread by the profile of the weeks before, so the profile's own error counts). p50 is the expected value; p80 = p50 + z(0.8) x sd. Summing hours to a
shift (pipeline/labor/staffing.py) adds level sd linearly and noise variance, so p80 of a shift is not
the sum of its hours' p80.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from pipeline.labor.calendar import DemandCalendar
from pipeline.labor.history import METRICS, hour_grid

HISTORY_DAYS = 56  # the model learns from the last eight weeks
MIN_HISTORY_DAYS = 14  # two weekly cycles at least: one to learn the season, one to see it again
PROFILE_PRIOR_DAYS = 4.0  # weight, in days, of the all-days hour profile in each weekday's profile
MIN_DISPERSION = 1.0  # hourly counts are at least as noisy as Poisson counts
P80_Z = NormalDist().inv_cdf(0.80)
METHOD = "ets(A,Ad,A) on log day totals x weekday hour profile; statsmodels"


class NotEnoughHistory(ValueError):
    """Fewer complete days of demand than the method needs."""

    def __init__(self, facility_id: str, days: int) -> None:
        super().__init__(
            f"{facility_id}: the forecast needs {MIN_HISTORY_DAYS} complete days of orders; history has {days}"
        )
        self.facility_id = facility_id
        self.days = days


@dataclass(frozen=True)
class ForecastInput:
    """What one forecast is made from: the history (UTC hours before `origin`) and where it is."""

    facility_id: str
    zone: str
    history: pl.DataFrame  # hour_start (UTC) + one column per metric
    origin: datetime  # a local midnight of the facility: the first hour forecast


@dataclass(frozen=True)
class DemandForecast:
    """Per future UTC hour and metric: p50, p80 and the two parts of its sd (level_sd, noise_sd)."""

    hours: pl.DataFrame
    history_from: date  # the first and last local day the model learnt from
    history_through: date


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant a local day starts (midnight exists in every US zone)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def with_local_time(hours: pl.DataFrame, zone: str) -> pl.DataFrame:
    """Add local_day, local_hour and weekday (0 = Monday) of each UTC hour_start in `zone`."""
    local = pl.col("hour_start").dt.convert_time_zone(zone)
    return hours.with_columns(
        local.dt.date().alias("local_day"),
        local.dt.hour().cast(pl.Int32).alias("local_hour"),
        (local.dt.weekday() - 1).cast(pl.Int32).alias("weekday"),
    )


def day_totals(history: pl.DataFrame, zone: str, before: date) -> pl.DataFrame:
    """Totals per complete local day before `before`, from the first day with any orders on."""
    days = (
        with_local_time(history, zone)
        .filter(pl.col("local_day") < before)
        .group_by("local_day", "weekday")
        .agg(pl.len().alias("hours"), *(pl.col(metric).sum() for metric in METRICS))
        .filter(pl.col("hours") >= 23)
        .sort("local_day")
    )
    started = days.filter(pl.col("orders") > 0)
    if started.is_empty():
        return days.clear()
    return days.filter(pl.col("local_day") >= started["local_day"][0])


def hour_profile(history: pl.DataFrame, zone: str, days: pl.DataFrame, metric: str) -> pl.DataFrame:
    """Share of the day per (weekday, local_hour), each weekday pulled toward the all-days profile."""
    hours = with_local_time(history, zone).filter(pl.col("local_day").is_in(days["local_day"].implode()))
    total = max(float(days[metric].sum()), 1.0)
    overall = hours.group_by("local_hour").agg((pl.col(metric).sum() / total).alias("overall"))
    by_weekday = (
        hours.group_by("weekday", "local_hour")
        .agg(pl.col(metric).sum().alias("in_hour"))
        .join(
            days.group_by("weekday").agg(pl.col(metric).sum().alias("in_days"), pl.len().alias("days")),
            on="weekday",
        )
    )
    grid = pl.DataFrame({"weekday": range(7)}, schema={"weekday": pl.Int32}).join(
        pl.DataFrame({"local_hour": range(24)}, schema={"local_hour": pl.Int32}), how="cross"
    )
    return (
        grid.join(by_weekday, on=["weekday", "local_hour"], how="left")
        .join(overall, on="local_hour", how="left")
        .with_columns(pl.col("overall").fill_null(0.0), pl.col("days").fill_null(0))
        .with_columns(
            own=pl.when(pl.col("in_days") > 0).then(pl.col("in_hour") / pl.col("in_days")).otherwise(0.0),
        )
        .select(
            "weekday",
            "local_hour",
            share=(pl.col("days") * pl.col("own") + PROFILE_PRIOR_DAYS * pl.col("overall"))
            / (pl.col("days") + PROFILE_PRIOR_DAYS),
        )
    )


def dispersion(history: pl.DataFrame, zone: str, days: pl.DataFrame, metric: str) -> float:
    """Variance-to-mean ratio of the hourly counts of the last week around (its true day totals x the
    profile learnt from the weeks before): the hour's own noise plus the profile's error, out of sample."""
    learn, check = days.head(days.height - 7), days.tail(7)
    profile = hour_profile(history, zone, learn, metric)
    hours = (
        with_local_time(history, zone)
        .join(check.select("local_day", pl.col(metric).alias("day_total")), on="local_day")
        .join(profile, on=["weekday", "local_hour"])
        .with_columns(pl.col("share") / pl.col("share").sum().over("local_day"))
        .with_columns(expected=pl.col("day_total") * pl.col("share"))
    )
    expected = float(hours["expected"].sum())
    if expected <= 0:
        return MIN_DISPERSION
    squared = float(((hours[metric] - hours["expected"]) ** 2).sum())
    return max(MIN_DISPERSION, squared / expected)


def day_forecast(totals: np.ndarray, first_day: date, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, sd) of each of the next `horizon_days` day totals (calendar-adjusted) from ETS on logs."""
    series = pd.Series(np.log1p(totals), index=pd.date_range(first_day, periods=len(totals), freq="D"))
    model = ETSModel(series, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7)
    with warnings.catch_warnings():
        # statsmodels warns when its optimizer stops at a bound; the fit is still the best it found.
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False)
        prediction = fitted.get_prediction(start=len(totals), end=len(totals) + horizon_days - 1)
    log_mean = np.asarray(prediction.predicted_mean, dtype=float)
    log_var = np.asarray(prediction.forecast_variance, dtype=float)
    mean = np.exp(log_mean + log_var / 2)
    sd = mean * np.sqrt(np.expm1(log_var))
    return np.maximum(mean - 1.0, 0.0), sd


def forecast_demand(source: ForecastInput, horizon_days: int, calendar: DemandCalendar) -> DemandForecast:
    """The next `horizon_days` local days from `source.origin`, hour by hour, for every metric."""
    origin_day = source.origin.astimezone(ZoneInfo(source.zone)).date()
    days = day_totals(source.history, source.zone, origin_day)
    if days.height < MIN_HISTORY_DAYS:
        raise NotEnoughHistory(source.facility_id, days.height)
    days = days.tail(HISTORY_DAYS)
    last_day = origin_day + timedelta(days=horizon_days - 1)
    factors = calendar.factors(days["local_day"][0], last_day)
    past_factor = np.array([factors.get(day, 1.0) for day in days["local_day"]])
    future = with_local_time(
        hour_grid(source.origin, local_midnight(last_day + timedelta(days=1), source.zone)), source.zone
    )
    future_days = [origin_day + timedelta(days=offset) for offset in range(horizon_days)]
    frames = []
    for metric in METRICS:
        profile = hour_profile(source.history, source.zone, days, metric)
        phi = dispersion(source.history, source.zone, days, metric)
        mean, sd = day_forecast(days[metric].to_numpy() / past_factor, days["local_day"][0], horizon_days)
        factor = np.array([factors.get(day, 1.0) for day in future_days])
        per_day = pl.DataFrame(
            {"local_day": future_days, "day_mean": mean * factor, "day_sd": sd * factor},
            schema={"local_day": pl.Date, "day_mean": pl.Float64, "day_sd": pl.Float64},
        )
        frames.append(
            future.join(profile, on=["weekday", "local_hour"])
            .join(per_day, on="local_day")
            .with_columns(pl.col("share") / pl.col("share").sum().over("local_day"))
            .select(
                "hour_start",
                pl.lit(metric).alias("metric"),
                (pl.col("day_mean") * pl.col("share")).alias("p50"),
                (pl.col("day_sd") * pl.col("share")).alias("level_sd"),
                (pl.col("day_mean") * pl.col("share") * phi).sqrt().alias("noise_sd"),
            )
        )
    hours = (
        pl.concat(frames)
        .with_columns(p80=pl.col("p50") + P80_Z * (pl.col("level_sd") ** 2 + pl.col("noise_sd") ** 2).sqrt())
        .select("hour_start", "metric", "p50", "p80", "level_sd", "noise_sd")
        .sort("metric", "hour_start")
    )
    return DemandForecast(hours, days["local_day"][0], days["local_day"][-1])
