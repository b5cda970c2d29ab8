"""KPI arithmetic on summed numerators and denominators."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipeline.kpis.definitions import KPI_KEYS, format_value
from pipeline.kpis.figures import SUMS_SCHEMA, Status, baseline_figures, period_figures, status, week_start


def sums(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SUMS_SCHEMA, orient="row")


def test_a_week_is_its_days_numerators_over_its_days_denominators_monday_to_sunday() -> None:
    daily = sums(
        ("on_time_delivery", date(2026, 11, 2), 9.0, 10.0, 0),  # Monday
        ("on_time_delivery", date(2026, 11, 8), 0.0, 1.0, 1),  # Sunday, same ISO week
        ("on_time_delivery", date(2026, 11, 9), 4.0, 4.0, 0),  # Monday, the next week
    )

    weekly = period_figures(daily, "week")

    assert weekly["period_start"].to_list() == [date(2026, 11, 2), date(2026, 11, 9)]
    assert weekly["value"].to_list() == pytest.approx([9 / 11 * 100, 100.0])  # not the mean of 90% and 0%
    assert weekly["inferred_events"].to_list() == [1, 0]


def test_figures_are_scaled_to_their_unit_and_empty_denominators_give_no_figure() -> None:
    daily = sums(
        ("exception_rate", date(2026, 11, 2), 3.0, 4.0, 0),
        ("pick_to_pack_minutes", date(2026, 11, 2), 150.0, 3.0, 0),
        ("csat_score", date(2026, 11, 2), 0.0, 0.0, 0),
    )

    figures = dict(zip(*period_figures(daily, "day").select("kpi", "value"), strict=True))

    assert figures == {"pick_to_pack_minutes": 50.0, "exception_rate": 750.0, "csat_score": None}


def test_the_baseline_is_the_pooled_figure_and_its_band_the_daily_spread() -> None:
    daily = sums(
        *(
            ("csat_score", date(2026, 11, day), float(score), 1.0, 0)
            for day, score in ((1, 3), (2, 4), (3, 5), (9, 1))
        )
    )

    (row,) = baseline_figures(daily, {"csat_score": (date(2026, 11, 1), date(2026, 11, 3))}, "day").iter_rows(
        named=True
    )

    assert row["baseline"] == 4.0
    assert (row["band_low"], row["band_high"]) == pytest.approx((3.0, 5.0))  # mean 4 ± sample std 1


@pytest.mark.parametrize(
    ("key", "value", "target", "baseline", "expected"),
    [
        ("on_time_delivery", 96.0, 95.0, 90.0, Status.ON_TARGET),
        ("on_time_delivery", 92.0, 95.0, 90.0, Status.AT_BASELINE),
        ("on_time_delivery", 88.0, 95.0, 90.0, Status.BELOW_BASELINE),
        ("pick_to_pack_minutes", 40.0, 45.0, 50.0, Status.ON_TARGET),
        ("pick_to_pack_minutes", 48.0, 45.0, 50.0, Status.AT_BASELINE),
        ("pick_to_pack_minutes", 55.0, 45.0, 50.0, Status.BELOW_BASELINE),
        ("csat_score", None, 4.3, 4.0, Status.NO_DATA),
    ],
)
def test_status_reads_the_direction_of_each_kpi(key, value, target, baseline, expected) -> None:
    assert status(key, value, target, baseline) is expected


def test_weeks_start_on_monday() -> None:
    assert week_start(date(2026, 11, 8)) == date(2026, 11, 2)
    assert week_start(date(2026, 11, 9)) == date(2026, 11, 9)


def test_every_kpi_has_a_readable_format() -> None:
    assert format_value("on_time_delivery", 96.44) == "96.4%"
    assert format_value("pick_to_pack_minutes", 38.47) == "38.5 min"
    assert format_value("exception_rate", 1234.5) == "1,234.5 per 1,000"
    assert format_value("orders_packed_per_shift", 412.4) == "412 orders"
    assert format_value("csat_score", 4.213) == "4.21 / 5"
    assert format_value("csat_top2_pct", None) == "—"
    assert all(format_value(key, 1.0) for key in KPI_KEYS)
