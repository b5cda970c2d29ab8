"""Charts of the Data Health page: plain functions from a frame of health samples to a Plotly figure
(tested without Streamlit)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

BREACH_COLOUR = "rgba(220, 50, 50, 0.85)"
ROWS = ("Minutes since the last payload", "Ingest latency (s)", "Quarantine and duplicate rates (%)")


def source_history_chart(samples: pl.DataFrame, source: str, zone: ZoneInfo) -> go.Figure:
    """One source's health over time: silence against its freshness limit, latency p50/p95, rates.
    `samples`: measured_at (UTC), status, silent_minutes, freshness_limit_minutes, latency_p50_ms,
    latency_p95_ms, quarantine_rate, duplicate_rate; breaches are marked in red."""
    frame = samples.filter(pl.col("source") == source).sort("measured_at")
    at = [moment.astimezone(zone) for moment in frame["measured_at"]]
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, subplot_titles=ROWS, vertical_spacing=0.08)
    figure.add_trace(go.Scatter(x=at, y=frame["silent_minutes"].to_list(), name="Silent (min)"), row=1, col=1)
    figure.add_trace(
        go.Scatter(x=at, y=frame["freshness_limit_minutes"].to_list(), name="Freshness limit (min)",
                   line={"dash": "dash"}),
        row=1, col=1,
    )  # fmt: skip
    breach = frame.with_row_index().filter(pl.col("status") == "breach")
    figure.add_trace(
        go.Scatter(x=[at[i] for i in breach["index"]], y=breach["silent_minutes"].fill_null(0).to_list(),
                   mode="markers", name="Breach", marker={"color": BREACH_COLOUR, "size": 9, "symbol": "x"}),
        row=1, col=1,
    )  # fmt: skip
    for column, name in (("latency_p50_ms", "p50"), ("latency_p95_ms", "p95")):
        seconds = (frame[column] / 1000).to_list()
        figure.add_trace(go.Scatter(x=at, y=seconds, name=f"Latency {name} (s)"), row=2, col=1)
    for column, name in (("quarantine_rate", "Quarantined"), ("duplicate_rate", "Duplicates")):
        figure.add_trace(
            go.Scatter(x=at, y=(frame[column] * 100).to_list(), name=f"{name} (%)"), row=3, col=1
        )
    figure.update_layout(height=620, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"},
                         title={"text": source, "x": 0})  # fmt: skip
    return figure
