"""Chart builders, without Streamlit: what each figure plots and how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from dashboard.charts import events_per_minute_chart, known_sources, source_colours
from dashboard.source_health import SERIES_SCHEMA, minute_grid

START = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


def grid() -> pl.DataFrame:
    rows = [(START + timedelta(minutes=m), "wms:DC-RNO", 10 + m) for m in range(3)]
    rows += [(START + timedelta(minutes=1), "carrier:ups", 5)]
    series = pl.DataFrame(rows, schema=SERIES_SCHEMA, orient="row")
    return minute_grid(series, START, START + timedelta(minutes=2))


def test_one_stacked_bar_series_per_source_with_zero_for_quiet_minutes():
    figure = events_per_minute_chart(grid(), ZoneInfo("UTC"))

    assert figure.layout.barmode == "stack"
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {"wms:DC-RNO", "carrier:ups"}
    assert list(traces["wms:DC-RNO"].y) == [10, 11, 12]
    assert list(traces["carrier:ups"].y) == [0, 5, 0]


def test_minutes_are_shown_on_the_viewers_clock():
    figure = events_per_minute_chart(grid(), ZoneInfo("America/Los_Angeles"))
    first_minute = figure.data[0].x[0]
    assert first_minute == datetime(2026, 7, 1, 9, 0)  # 16:00 UTC is 09:00 PDT


def test_a_source_keeps_its_colour_whatever_else_is_plotted():
    alone = source_colours(["stores"])
    every = source_colours(known_sources() + ["carrier:newco"])
    assert alone["stores"] == every["stores"]
    assert len(set(every.values())) == len(every)  # every source its own colour
    figure = events_per_minute_chart(grid(), ZoneInfo("UTC"))
    assert {trace.name: trace.marker.color for trace in figure.data} == {
        "wms:DC-RNO": every["wms:DC-RNO"],
        "carrier:ups": every["carrier:ups"],
    }


def test_empty_grid_gives_an_empty_chart_not_an_error():
    empty = minute_grid(pl.DataFrame(schema=SERIES_SCHEMA), START, START + timedelta(minutes=5))
    figure = events_per_minute_chart(empty, ZoneInfo("UTC"))
    assert len(figure.data) == 0
