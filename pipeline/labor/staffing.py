"""Labor standards x forecast -> required labor hours and headcount per process per shift. Pure.

Work is counted in the shift that has it to do: the part of an hour's demand that arrives while a shift
is on the floor belongs to that shift; the part that arrives while no shift runs (a DC without a night
shift at the weekend) waits for the next shift to start. Per shift and process:

    workload    = the process's driver (order lines to pick, units to pack, orders to ship) in the shift
    labor hours = workload / rate / utilization / (1 - absence)   (paid hours to roster)
    headcount   = ceil(labor hours / shift hours)

for p50 and for p80 demand. A shift's p80 is not the sum of its hours' p80: the day's level moves every
hour of the day together (its sd adds up), the hours' own noise does not (its variance adds up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import polars as pl

from pipeline.kpis.calendar import ShiftWindow
from pipeline.labor.forecast import P80_Z
from pipeline.labor.standards import PROCESSES, FacilityLabor

HOUR = timedelta(hours=1)
_ROUNDING = 1e-9  # 6.000000001 people is six people, not seven

SHIFT_SCHEMA = {
    "day": pl.Date,
    "shift": pl.String,
    "starts_at": pl.Datetime("us", "UTC"),
    "ends_at": pl.Datetime("us", "UTC"),
}


def shift_hours(window: ShiftWindow) -> float:
    """Paid hours of one shift (a night shift across a DST switch is an hour longer or shorter)."""
    return (window.ends_at - window.starts_at) / HOUR


def hour_shares(hours: Iterable[datetime], windows: Sequence[ShiftWindow]) -> pl.DataFrame:
    """Which shift does each hour's work: (hour_start, day, shift, fraction of the hour's demand).

    Overlap with a shift's window goes to that shift; the rest of the hour goes to the next shift to
    start after it. An hour with no shift after it within `windows` is left out.
    """
    ordered = sorted(windows, key=lambda window: window.starts_at)
    rows = []
    for start in hours:
        end = start + HOUR
        covered = 0.0
        for window in ordered:
            overlap = (min(end, window.ends_at) - max(start, window.starts_at)) / HOUR
            if overlap > 0:
                rows.append((start, window.day, window.shift, overlap))
                covered += overlap
        if covered < 1.0 - _ROUNDING:
            following = next(
                (window for window in ordered if window.starts_at >= start + HOUR * covered), None
            )
            if following is not None:
                rows.append((start, following.day, following.shift, 1.0 - covered))
    return pl.DataFrame(
        rows,
        schema={
            "hour_start": pl.Datetime("us", "UTC"),
            "day": pl.Date,
            "shift": pl.String,
            "fraction": pl.Float64,
        },
        orient="row",
    )


def shift_demand(forecast: pl.DataFrame, windows: Sequence[ShiftWindow]) -> pl.DataFrame:
    """Per shift and metric: p50 and p80 of the demand the shift has to work, from hourly forecasts
    (hour_start, metric, p50, level_sd, noise_sd)."""
    shares = hour_shares(forecast["hour_start"].unique().sort(), windows)
    return (
        forecast.join(shares, on="hour_start")
        .group_by("day", "shift", "metric")
        .agg(
            (pl.col("p50") * pl.col("fraction")).sum().alias("p50"),
            (pl.col("level_sd") * pl.col("fraction")).sum().alias("level_sd"),
            (pl.col("noise_sd") ** 2 * pl.col("fraction")).sum().alias("noise_var"),
        )
        .with_columns(p80=pl.col("p50") + P80_Z * (pl.col("level_sd") ** 2 + pl.col("noise_var")).sqrt())
        .select("day", "shift", "metric", "p50", "p80")
    )


def labor_hours(workload: float, rate: float, utilization: float, absence: float) -> float:
    """Paid hours to roster for `workload` driver units at `rate` per productive hour."""
    return workload / rate / utilization / (1.0 - absence)


def headcount(hours: float, length_hours: float) -> int:
    """People to roster on a shift of `length_hours` to cover `hours` paid hours."""
    return max(0, math.ceil(hours / length_hours - _ROUNDING)) if length_hours > 0 else 0


def shift_frame(windows: Sequence[ShiftWindow]) -> pl.DataFrame:
    return pl.DataFrame(
        [(window.day, window.shift, window.starts_at, window.ends_at) for window in windows],
        schema=SHIFT_SCHEMA,
        orient="row",
    )


def staffing_plan(
    forecast: pl.DataFrame,
    windows: Sequence[ShiftWindow],
    labor: FacilityLabor,
    first_day: date,
    last_day: date,
) -> pl.DataFrame:
    """Per shift starting from `first_day` to `last_day` and per process: workload, labor hours and
    headcount for p50 and p80 demand. `windows` may reach past both days (work queues into them)."""
    demand = shift_demand(forecast, windows)
    rows = []
    for window in sorted(windows, key=lambda item: item.starts_at):
        if not first_day <= window.day <= last_day:
            continue
        length = shift_hours(window)
        for process in PROCESSES:
            driver = labor.drivers[process]
            found = demand.filter(
                (pl.col("day") == window.day)
                & (pl.col("shift") == window.shift)
                & (pl.col("metric") == driver)
            )
            p50 = float(found["p50"][0]) if found.height else 0.0
            p80 = float(found["p80"][0]) if found.height else 0.0
            hours_p50 = labor_hours(p50, labor.rates[process], labor.utilization, labor.absence)
            hours_p80 = labor_hours(p80, labor.rates[process], labor.utilization, labor.absence)
            rows.append(
                (
                    window.day, window.shift, window.starts_at, window.ends_at, length, process, driver,
                    p50, p80, hours_p50, hours_p80, headcount(hours_p50, length), headcount(hours_p80, length),
                )
            )  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={
            **SHIFT_SCHEMA,
            "shift_hours": pl.Float64,
            "process": pl.String,
            "driver": pl.String,
            "workload_p50": pl.Float64,
            "workload_p80": pl.Float64,
            "labor_hours_p50": pl.Float64,
            "labor_hours_p80": pl.Float64,
            "headcount_p50": pl.Int64,
            "headcount_p80": pl.Int64,
        },
        orient="row",
    )
