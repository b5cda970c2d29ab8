"""The hourly forecast on seeded simulated demand: its shape, its band, the calendar's peak days, DST days,
and the backtest against the seasonal-naive baseline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from pipeline.labor.backtest import backtest, seasonal_naive, wape
from pipeline.labor.calendar import DemandCalendar, parse_calendar
from pipeline.labor.forecast import ForecastInput, NotEnoughHistory, forecast_demand, local_midnight
from tests.pipeline.labor.simulated_demand import simulated_demand

RENO = "America/Los_Angeles"
PLAIN = parse_calendar({"holiday_factor": 1.0, "peak_days": []})


@pytest.fixture(scope="module")
def reno_history() -> pl.DataFrame:
    return simulated_demand("DC-RNO", local_midnight(date(2026, 9, 7), RENO), 42, orders_per_month=60_000)


def forecast_from(history: pl.DataFrame, origin_day: date, calendar: DemandCalendar = PLAIN, days: int = 14):
    origin = local_midnight(origin_day, RENO)
    source = ForecastInput("DC-RNO", RENO, history.filter(pl.col("hour_start") < origin), origin)
    return forecast_demand(source, days, calendar)


def test_every_hour_and_metric_of_the_horizon_with_p80_above_p50(reno_history: pl.DataFrame) -> None:
    forecast = forecast_from(reno_history, date(2026, 10, 5))
    hours = forecast.hours

    assert hours.height == 14 * 24 * 3
    assert set(hours["metric"]) == {"orders", "lines", "units"}
    assert hours["hour_start"].min() == local_midnight(date(2026, 10, 5), RENO)
    assert (hours["p80"] > hours["p50"]).all() and (hours["p50"] >= 0).all()
    assert forecast.history_through == date(2026, 10, 4)
    orders = hours.filter(pl.col("metric") == "orders")
    actual = reno_history.filter(pl.col("hour_start").is_in(orders["hour_start"].implode()))
    assert orders["p50"].sum() == pytest.approx(actual["orders"].sum(), rel=0.08)


def test_the_night_is_quieter_than_the_evening(reno_history: pl.DataFrame) -> None:
    hours = forecast_from(reno_history, date(2026, 10, 5)).hours.filter(pl.col("metric") == "orders")
    local = hours.with_columns(hour=pl.col("hour_start").dt.convert_time_zone(RENO).dt.hour())
    by_hour = dict(local.group_by("hour").agg(pl.col("p50").mean()).iter_rows())

    assert by_hour[20] > 4 * by_hour[4]  # the simulator's evening peak against its 4 a.m. trough


def test_a_peak_day_multiplies_its_days_forecast(reno_history: pl.DataFrame) -> None:
    peak = parse_calendar(
        {"holiday_factor": 1.0, "peak_days": [{"date": "2026-10-09", "name": "Flash sale", "factor": 2.0}]}
    )
    plain = forecast_from(reno_history, date(2026, 10, 5)).hours
    with_peak = forecast_from(reno_history, date(2026, 10, 5), peak).hours

    def day_total(hours: pl.DataFrame, day: date) -> float:
        start = local_midnight(day, RENO)
        return hours.filter(
            (pl.col("metric") == "orders")
            & (pl.col("hour_start") >= start)
            & (pl.col("hour_start") < start + timedelta(days=1))
        )["p50"].sum()

    assert day_total(with_peak, date(2026, 10, 9)) == pytest.approx(2 * day_total(plain, date(2026, 10, 9)))
    assert day_total(with_peak, date(2026, 10, 8)) == pytest.approx(day_total(plain, date(2026, 10, 8)))


def test_a_dst_day_spreads_its_total_over_25_hours() -> None:
    history = simulated_demand("DC-RNO", local_midnight(date(2026, 10, 5), RENO), 27, orders_per_month=60_000)
    hours = forecast_from(history, date(2026, 11, 1), days=2).hours.filter(pl.col("metric") == "orders")
    first_day = hours.filter(pl.col("hour_start") < local_midnight(date(2026, 11, 2), RENO))

    assert first_day.height == 25  # fall back: 01:00 happens twice


def test_too_short_a_history_is_refused_with_the_reason(reno_history: pl.DataFrame) -> None:
    with pytest.raises(NotEnoughHistory, match="needs 14 complete days of orders; history has 10"):
        forecast_from(reno_history, date(2026, 9, 17))


def test_wape_is_the_absolute_error_over_the_actual_total() -> None:
    actual = pl.Series([10.0, 0.0, 30.0])
    assert wape(actual, pl.Series([12.0, 1.0, 27.0])) == pytest.approx((2 + 1 + 3) / 40)


def test_seasonal_naive_repeats_the_same_weekday_and_hour_of_the_last_week(
    reno_history: pl.DataFrame,
) -> None:
    origin_day = date(2026, 10, 5)
    baseline = seasonal_naive(reno_history, RENO, origin_day, 14).filter(pl.col("metric") == "orders")
    at = local_midnight(date(2026, 10, 14), RENO) + timedelta(hours=19)  # Wednesday, and 9 days in
    week_before = local_midnight(date(2026, 9, 30), RENO) + timedelta(hours=19)  # the Wednesday before origin

    value = baseline.filter(pl.col("hour_start") == at)["baseline"][0]
    assert value == reno_history.filter(pl.col("hour_start") == week_before)["orders"][0]


@pytest.mark.parametrize("facility_id", ["DC-RNO", "DC-CMH"])
def test_the_model_beats_the_seasonal_naive_baseline_on_seeded_history(facility_id: str) -> None:
    zone = {"DC-RNO": RENO, "DC-CMH": "America/New_York"}[facility_id]
    history = simulated_demand(facility_id, local_midnight(date(2026, 8, 24), zone), 42, seed=11)
    scores = backtest(facility_id, zone, history, PLAIN, step_days=7)

    assert {score.metric for score in scores} == {"orders", "lines", "units"}
    for score in scores:
        assert score.origins == 2 and score.hours == 2 * 14 * 24
        assert score.model_wape < score.baseline_wape, score
        assert 0.6 < score.p80_coverage < 0.95, score


def test_origins_need_three_weeks_before_and_a_horizon_after() -> None:
    history = simulated_demand("DC-RNO", datetime(2026, 9, 1, 7, tzinfo=UTC), 30, orders_per_month=30_000)
    assert backtest("DC-RNO", RENO, history, PLAIN) == []
