"""Chart builders of the Labor planning page: a polars frame in, a Plotly figure out. No Streamlit here.

Times are shown in the facility's zone (the plan is made in it); colours say the same thing everywhere:
red is short of people, green is covered.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

SHORT, COVERED, NO_ROSTER = "#d64545", "#2e9e4f", "#9e9e9e"
_FONT_SIZE = 15


def _local(frame: pl.DataFrame, zone: str) -> list:
    return frame["hour_start"].dt.convert_time_zone(zone).dt.replace_time_zone(None).to_list()


def staffing_heatmap(cells: pl.DataFrame) -> go.Figure:
    """Shifts (rows) by day (columns), coloured by rostered minus required (p80) people; `cells` has
    day, shift, required_p50, required_p80, rostered (null: nobody rostered yet), gap."""
    days = sorted(cells["day"].unique().to_list())
    shifts = cells.select("shift", "starts").unique().sort("starts")["shift"].to_list()
    lookup = {(row["shift"], row["day"]): row for row in cells.iter_rows(named=True)}
    gaps, labels = [], []
    for shift in shifts:
        gap_row, label_row = [], []
        for day in days:
            row = lookup.get((shift, day))
            if row is None:
                gap_row.append(None)
                label_row.append("no shift")
                continue
            rostered = "-" if row["rostered"] is None else str(row["rostered"])
            gap_row.append(row["gap"])
            label_row.append(f"{rostered} / {row['required_p80']}<br>p50 {row['required_p50']}")
        gaps.append(gap_row)
        labels.append(label_row)
    limit = max([abs(gap) for row in gaps for gap in row if gap is not None] + [1])
    figure = go.Figure(
        go.Heatmap(
            z=gaps,
            x=[f"{day:%a %b %d}" for day in days],
            y=shifts,
            text=labels,
            texttemplate="%{text}",
            textfont={"size": _FONT_SIZE},
            colorscale=[[0.0, SHORT], [0.5, "#f7f7f7"], [1.0, COVERED]],
            zmin=-limit,
            zmax=limit,
            xgap=3,
            ygap=3,
            colorbar={"title": {"text": "rostered − required"}},
            hovertemplate="%{x} %{y}: %{text}<br>gap %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        height=120 + 70 * len(shifts),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"autorange": "reversed"},
        title={"text": "Rostered / required (p80) people per shift", "font": {"size": _FONT_SIZE}},
    )
    return figure


def forecast_band_chart(forecast: pl.DataFrame, received: pl.DataFrame, zone: str, metric: str) -> go.Figure:
    """The hourly forecast (p50 line, p50-p80 band) and what was received; `forecast` has hour_start,
    p50, p80; `received` has hour_start, received."""
    hours = _local(forecast, zone)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=hours, y=forecast["p80"].to_list(), name="p80", mode="lines", line={"width": 0},
                   showlegend=False, hoverinfo="skip")
    )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=hours,
            y=forecast["p50"].to_list(),
            name="forecast p50 (band to p80)",
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(31, 119, 180, 0.2)",
            line={"color": "#1f77b4"},
            hovertemplate="%{x|%a %H:%M}  %{y:,.0f}<extra>p50</extra>",
        )
    )
    if received.height:
        figure.add_trace(
            go.Scatter(x=_local(received, zone), y=received["received"].to_list(), name="received",
                       mode="lines", line={"color": "#333333", "width": 1.5})
        )  # fmt: skip
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": f"{metric} per hour"},
        legend={"orientation": "h", "y": 1.1},
        hovermode="x unified",
    )
    return figure


def plan_vs_actual_chart(hours: pl.DataFrame, zone: str, process: str) -> go.Figure:
    """One process through one day: people seen at work per hour (bars) against the shift's rostered and
    required (p50, p80) people; `hours` has hour_start, operators, planned_p50, planned_p80, rostered."""
    x = _local(hours, zone)
    figure = go.Figure()
    figure.add_trace(
        go.Bar(x=x, y=hours["operators"].to_list(), name="people at work", marker_color="#1f77b4")
    )
    for column, name, dash, colour in (
        ("planned_p80", "required (p80)", "solid", SHORT),
        ("planned_p50", "required (p50)", "dot", SHORT),
        ("rostered", "rostered", "dash", COVERED),
    ):
        figure.add_trace(
            go.Scatter(x=x, y=hours[column].to_list(), name=name, mode="lines",
                       line={"shape": "hv", "dash": dash, "color": colour})
        )  # fmt: skip
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": f"{process}: people"},
        legend={"orientation": "h", "y": 1.12},
        hovermode="x unified",
    )
    return figure
