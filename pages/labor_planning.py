"""Labor planning: the next seven days by shift (required against rostered people, gaps in red), the roster
to edit (stored and audited), the hourly forecast with its p50-p80 band, and today's plan against what
happened by hour. Layout only: data from dashboard.queries.labor_planning, charts from
dashboard.labor_charts."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.database import DatabaseNotConfigured, main_database_url
from dashboard.labor_charts import forecast_band_chart, plan_vs_actual_chart, staffing_heatmap
from dashboard.queries import labor_planning as data
from dashboard.session import require_page
from pipeline.labor.forecast import NotEnoughHistory
from pipeline.labor.roster import RosterError, RosterNotPermitted

user = require_page("labor_planning")

FACILITIES = data.planned_facilities()

st.title("Labor planning")
st.caption(
    "People needed per shift from the forecast of the work (p50: an ordinary day for this forecast; p80: "
    "four days in five need no more), against the roster. Standards and allowances are in "
    "pipeline/labor/standards.json."
)

facility_column, process_column = st.columns([1, 2])
facility_id = facility_column.selectbox(
    "Facility", FACILITIES, index=FACILITIES.index(user.facility_id) if user.facility_id in FACILITIES else 0,
    key="labor_facility",
)  # fmt: skip
process = (
    process_column.segmented_control(
        "Process", data.process_options(), default=data.ALL_PROCESSES, key="labor_process"
    )
    or data.ALL_PROCESSES
)

try:
    url = main_database_url()
    view = data.labor_view(url, facility_id)
except NotEnoughHistory as reason:
    st.info(f"No plan for {facility_id} yet: {reason}. The plan appears once the pipeline has loaded two "
            "weeks of orders.", icon=":material/hourglass_empty:")  # fmt: skip
    st.stop()
except (DatabaseNotConfigured, SQLAlchemyError) as error:
    st.error(f"The labor plan cannot be read right now: {error.__class__.__name__}. Try again in a minute; "
             "if it persists, check that Waypoint's database is running.", icon=":material/error:")  # fmt: skip
    st.stop()

plan = view.plan
st.subheader(
    f"Next {data.PLAN_DAYS} days by shift: {process.lower() if process != data.ALL_PROCESSES else 'all processes'}"
)
st.plotly_chart(staffing_heatmap(data.heatmap_cells(plan, process)), config={"displayModeBar": False},
                key="labor_heatmap")  # fmt: skip
short = data.short_shifts(plan)
if short.height:
    st.warning(f"{short.height} shift processes are rostered below the p80 requirement or not at all.",
               icon=":material/warning:")  # fmt: skip
st.caption(
    f"Forecast made {plan.run.made_at:%Y-%m-%d %H:%M} UTC from {plan.run.history_from} to "
    f"{plan.run.history_through} ({plan.run.method}). Days and shifts in {plan.time_zone}."
)

st.subheader("Roster")
original = data.roster_editor_frame(plan)
with st.form("labor_roster_form", border=False):
    edited = st.data_editor(
        original,
        disabled=[column for column in data.EDITOR_COLUMNS if column != "Rostered"],
        column_config={
            "Day": st.column_config.DateColumn("Day", format="ddd MMM D"),
            "Rostered": st.column_config.NumberColumn("Rostered", min_value=0, max_value=1000, step=1),
        },
        hide_index=True,
        width="stretch",
        height=320,
        key=f"labor_roster_{facility_id}",
    )
    submitted = st.form_submit_button("Save roster", icon=":material/save:")
if submitted:
    changes = data.roster_changes(original, edited)
    if not changes:
        st.info("Nothing changed in the roster.", icon=":material/info:")
    else:
        try:
            applied = data.save_roster_edits(url, user, facility_id, changes)
        except (RosterError, RosterNotPermitted) as error:
            st.error(f"The roster was not saved: {error}", icon=":material/error:")
        except SQLAlchemyError as error:
            st.error(
                f"The roster was not saved: {error.__class__.__name__}. Try again.", icon=":material/error:"
            )
        else:
            st.session_state["labor_saved"] = (
                f"Roster saved: {len(applied)} change(s), each in the audit log."
            )
            st.session_state.pop(f"labor_roster_{facility_id}", None)  # the editor starts from what is stored
            st.rerun()
if notice := st.session_state.pop("labor_saved", None):
    st.success(notice, icon=":material/check_circle:")

st.subheader("Forecast")
metric = (
    st.segmented_control("Demand", ["orders", "lines", "units"], default="orders", key="labor_metric")
    or "orders"
)
forecast, received = data.metric_forecast(view, metric)
st.plotly_chart(forecast_band_chart(forecast, received, plan.time_zone, metric), config={"displayModeBar": False},
                key="labor_forecast_chart")  # fmt: skip

today_process = "pick" if process == data.ALL_PROCESSES else process
st.subheader(f"Today ({plan.first_day:%a %b %d}): plan against actual")
st.dataframe(data.today_shift_table(view), hide_index=True, width="stretch", key="labor_today_shifts")
st.plotly_chart(plan_vs_actual_chart(data.today_by_hour(view, today_process), plan.time_zone, today_process),
                config={"displayModeBar": False}, key="labor_today_chart")  # fmt: skip
st.caption(f"By hour, {today_process}: people seen at work against the shift's required and rostered people.")
st.dataframe(data.today_table(view, today_process), hide_index=True, width="stretch", key="labor_today_hours")
