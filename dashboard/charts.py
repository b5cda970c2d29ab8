"""Chart builders: a polars frame in, a Plotly figure out. No Streamlit here; tested on their own.

Figures are sized for a TV across the floor: large fonts, few gridlines, a legend that names every
series, and the same colour for a source on every chart.
"""

from __future__ import annotations

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
