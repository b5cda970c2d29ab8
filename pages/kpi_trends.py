"""KPI trends: every fulfillment KPI per day or week against its target and baseline, by facility,
carrier and channel, with this week's comparison and a CSV export. Layout only: figures from
dashboard.queries.kpi_trends (the KPI module's rollups), charts from dashboard.charts."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.charts import kpi_trend_chart
from dashboard.database import DatabaseNotConfigured
from dashboard.queries import kpi_trends as data
from dashboard.session import require_page
from db.master_data import carriers, facilities
from pipeline.kpis import definitions
from pipeline.kpis.definitions import KPIS

user = require_page("kpi_trends")

ALL = "All"
FACILITIES = [ALL, *(item.facility_id for item in facilities())]
CARRIERS = [ALL, *(item.carrier_id for item in carriers())]
CHANNELS = [ALL, "web", "mobile", "store"]

st.title("KPI trends")
st.caption(
    "Fulfillment KPIs against their targets and baselines. Figures come from rollups the pipeline "
    "refreshes every minute; late events count on the day they happened."
)

try:
    history = data.kpi_history()
except (DatabaseNotConfigured, SQLAlchemyError) as error:
    st.error(f"KPI figures cannot be read right now: {error.__class__.__name__}. Try again in a minute; "
             "if it persists, check that Waypoint's database is running.", icon=":material/error:")  # fmt: skip
    st.stop()
if history is None:
    st.info(
        "No KPI figures yet. The pipeline worker builds them once events arrive (or run "
        "`waypoint kpis rebuild`).",
        icon=":material/hourglass_empty:",
    )
    st.stop()

period_column, facility_column, carrier_column, channel_column = st.columns([2, 1, 1, 1])
period = period_column.date_input(
    "Period",
    value=history.default_period(),
    min_value=history.first_day,
    max_value=history.last_day,
    key="kpi_period",
)
facility = facility_column.selectbox(
    "Facility", FACILITIES, index=FACILITIES.index(user.facility_id) if user.facility_id in FACILITIES else 0,
    key="kpi_facility",
)  # fmt: skip
carrier = carrier_column.selectbox("Carrier", CARRIERS, key="kpi_carrier")
channel = channel_column.selectbox("Channel", CHANNELS, key="kpi_channel")
granularity_column, inferred_column = st.columns([1, 3])
granularity = granularity_column.segmented_control(
    "Figures per", ["Day", "Week"], default="Day", key="kpi_granularity"
)
include_inferred = inferred_column.toggle(
    "Count inferred events", value=True, key="kpi_inferred",
    help="Events an importer deduced rather than observed. Off: figures from observed events only.",
)  # fmt: skip

if not isinstance(period, tuple) or len(period) != 2:
    st.info("Pick the last day of the period.", icon=":material/date_range:")
    st.stop()
first_day, last_day = period
try:
    report = data.kpi_trends(
        first_day=first_day,
        last_day=last_day,
        facility_id=None if facility == ALL else facility,
        carrier_id=None if carrier == ALL else carrier,
        channel=None if channel == ALL else channel,
        include_inferred=include_inferred,
        by="week" if granularity == "Week" else "day",
    )
except (DatabaseNotConfigured, SQLAlchemyError) as error:
    st.error(f"KPI figures cannot be read right now: {error.__class__.__name__}. Try again in a minute.",
             icon=":material/error:")  # fmt: skip
    st.stop()

st.subheader(f"Week of {report.week_start:%b %d} against baseline and target")
table = data.comparison_table(report)
st.dataframe(
    table.to_pandas().style.map(data.status_colour, subset=["Status"]),
    hide_index=True,
    width="stretch",
)
notes = [data.baseline_note(report)]
if include_inferred:
    notes.append(f"{report.inferred_events:,} inferred events are counted in the figures shown.")
if history.refreshed_at is not None:
    notes.append(f"Rollups refreshed {history.refreshed_at:%Y-%m-%d %H:%M} UTC.")
st.caption(" ".join(notes))

st.subheader("Trends")
columns = st.columns(2)
for position, item in enumerate(KPIS):
    value_format, suffix = data.chart_format(item.key)
    columns[position % 2].plotly_chart(
        kpi_trend_chart(
            data.kpi_series(report, item.key),
            label=item.label,
            value_format=value_format,
            suffix=suffix,
            weekly=report.by == "week",
            period=data.chart_period(report),
        ),
        config={"displayModeBar": False},
        key=f"kpi_chart_{item.key}",
    )

export_column, comparison_column = st.columns(2)
export_column.download_button(
    "Download the figures shown (CSV)",
    data.export_frame(report).write_csv(),
    file_name=f"kpi_trends_{report.by}_{first_day:%Y%m%d}_{last_day:%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)
comparison_column.download_button(
    "Download this week's comparison (CSV)",
    table.write_csv(),
    file_name=f"kpi_comparison_{report.week_start:%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)

with st.expander("How each KPI is defined"):
    st.markdown(definitions.__doc__ or "")
