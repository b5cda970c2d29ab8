"""Source activity: what the simulated source systems have produced so far, per source and facility,
refreshed live. Layout only: data from dashboard.queries.source_activity, arithmetic in
dashboard.source_health, the chart from dashboard.charts."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from dashboard import source_health as health
from dashboard.charts import events_per_minute_chart
from dashboard.queries.source_activity import load_source_activity
from dashboard.session import require_page, viewer_zone
from db.master_data import facilities

user = require_page("source_activity")

limits = health.thresholds()
COUNT = st.column_config.NumberColumn(format="localized")

st.title("Source activity")
st.caption(
    "Events the source systems (WMS per DC, store tool, carriers, helpdesk) have produced so far. "
    f"Refreshes every {limits.refresh_seconds} s. A source is marked silent when it has sent nothing "
    "for longer than usual for its kind."
)

ALL_FACILITIES = "All facilities"
facility_choices = [ALL_FACILITIES, *(item.facility_id for item in facilities())]


@st.fragment(run_every=limits.refresh_seconds)
def activity_board() -> None:
    now = datetime.now(UTC)
    data = load_source_activity(limits.chart_minutes, now)
    if data is None:
        st.info(
            "No source activity yet: the simulated source systems are not seeded. `waypoint run` seeds "
            "them on its first start; this page fills in by itself once that is done.",
            icon=":material/hourglass_empty:",
        )
        return
    zone = viewer_zone()
    rollup = health.source_rollup(data.summary, now, limits)
    top = health.headline(data.summary, rollup, now)

    events, rate, live, last = st.columns(4)
    events.metric("Events so far", f"{top.events_total:,}", border=True)
    rate.metric(
        "Events per minute now", health.format_rate(top.events_per_minute), border=True, help="Last 5 minutes"
    )
    live.metric("Sources live", f"{top.sources_live} of {top.sources_total}", border=True)
    last.metric("Since the last event", health.format_age(top.last_event_age), border=True)

    silent = health.silent_sources(rollup)
    if silent:
        st.error(f"Silent for longer than usual: {', '.join(silent)}", icon=":material/sensors_off:")

    st.subheader(f"Events per minute, last {limits.chart_minutes} minutes")
    since = data.as_of - timedelta(minutes=limits.chart_minutes)
    grid = health.minute_grid(data.series, since, data.as_of)
    st.plotly_chart(events_per_minute_chart(grid, zone), config={"displayModeBar": False})

    st.subheader("By source")
    st.dataframe(
        health.source_table(rollup, zone),
        hide_index=True,
        row_height=44,
        height="content",
        column_config={"Events so far": COUNT, "Last hour": COUNT},
    )
    st.subheader("By source and facility")
    choice = st.selectbox(
        "Facility",
        facility_choices,
        index=facility_choices.index(user.facility_id) if user.facility_id in facility_choices else 0,
        key="source_activity_facility",
    )
    st.dataframe(
        health.facility_table(data.summary, now, zone, None if choice == ALL_FACILITIES else choice),
        hide_index=True,
        row_height=40,
        height=520,
        column_config={"Events so far": COUNT, "Last hour": COUNT},
    )
    st.caption(f"As of {health.local_time(data.as_of, zone)}")


activity_board()
