"""Live flow: one facility's open orders per stage, bottlenecks in red, this hour against the plan and
the orders at risk of missing their ship-by, refreshed every few seconds for a screen on the floor.

Opened by any signed-in role (facility picker, the user's own facility first) or by a kiosk link
(that facility only, nothing to click). Layout only: data from dashboard.queries.live_flow, words and
arithmetic from dashboard.flow_board, limits and plan from dashboard.flow_thresholds.
"""

from datetime import UTC, datetime

import streamlit as st
import structlog

from dashboard import flow_board as board
from dashboard.flow_thresholds import facility_flow, flow_thresholds, throughput_plan
from dashboard.kiosk_screen import UNREACHABLE, check_token, kiosk_screen
from dashboard.queries.live_flow import LiveFlowData, live_flow
from dashboard.session import require_page
from db.master_data import facilities, facility

screen = kiosk_screen()
user = require_page("live_flow") if screen is None else None

log = structlog.get_logger("pages.live_flow")
settings = flow_thresholds()

# Figures sized for a TV five metres away, shrunk only as far as a narrow tile needs (a desk with the
# sidebar open): container units of the tile, and for the count its number of characters. A red tile for
# a bottleneck; no fade while the board refreshes; little padding, so 1920x1080 holds it all.
COUNT_FONTS = "\n".join(
    f'[class*="_len{length}"] [data-testid="stMetricValue"] p {{ font-size: min(5.25rem, {100 / (0.62 * length):.1f}cqi); }}'
    for length in range(1, 10)
)
st.html(
    f"""
<style>
[data-testid="stMainBlockContainer"]:has(.st-key-flow_board) {{ padding-top: 3.75rem; padding-bottom: 0.5rem; }}
.st-key-flow_board [data-testid="stMarkdownContainer"] p {{ font-size: 1.5rem; margin-bottom: 0; }}
.st-key-flow_board [data-testid="stMetricLabel"] p {{ font-size: 1.5rem; font-weight: 700; }}
.st-key-flow_board [data-testid="stMetricValue"] p {{ font-size: 5.25rem; font-weight: 700; line-height: 1.05; }}
.st-key-flow_board [data-testid="stMetricDelta"] p {{ font-size: 1.4rem; }}
[class*="st-key-flow_stage_"] {{ container-type: inline-size; gap: 0.35rem; }}
[class*="st-key-flow_stage_"] [data-testid="stMarkdownContainer"] p {{ font-size: min(1.5rem, 12.5cqi); }}
[class*="st-key-flow_stage_"] [data-testid="stMetricLabel"] p {{ font-size: min(1.5rem, 11.5cqi); }}
{COUNT_FONTS}
.st-key-flow_board h3 {{ font-size: 2rem; padding: 0 0 0.25rem; }}
[class*="st-key-flow_stage_"][class*="_alert"] {{ background: #c62828; border-color: #ff8a80 !important; }}
[class*="st-key-flow_stage_"][class*="_alert"] * {{ color: #ffffff !important; }}
.st-key-flow_at_risk table {{ font-size: 1.6rem; }}
.st-key-flow_at_risk th {{ font-size: 1.2rem; }}
.st-key-flow_at_risk td, .st-key-flow_at_risk th {{ padding-top: 0.3rem; padding-bottom: 0.3rem; }}
.st-key-flow_head h2 {{ font-size: 2.1rem; padding: 0; }}
.st-key-flow_freshness p {{ font-size: 1.4rem; text-align: right; }}
[data-stale="true"] {{ opacity: 1 !important; transition: none !important; }}
</style>
"""
)


def facility_label(facility_id: str) -> str:
    return f"{facility_id} · {facility(facility_id).name}"


if screen is not None:
    facility_id = screen.facility_id
    with st.container(key="flow_head"):
        st.header(f"Live flow · {facility_label(facility_id)}", anchor=False)
else:
    choices = [item.facility_id for item in facilities()]
    title, picker = st.columns([3, 1], vertical_alignment="bottom")
    with title, st.container(key="flow_head"):
        st.header("Live flow", anchor=False)
    facility_id = picker.selectbox(
        "Facility",
        choices,
        index=choices.index(user.facility_id) if user and user.facility_id in choices else 0,
        format_func=facility_label,
        key="live_flow_facility",
        label_visibility="collapsed",
    )


def stage_row(data: LiveFlowData, now: datetime) -> None:
    tiles = board.stage_tiles(
        data.stages, data.earlier_counts, now, facility_flow(data.facility_id), settings.growth_window_minutes
    )
    for tile, column in zip(tiles, st.columns(len(tiles), gap="small"), strict=True):
        count = f"{tile.orders:,}"
        state = "alert" if tile.bottleneck else "ok"
        with column, st.container(key=f"flow_stage_{tile.stage}_{state}_len{len(count)}", border=True):
            st.metric(tile.label, count)
            warn = ":material/warning: " if tile.age_over else ""
            st.markdown(f"{warn}Oldest **{board.format_age(tile.oldest_age)}**")
            st.markdown(f"Median {board.format_age(tile.median_age)}")
            if tile.growth is None:
                st.markdown(f"{settings.growth_window_minutes} min: no history yet")
            else:
                warn = ":material/warning: " if tile.growth_over else ""
                st.markdown(f"{warn}{tile.growth:+,} in {settings.growth_window_minutes} min")
            st.markdown("**BOTTLENECK**" if tile.bottleneck else "On track")


def throughput_box(data: LiveFlowData, now: datetime) -> None:
    plan = throughput_plan(data.facility_id, data.hour_start)
    lines = board.throughput_lines(data.packed_this_hour, data.shipped_this_hour, plan, data.hour_start, now)
    with st.container(key="flow_throughput", border=True):
        st.subheader(f"This hour · {board.hour_label(data.hour_start)}", anchor=False)
        for line, column in zip(lines, st.columns(len(lines)), strict=True):
            with column:
                if line.planned == 0:
                    st.metric(
                        line.label,
                        f"{line.done:,}",
                        delta="none planned",
                        delta_color="off",
                        delta_arrow="off",
                    )
                else:
                    pace = line.versus_pace
                    delta = f"{pace:+,} vs plan so far" if pace else "on plan"
                    st.metric(line.label, f"{line.done:,}", delta=delta, delta_color="normal")
                st.markdown(f"Plan **{line.planned:,}** · {line.by_now:,} by now")


def at_risk_box(data: LiveFlowData, now: datetime) -> None:
    zone = facility(data.facility_id).zone
    hours = f"{settings.at_risk_within_hours:g}"
    with st.container(key="flow_at_risk", border=True):
        late = f", **{data.at_risk_late:,} late**" if data.at_risk_late else ""
        st.subheader(f"At risk of missing ship-by · {data.at_risk_total:,} orders{late}", anchor=False)
        if data.at_risk_total:
            st.table(board.at_risk_table(data.at_risk, now, zone), hide_index=True, border="horizontal")
        else:
            st.markdown(f"No open order on the floor is due to ship within {hours} h.")
        if data.at_risk_total > data.at_risk.height:
            st.markdown(f"Oldest {data.at_risk.height} shown; ship-by within {hours} h or past.")


def freshness(data: LiveFlowData) -> str:
    zone = facility(data.facility_id).zone
    feed = "WMS" if data.feed_source.startswith("wms:") else "store tool"
    if board.feed_is_silent(data.feed_last_event_at, data.as_of, settings.feed_silent_minutes):
        last = (
            f"since {board.local_clock(data.feed_last_event_at, zone)}"
            if data.feed_last_event_at
            else "for 24 h or more"
        )
        feed_line = f":red[**No {feed} events {last}**]"
    else:
        feed_line = f"last {feed} event {board.local_clock(data.feed_last_event_at, zone)}"
    return f"As of **{board.local_clock(data.as_of, zone)}** · {feed_line}"


@st.fragment(run_every=settings.refresh_seconds)
def live_board(facility_id: str) -> None:
    if screen is not None:
        try:
            refusal = check_token(screen.token, screen.facility_id).refusal
        except Exception:  # the page's edge: a screen keeps trying, it never shows a traceback
            log.exception("kiosk check failed", facility_id=facility_id)
            refusal = UNREACHABLE
        if refusal is not None:
            st.error(refusal, icon=":material/lock:")
            return
    now = datetime.now(UTC)
    try:
        data = live_flow(facility_id, now)
    except Exception:  # the page's edge: say what is wrong, try again at the next refresh
        log.exception("live flow read failed", facility_id=facility_id)
        st.error(
            f"The live flow cannot read its data just now; it tries again every {settings.refresh_seconds} s. "
            "If this stays, check that PostgreSQL and the pipeline worker are running.",
            icon=":material/cloud_off:",
        )
        return
    with st.container(key="flow_board"):
        with st.container(key="flow_freshness"):
            st.markdown(freshness(data))
        stage_row(data, data.as_of)
        left, right = st.columns([2, 3], gap="small")
        with left:
            throughput_box(data, data.as_of)
        with right:
            at_risk_box(data, data.as_of)


live_board(facility_id)
