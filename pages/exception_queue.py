"""Exception queue: unresolved exceptions, most urgent first (severity, promise at risk, age), grouped by
root cause and filterable by facility, carrier and type. Select a row, click an action: two clicks.

Layout only: data from dashboard.queries.exception_queue, figures from dashboard.exception_board, the
buttons from dashboard.components.exception_actions (every click through pipeline.actions.perform).
Deliberately not an auto-refreshing page — a selection must not reset under someone's hand; a small
fragment counts what is new since the page was opened, and Refresh reloads. `?exception=ID` opens one
exception directly (links from alerts, the CLI, an escalation email).
"""

from datetime import UTC, datetime

import polars as pl
import streamlit as st
import structlog

from dashboard import exception_board as board
from dashboard.components.exception_actions import exception_panel, show_outcome
from dashboard.database import DATABASE_TROUBLE
from dashboard.queries.exception_queue import (
    QUEUE_LIMIT,
    QueueFilters,
    exception_queue,
    forget_cached_queue,
    new_since_opened,
)
from dashboard.session import require_page
from db.master_data import carriers, facilities
from pipeline.exceptions.model import ROOT_CAUSE_LABELS

user = require_page("exception_queue")
log = structlog.get_logger("pages.exception_queue")

OPENED_KEY = "exception_queue_opened_at"
EXCEPTION_PARAM = "exception"
NEW_COUNT_SECONDS = 15

if OPENED_KEY not in st.session_state:
    st.session_state[OPENED_KEY] = datetime.now(UTC)
opened_at: datetime = st.session_state[OPENED_KEY]

st.title("Exception queue")
st.caption(
    "Open exceptions, most urgent first: severity, then a promise at risk, then the oldest. Select a row to "
    "see its facts and act; an escalated exception offers its suggested next step first."
)

ALL_FACILITIES, ALL_CARRIERS, ALL_TYPES = "All facilities", "All carriers", "All types"
facility_choices = [ALL_FACILITIES, *(item.facility_id for item in facilities())]
carrier_choices = [ALL_CARRIERS, *(item.carrier_id for item in carriers())]
type_choices = [ALL_TYPES, *board.exception_types()]

facility_box, carrier_box, type_box, refresh_box = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
facility = facility_box.selectbox(
    "Facility",
    facility_choices,
    index=facility_choices.index(user.facility_id) if user.facility_id in facility_choices else 0,
    key="exception_queue_facility",
)
carrier = carrier_box.selectbox("Carrier", carrier_choices, key="exception_queue_carrier")
kind = type_box.selectbox("Type", type_choices, key="exception_queue_type")
if refresh_box.button("Refresh", icon=":material/refresh:", width="stretch"):
    st.session_state[OPENED_KEY] = datetime.now(UTC)
    forget_cached_queue()
    st.rerun()
filters = QueueFilters(
    facility_id=None if facility == ALL_FACILITIES else facility,
    carrier_id=None if carrier == ALL_CARRIERS else carrier,
    exception_type=None if kind == ALL_TYPES else kind,
)


@st.fragment(run_every=NEW_COUNT_SECONDS)
def new_since_you_opened() -> None:
    try:
        count = new_since_opened(opened_at, filters)
    except DATABASE_TROUBLE:
        return
    if count:
        st.info(f"{count} new since you opened — Refresh to see them.", icon=":material/fiber_new:")
    else:
        st.caption(f"0 new since you opened at {opened_at:%H:%M} UTC.")


new_since_you_opened()
if show_outcome():
    for root_cause in ROOT_CAUSE_LABELS:
        st.session_state.pop(f"queue_{root_cause}", None)

linked = st.query_params.get(EXCEPTION_PARAM, "")
if linked.isdigit():
    with st.container(border=True):
        st.subheader(f"Exception {linked}", anchor=False)
        exception_panel(user, int(linked), key="linked")

try:
    data = exception_queue(filters, opened_at)
except DATABASE_TROUBLE as error:
    log.warning("exception_queue.unavailable", error=str(error))
    st.error(
        "The exception queue cannot be read right now: Waypoint's database cannot be reached. Try Refresh in a moment."
    )
    st.stop()

top = board.headline(data.counts)
unresolved, critical, at_risk, escalated = st.columns(4)
unresolved.metric("Open", f"{top.unresolved:,}", border=True)
critical.metric("Critical", f"{top.critical:,}", border=True)
at_risk.metric("Promise at risk", f"{top.at_risk:,}", border=True)
escalated.metric("Escalated", f"{top.escalated:,}", border=True)

if data.rows.is_empty():
    st.success("Nothing open for these filters.", icon=":material/task_alt:")
    st.stop()
if top.unresolved > data.rows.height:
    st.caption(
        f"Showing the {QUEUE_LIMIT} most urgent of {top.unresolved:,}; narrow the filters to see the rest."
    )

for root_cause, label in ROOT_CAUSE_LABELS.items():
    group = data.rows.filter(pl.col("root_cause") == root_cause)
    if group.is_empty():
        continue
    total = data.counts.filter(pl.col("root_cause") == root_cause)["exceptions"].sum()
    st.subheader(f"{label} · {total:,}", anchor=False)
    picked = st.dataframe(
        board.queue_table(group, data.as_of),
        key=f"queue_{root_cause}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        height=min(38 + 35 * group.height, 400),
        column_config={"Promise at risk": st.column_config.CheckboxColumn(width="small")},
    )
    if picked.selection.rows:
        with st.container(border=True):
            exception_panel(
                user, int(group["exception_id"][picked.selection.rows[0]]), key=f"panel_{root_cause}"
            )
    else:
        st.caption("Select a row to see its facts and act on it.")
