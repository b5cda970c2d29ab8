"""Data of the Labor planning page: a facility's plan for the next days beside its roster, the forecast
with its band, and today's plan against what happened, all from pipeline.labor (the CLI's functions).

`load_labor_view(engine, …)` is the plain function; the page calls the cached wrapper (keyed by the
database URL, facility and the minute), which a roster save clears so that the edit shows at once. The
forecast is made by the worker once a local day; a page opened before that makes and stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.auth import SignedInUser
from dashboard.database import engine_for
from pipeline.labor.forecast import local_midnight
from pipeline.labor.forecast_store import stored_forecast
from pipeline.labor.history import hourly_demand
from pipeline.labor.plan import LaborPlan, day_against_actual, facility_plan, shifts_against_actual
from pipeline.labor.roster import AppliedChange, RosterChange, save_roster
from pipeline.labor.standards import PROCESSES, labor_standards

CACHE_TTL = timedelta(seconds=60)
PLAN_DAYS = 7
ALL_PROCESSES = "All processes"
EDITOR_COLUMNS = ["Day", "Shift", "Process", "Required p50", "Required p80", "Rostered"]


@dataclass(frozen=True)
class LaborView:
    plan: LaborPlan
    forecast: pl.DataFrame  # hour_start, metric, p50, p80: the next PLAN_DAYS days
    received: pl.DataFrame  # hour_start, metric, received: the last two days
    today: pl.DataFrame  # day_against_actual for the facility's today
    today_shifts: pl.DataFrame  # shifts_against_actual for the facility's today


def planned_facilities() -> list[str]:
    return list(labor_standards().planned_facilities)


def load_labor_view(engine: Engine, facility_id: str, now: datetime) -> LaborView:
    """Plan, forecast and today's actuals of `facility_id` (a missing forecast is made and stored)."""
    with engine.begin() as conn:
        plan = facility_plan(conn, facility_id, now, PLAN_DAYS)
        start = local_midnight(plan.first_day, plan.time_zone)
        end = local_midnight(plan.last_day + timedelta(days=1), plan.time_zone)
        forecast = stored_forecast(conn, facility_id, start, end).select("hour_start", "metric", "p50", "p80")
        received = hourly_demand(conn, facility_id, start - timedelta(days=2), min(now, end)).unpivot(
            index="hour_start", variable_name="metric", value_name="received"
        )
        today = day_against_actual(conn, facility_id, plan.first_day, plan)
        today_shifts = shifts_against_actual(conn, plan, plan.first_day)
    return LaborView(plan, forecast, received, today, today_shifts)


@st.cache_data(ttl=CACHE_TTL, max_entries=8, show_spinner=False)
def cached_labor_view(url: str, facility_id: str, minute: datetime) -> LaborView:
    return load_labor_view(engine_for(url), facility_id, minute)


def labor_view(url: str, facility_id: str) -> LaborView:
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    return cached_labor_view(url, facility_id, minute)


def heatmap_cells(plan: LaborPlan, process: str) -> pl.DataFrame:
    """Per day and shift: required (p50, p80) and rostered people of one process or of all (null while
    nobody is rostered for any of them), and the gap against p80 (a shift nobody is rostered for is short
    by all it needs)."""
    shifts = plan.shifts if process == ALL_PROCESSES else plan.shifts.filter(pl.col("process") == process)
    return (
        shifts.group_by("day", "shift")
        .agg(
            pl.col("starts_at").min().dt.convert_time_zone(plan.time_zone).dt.time().alias("starts"),
            pl.col("headcount_p50").sum().alias("required_p50"),
            pl.col("headcount_p80").sum().alias("required_p80"),
            pl.when(pl.col("rostered").is_not_null().any()).then(pl.col("rostered").sum()).alias("rostered"),
        )
        .with_columns(gap=pl.col("rostered").fill_null(0) - pl.col("required_p80"))
        .sort("day", "starts")
    )


def short_shifts(plan: LaborPlan) -> pl.DataFrame:
    """Shifts and processes rostered below the p80 requirement, or not rostered at all, soonest first."""
    return (
        plan.shifts.filter(pl.col("rostered").is_null() | (pl.col("gap_p80") < 0))
        .sort("starts_at", "process")
        .select(
            pl.col("day").alias("Day"), pl.col("shift").alias("Shift"), pl.col("process").alias("Process"),
            pl.col("headcount_p80").alias("Required p80"), pl.col("rostered").alias("Rostered"),
            pl.col("gap_p80").alias("Gap"),
        )
    )  # fmt: skip


def roster_editor_frame(plan: LaborPlan) -> pd.DataFrame:
    """The plan's shifts as rows for st.data_editor: only Rostered is editable."""
    return (
        plan.shifts.sort("starts_at", "process")
        .select(
            pl.col("day").alias("Day"),
            pl.col("shift").alias("Shift"),
            pl.col("process").alias("Process"),
            pl.col("headcount_p50").alias("Required p50"),
            pl.col("headcount_p80").alias("Required p80"),
            pl.col("rostered").alias("Rostered"),
        )  # fmt: skip
        .to_pandas()
        .astype({"Rostered": "Int64"})
    )


def roster_changes(original: pd.DataFrame, edited: pd.DataFrame) -> list[RosterChange]:
    """The rows whose Rostered value the person changed (a cleared cell means nobody: 0)."""
    changes = []
    for (_, before), (_, after) in zip(original.iterrows(), edited.iterrows(), strict=True):
        value = after["Rostered"]
        new = 0 if pd.isna(value) else value
        old = None if pd.isna(before["Rostered"]) else int(before["Rostered"])
        if pd.isna(value) and old is None:
            continue
        if old is None or new != old:
            changes.append(
                RosterChange(pd.Timestamp(after["Day"]).date(), after["Shift"], after["Process"],
                             int(new) if float(new).is_integer() else new)
            )  # fmt: skip
    return changes


def save_roster_edits(
    url: str, user: SignedInUser, facility_id: str, changes: list[RosterChange]
) -> list[AppliedChange]:
    """Store and audit the edits in one transaction, then forget the cached views so they show at once."""
    with engine_for(url).begin() as conn:
        applied = save_roster(conn, user, facility_id, changes)
    cached_labor_view.clear()
    return applied


def today_by_hour(view: LaborView, process: str) -> pl.DataFrame:
    return view.today.filter(pl.col("process") == process).sort("hour_start")


def today_table(view: LaborView, process: str) -> pl.DataFrame:
    """Today's hours of one process in facility-local time: the shift, planned and rostered people, people
    seen at work, the work done and per operator-hour, and the forecast against what arrived."""
    return today_by_hour(view, process).select(
        pl.col("hour_start").dt.convert_time_zone(view.plan.time_zone).dt.strftime("%H:%M").alias("Hour"),
        pl.col("shift").alias("Shift"), pl.col("planned_p50").alias("Required p50"),
        pl.col("planned_p80").alias("Required p80"), pl.col("rostered").alias("Rostered"),
        pl.col("operators").alias("People at work"), pl.col("volume").round(0).alias("Work done"),
        pl.col("productivity").round(1).alias("Per operator-hour"),
        pl.col("forecast_p50").round(0).alias("Forecast p50"), pl.col("forecast_p80").round(0).alias("Forecast p80"),
        pl.col("received").alias("Received"),
    )  # fmt: skip


def today_shift_table(view: LaborView) -> pl.DataFrame:
    """Today's shifts per process: required, rostered and actual people, planned work and work done."""
    return view.today_shifts.sort("starts_at", "process").select(
        pl.col("shift").alias("Shift"), pl.col("process").alias("Process"), pl.col("driver").alias("Counted in"),
        pl.col("headcount_p50").alias("Required p50"), pl.col("headcount_p80").alias("Required p80"),
        pl.col("rostered").alias("Rostered"), pl.col("actual_operators").alias("People seen"),
        pl.col("operator_hours").alias("Operator-hours"), pl.col("workload_p50").round(0).alias("Planned work p50"),
        pl.col("actual_volume").round(0).alias("Work done"), pl.col("productivity").round(1).alias("Per operator-hour"),
    )  # fmt: skip


def metric_forecast(view: LaborView, metric: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    forecast = view.forecast.filter(pl.col("metric") == metric).sort("hour_start")
    received = view.received.filter(pl.col("metric") == metric).sort("hour_start")
    return forecast, received


def process_options() -> list[str]:
    return [ALL_PROCESSES, *PROCESSES]
