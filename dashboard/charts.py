"""Chart builders: a polars frame in, a Plotly figure out. No Streamlit here; tested on their own.

Figures are sized for a TV across the floor: large fonts, few gridlines, a legend that names every
series, and the same colour for a source on every chart.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import polars as pl
from plotly.colors import qualitative

from db.master_data import carriers, facilities

# Ten mid-bright colours, one per known source (2 WMS, the store tool, 6 carriers, the helpdesk), that
# stand out on the light desk theme and on the black floor-screen theme alike; more for unknown sources.
_PALETTE = qualitative.Plotly + qualitative.Alphabet
_FONT_SIZE = 18


def known_sources() -> list[str]:
    """The source systems the reference data implies, in a fixed order."""
    dcs = [f"wms:{item.facility_id}" for item in facilities() if item.kind == "dc"]
    return [*dcs, "stores", *(f"carrier:{item.carrier_id}" for item in carriers()), "helpdesk"]


def source_colours(sources: list[str]) -> dict[str, str]:
    """The same colour for a source on every chart, whatever else is plotted: known sources by their
    fixed place, others after them in name order."""
    order = known_sources()
    order += sorted(set(sources) - set(order))
    return {source: _PALETTE[order.index(source) % len(_PALETTE)] for source in sources}


def events_per_minute_chart(grid: pl.DataFrame, zone: ZoneInfo) -> go.Figure:
    """Stacked bars of events per minute by source; `grid` has minute (UTC), source, events.

    Minutes are shown in `zone` (the viewer's) so the axis reads like the clock on the wall.
    """
    figure = go.Figure()
    sources = grid["source"].unique().sort().to_list()
    colours = source_colours(sources)
    for source in sources:
        rows = grid.filter(pl.col("source") == source).sort("minute")
        local_minutes = rows["minute"].dt.convert_time_zone(str(zone)).dt.replace_time_zone(None)
        figure.add_trace(
            go.Bar(
                x=local_minutes.to_list(),
                y=rows["events"].to_list(),
                name=source,
                marker_color=colours[source],
                hovertemplate="%{x|%H:%M}  %{y:,} events<extra>" + source + "</extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        bargap=0.05,
        font={"size": _FONT_SIZE},
        height=460,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "v", "title": {"text": "Source"}, "font": {"size": _FONT_SIZE}},
        xaxis={"title": None, "tickformat": "%H:%M", "tickfont": {"size": _FONT_SIZE}},
        yaxis={
            "title": {"text": "events per minute", "font": {"size": _FONT_SIZE}},
            "tickfont": {"size": _FONT_SIZE},
            "rangemode": "tozero",
        },
    )
    return figure


# KPI trends: read at a desk, several to a screen; desk-sized fonts, the series in the theme's accent.
_KPI_FONT_SIZE = 13
_KPI_SERIES = "#1f77d0"
_KPI_TARGET = "#2e9e4f"
_KPI_BASELINE = "rgba(128, 128, 128, 0.6)"
_KPI_BAND = "rgba(128, 128, 128, 0.16)"


def kpi_trend_chart(
    series: pl.DataFrame,
    *,
    label: str,
    value_format: str,
    suffix: str,
    weekly: bool,
    period: tuple[date, date] | None = None,
) -> go.Figure:
    """One KPI over time: its figure per day or week, the target as a dashed line and the baseline as a
    dotted line inside its band (the baseline period's usual spread).

    `series` has period_start, value, target, baseline, band_low, band_high (one KPI, sorted); the value is
    shown with d3 `value_format` and `suffix` (e.g. ".1f" and "%"). `period` (first and last day) gives
    every chart of a page the same time axis, whichever days have figures.
    """
    figure = go.Figure()
    if series.height:
        first, last = period or (series["period_start"].min(), series["period_start"].max())
        band_low, band_high, baseline = series["band_low"][0], series["band_high"][0], series["baseline"][0]
        if band_low is not None and band_high is not None and band_high > band_low:
            figure.add_hrect(y0=band_low, y1=band_high, fillcolor=_KPI_BAND, line_width=0, layer="below")
        if baseline is not None:
            figure.add_trace(
                _level_line(first, last, baseline, "Baseline", _KPI_BASELINE, "dot", value_format, suffix)
            )
        target = series["target"][0]
        if target is not None:
            figure.add_trace(
                _level_line(first, last, target, "Target", _KPI_TARGET, "dash", value_format, suffix)
            )
        figure.add_trace(
            go.Scatter(
                x=series["period_start"].to_list(),
                y=series["value"].to_list(),
                name="Week" if weekly else "Day",
                mode="lines+markers",
                line={"color": _KPI_SERIES, "width": 2.5},
                marker={"size": 7 if weekly else 5},
                connectgaps=False,
                hovertemplate=("Week of %{x|%b %d}" if weekly else "%{x|%a %b %d}")
                + f": %{{y:{value_format}}}{suffix}<extra></extra>",
            )
        )
    figure.update_layout(
        title={"text": label, "font": {"size": _KPI_FONT_SIZE + 3}, "x": 0, "xanchor": "left"},
        font={"size": _KPI_FONT_SIZE},
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        xaxis={"title": None, "tickformat": "%b %d", "showgrid": False, "range": _padded(period, weekly)},
        yaxis={"title": None, "tickformat": value_format, "ticksuffix": suffix, "zeroline": False},
    )
    return figure


def _padded(period: tuple[date, date] | None, weekly: bool) -> list[date] | None:
    """The time axis: the period and a little room, so the first and last markers are whole."""
    if period is None:
        return None
    room = timedelta(days=3 if weekly else 1)
    return [period[0] - room, period[1] + room]


def _level_line(first, last, level: float, name: str, colour: str, dash: str, value_format: str, suffix: str):
    return go.Scatter(
        x=[first, last],
        y=[level, level],
        name=name,
        mode="lines",
        line={"color": colour, "dash": dash, "width": 1.8},
        hovertemplate=f"{name}: %{{y:{value_format}}}{suffix}<extra></extra>",
    )
