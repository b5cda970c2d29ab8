"""Headcount arithmetic on hand-computed fixtures: labor hours, headcount, which shift does an hour's
work, and how a shift's p80 adds up its hours' uncertainty."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from pipeline.kpis.calendar import ShiftWindow
from pipeline.labor.forecast import P80_Z
from pipeline.labor.staffing import headcount, hour_shares, labor_hours, shift_demand, staffing_plan
from pipeline.labor.standards import FacilityLabor

DAY = date(2026, 12, 7)
T0 = datetime(2026, 12, 7, 14, tzinfo=UTC)  # 06:00 in Reno
EARLY = ShiftWindow("DC-RNO", DAY, "early", T0, T0 + timedelta(hours=8))
LATE = ShiftWindow("DC-RNO", DAY, "late", T0 + timedelta(hours=8, minutes=30), T0 + timedelta(hours=16))
LABOR = FacilityLabor(
    facility_id="DC-RNO",
    utilization=0.8,
    absence=0.2,
    rates={"pick": 20.0, "pack": 40.0, "ship": 50.0},
    drivers={"pick": "lines", "pack": "units", "ship": "orders"},
)


def test_labor_hours_divide_workload_by_rate_utilization_and_attendance() -> None:
    # 640 lines / 20 an hour = 32 productive hours; / 0.8 utilization = 40 paid; / 0.8 attending = 50
    assert labor_hours(640, 20, 0.8, 0.2) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("hours", "length", "people"),
    [(50.0, 8.0, 7), (48.0, 8.0, 6), (48.000000001, 8.0, 6), (0.0, 8.0, 0), (0.1, 7.5, 1), (5.0, 0.0, 0)],
)
def test_headcount_rounds_up_to_whole_people(hours: float, length: float, people: int) -> None:
    assert headcount(hours, length) == people


def test_an_hour_between_shifts_is_split_and_the_gap_waits_for_the_next_shift() -> None:
    hours = [T0 + timedelta(hours=h) for h in (-1, 7, 8, 15, 16)]
    split = hour_shares(hours, [EARLY, LATE]).group_by("hour_start", "shift").agg(pl.col("fraction").sum())
    shares = {(row["hour_start"], row["shift"]): row["fraction"] for row in split.to_dicts()}

    assert shares[(T0 - timedelta(hours=1), "early")] == 1.0  # before the first shift: queued for it
    assert shares[(T0 + timedelta(hours=7), "early")] == 1.0
    assert shares[(T0 + timedelta(hours=8), "late")] == 1.0  # 22:00-23:00 UTC: half waits, half on the floor
    assert (T0 + timedelta(hours=8), "early") not in shares
    assert shares[(T0 + timedelta(hours=15), "late")] == 1.0
    assert not any(hour == T0 + timedelta(hours=16) for hour, _ in shares)  # no shift after it: left out


def forecast_frame(metric: str, values: list[tuple[datetime, float, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(hour, metric, p50, level, noise) for hour, p50, level, noise in values],
        schema={"hour_start": pl.Datetime("us", "UTC"), "metric": pl.String, "p50": pl.Float64,
                "level_sd": pl.Float64, "noise_sd": pl.Float64},
        orient="row",
    )  # fmt: skip


def test_a_shifts_p80_adds_level_sd_linearly_and_noise_variance() -> None:
    hours = forecast_frame("lines", [(T0, 100.0, 10.0, 3.0), (T0 + timedelta(hours=1), 60.0, 6.0, 4.0)])
    (row,) = shift_demand(hours, [EARLY]).to_dicts()

    assert row["p50"] == pytest.approx(160.0)
    # level sd 10 + 6 = 16; noise variance 9 + 16 = 25; sd sqrt(256 + 25)
    assert row["p80"] == pytest.approx(160.0 + P80_Z * math.sqrt(16**2 + 25))


def test_staffing_plan_per_shift_and_process_for_p50_and_p80() -> None:
    hours = [T0 + timedelta(hours=h) for h in range(16)]
    forecast = pl.concat(
        [
            forecast_frame("lines", [(hour, 80.0, 0.0, 0.0) for hour in hours]),  # 640 lines per shift of 8 h
            forecast_frame("units", [(hour, 40.0, 0.0, 0.0) for hour in hours]),
            forecast_frame("orders", [(hour, 30.0, 2.0, 0.0) for hour in hours]),
        ]
    )
    plan = staffing_plan(forecast, [EARLY, LATE], LABOR, DAY, DAY)
    early = {row["process"]: row for row in plan.filter(pl.col("shift") == "early").to_dicts()}
    late = {row["process"]: row for row in plan.filter(pl.col("shift") == "late").to_dicts()}

    # early: 8 hours 06:00-14:00; pick 640 lines -> 50 paid hours -> ceil(50 / 8) = 7 people
    assert early["pick"]["workload_p50"] == pytest.approx(640.0)
    assert early["pick"]["labor_hours_p50"] == pytest.approx(50.0)
    assert early["pick"]["headcount_p50"] == 7
    # pack 320 units / 40 / 0.8 / 0.8 = 12.5 hours -> 2 people
    assert early["pack"]["labor_hours_p50"] == pytest.approx(12.5) and early["pack"]["headcount_p50"] == 2
    # ship 240 orders / 50 / 0.64 = 7.5 hours -> 1 person; p80: level sd 8 x 2 = 16 orders more
    assert early["ship"]["headcount_p50"] == 1
    assert early["ship"]["workload_p80"] == pytest.approx(240.0 + P80_Z * 16.0)
    assert early["ship"]["labor_hours_p80"] == pytest.approx((240.0 + P80_Z * 16.0) / 50 / 0.8 / 0.8)
    # late: 7.5 hours long; the 8 hours from 14:00 are its work -> the same 640 lines, 50 h / 7.5 = 7 people
    assert late["pick"]["shift_hours"] == 7.5 and late["pick"]["headcount_p50"] == 7
    assert set(plan["process"]) == {"pick", "pack", "ship"} and plan.height == 6
