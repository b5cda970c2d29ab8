"""A facility's labor plan: today's stored forecast x its labor standards x its shift calendar, beside the
roster, and held against what happened (actuals from the event stream). The CLI, the page and the tests
all call these functions; the caller owns the transaction (a forecast made here is stored in it).

Hours before today's local midnight, whose work a first shift of today may still have to do (a DC with
no night shift), count with the demand that actually arrived, not a forecast of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import Connection

from db.master_data import facility
from pipeline.kpis.calendar import ShiftWindow, shift_windows
from pipeline.labor.actuals import active_operators, hourly_actuals, processed_volume, shift_actuals
from pipeline.labor.forecast import local_midnight
from pipeline.labor.forecast_store import (
    FORECAST_DAYS,
    ForecastRun,
    current_forecast,
    local_today,
    stored_forecast,
)
from pipeline.labor.history import METRICS, hourly_demand
from pipeline.labor.roster import roster
from pipeline.labor.staffing import staffing_plan
from pipeline.labor.standards import PROCESSES, facility_labor

MAX_PLAN_DAYS = FORECAST_DAYS - 1  # the last day's night shift runs into the day after it


class PlanRequestError(ValueError):
    """A plan asked for outside what the forecast covers; the message names the field and the rule."""


@dataclass(frozen=True)
class LaborPlan:
    facility_id: str
    time_zone: str
    first_day: date
    last_day: date
    run: ForecastRun
    shifts: pl.DataFrame  # per shift and process: workload, labor hours, headcount p50/p80, rostered, gap


def facility_windows(facility_id: str, first_day: date, last_day: date) -> list[ShiftWindow]:
    definition = facility(facility_id)
    return list(
        shift_windows(facility_id, definition.time_zone, definition.shift_calendar, first_day, last_day)
    )


def demand_hours(
    conn: Connection, facility_id: str, start: datetime, end: datetime, origin: datetime
) -> pl.DataFrame:
    """Hourly demand for [start, end): what arrived before `origin`, the stored forecast from it on."""
    past = (
        hourly_demand(conn, facility_id, start, origin)
        .unpivot(index="hour_start", on=list(METRICS), variable_name="metric", value_name="p50")
        .with_columns(p80=pl.col("p50"), level_sd=pl.lit(0.0), noise_sd=pl.lit(0.0))
    )
    future = stored_forecast(conn, facility_id, origin, end)
    return pl.concat([past.select(future.columns), future])


def facility_plan(conn: Connection, facility_id: str, now: datetime, days: int) -> LaborPlan:
    """Required headcount per shift and process for `days` local days from today, with the roster.
    Raises PlanRequestError, or forecast.NotEnoughHistory when there is no forecast to plan from."""
    if not 1 <= days <= MAX_PLAN_DAYS:
        raise PlanRequestError(
            f"days: must be from 1 to {MAX_PLAN_DAYS} (the forecast covers {FORECAST_DAYS})"
        )
    zone = facility(facility_id).time_zone
    run = current_forecast(conn, facility_id, now)
    today = local_today(facility_id, now)
    last_day = today + timedelta(days=days - 1)
    windows = facility_windows(facility_id, today - timedelta(days=1), last_day + timedelta(days=1))
    start = local_midnight(today - timedelta(days=1), zone)
    end = local_midnight(last_day + timedelta(days=2), zone)
    hours = demand_hours(conn, facility_id, start, end, run.origin)
    plan = staffing_plan(hours, windows, facility_labor(facility_id), today, last_day)
    rostered = roster(conn, facility_id, today, last_day).select("day", "shift", "process", "headcount")
    shifts = (
        plan.join(rostered.rename({"headcount": "rostered"}), on=["day", "shift", "process"], how="left")
        .with_columns(gap_p50=pl.col("rostered") - pl.col("headcount_p50"))
        .with_columns(gap_p80=pl.col("rostered") - pl.col("headcount_p80"))
    )
    return LaborPlan(facility_id, zone, today, last_day, run, shifts)


def day_against_actual(conn: Connection, facility_id: str, day: date, plan: LaborPlan) -> pl.DataFrame:
    """Per UTC hour of local `day` and process: the shift on the floor, its planned (p50, p80) and rostered
    headcount, the people seen at work, the work done and work per operator-hour; and the forecast
    (p50, p80) against the actual of the process's driver received."""
    zone = plan.time_zone
    start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    windows = facility_windows(facility_id, day - timedelta(days=1), day)
    labor = facility_labor(facility_id)
    actual = hourly_actuals(
        active_operators(conn, facility_id, start, end), processed_volume(conn, facility_id, start, end)
    )
    received = hourly_demand(conn, facility_id, start, end).unpivot(
        index="hour_start", on=list(METRICS), variable_name="metric", value_name="received"
    )
    forecast = stored_forecast(conn, facility_id, start, end).select("hour_start", "metric", "p50", "p80")
    on_floor = pl.DataFrame(
        [
            (hour, window.day, window.shift)
            for hour in received["hour_start"].unique().sort()
            for window in windows
            if window.starts_at <= hour < window.ends_at
        ],
        schema={"hour_start": received["hour_start"].dtype, "day": pl.Date, "shift": pl.String},
        orient="row",
    ).unique(subset="hour_start", keep="last")
    grid = (
        received.select("hour_start")
        .unique()
        .join(pl.DataFrame({"process": list(PROCESSES)}), how="cross")
        .with_columns(metric=pl.col("process").replace_strict(labor.drivers))
    )
    planned = plan.shifts.select(
        "day", "shift", "process", pl.col("headcount_p50").alias("planned_p50"),
        pl.col("headcount_p80").alias("planned_p80"), "rostered",
    )  # fmt: skip
    return (
        grid.join(on_floor, on="hour_start", how="left")
        .join(planned, on=["day", "shift", "process"], how="left")
        .join(actual, on=["hour_start", "process"], how="left")
        .join(
            forecast.rename({"p50": "forecast_p50", "p80": "forecast_p80"}),
            on=["hour_start", "metric"],
            how="left",
        )
        .join(received, on=["hour_start", "metric"], how="left")
        .with_columns(pl.col("operators").fill_null(0), pl.col("volume").fill_null(0.0))
        .sort("hour_start", "process")
    )


def shifts_against_actual(conn: Connection, plan: LaborPlan, day: date) -> pl.DataFrame:
    """Per shift of local `day` (within the plan) and process: required (p50, p80), rostered and actual
    people (distinct operators seen in the window, their operator-hours), the planned work (p50) and the
    work done, and work per operator-hour."""
    windows = facility_windows(plan.facility_id, day, day)
    planned = plan.shifts.filter(pl.col("day") == day)
    if not windows:
        return planned
    start = min(window.starts_at for window in windows)
    end = max(window.ends_at for window in windows)
    actual = shift_actuals(
        active_operators(conn, plan.facility_id, start, end),
        processed_volume(conn, plan.facility_id, start, end),
        windows,
    )
    return planned.join(
        actual.rename({"operators": "actual_operators", "volume": "actual_volume"}),
        on=["day", "shift", "process"],
        how="left",
    ).with_columns(
        pl.col("actual_operators").fill_null(0),
        pl.col("operator_hours").fill_null(0.0),
        pl.col("actual_volume").fill_null(0.0),
    )
