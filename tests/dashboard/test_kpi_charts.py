"""The KPI trend chart, without Streamlit: the figure, its target line and its baseline band."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.charts import kpi_trend_chart


def series(
    values: list[float | None], *, baseline: float | None = 92.0, band: tuple = (90.0, 94.0)
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "period_start": [date(2026, 11, day) for day in range(2, 2 + len(values))],
            "value": values,
            "target": [95.0] * len(values),
            "baseline": [baseline] * len(values),
            "band_low": [band[0]] * len(values),
            "band_high": [band[1]] * len(values),
        },
        schema_overrides={
            "value": pl.Float64,
            "baseline": pl.Float64,
            "band_low": pl.Float64,
            "band_high": pl.Float64,
        },
    )


def test_the_figure_the_target_and_the_baseline_inside_its_band() -> None:
    figure = kpi_trend_chart(
        series([93.0, None, 96.5]), label="On-time delivery", value_format=".1f", suffix="%", weekly=False
    )

    traces = {trace.name: trace for trace in figure.data}
    assert list(traces["Day"].y) == [93.0, None, 96.5]  # a day without deliveries is a gap, not a zero
    assert list(traces["Target"].y) == [95.0, 95.0]
    assert list(traces["Baseline"].y) == [92.0, 92.0]
    (band,) = figure.layout.shapes
    assert (band.y0, band.y1) == (90.0, 94.0)
    assert figure.layout.yaxis.ticksuffix == "%"
    assert figure.layout.title.text == "On-time delivery"


def test_weekly_figures_are_named_weeks_and_no_baseline_draws_no_band() -> None:
    figure = kpi_trend_chart(
        series([41.0, 39.5], baseline=None, band=(None, None)), label="Pick-to-pack", value_format=".1f",
        suffix=" min", weekly=True,
    )  # fmt: skip

    assert {trace.name for trace in figure.data} == {"Week", "Target"}
    assert not figure.layout.shapes
    assert "Week of" in figure.data[-1].hovertemplate


def test_an_empty_series_is_an_empty_titled_chart() -> None:
    figure = kpi_trend_chart(series([]), label="CSAT", value_format=".2f", suffix="", weekly=False)

    assert not figure.data and figure.layout.title.text == "CSAT"
