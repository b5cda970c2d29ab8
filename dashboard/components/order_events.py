"""One step of an order's timeline: the event in words, its details, and — opened — its raw payload.

Shared layout for the Order timeline page. Attributes and payloads go through dashboard.masking for the
viewer's role; the raw payload is read only when the step is opened.
"""

from __future__ import annotations

import json

import streamlit as st
import structlog

from dashboard import masking
from dashboard.database import DATABASE_TROUBLE
from dashboard.order_story import (
    OrderTimeline,
    TimelineEvent,
    event_time,
    facility_name,
    flag_notes,
    instant_in,
    zone_or_utc,
)
from dashboard.order_story import markdown_safe as md
from dashboard.queries.order_timeline import raw_payload
from dashboard.raw_payload import payload_view

log = structlog.get_logger(__name__)

STAGE_ICONS = {
    "fulfillment": ":material/inventory_2:",
    "carrier": ":material/local_shipping:",
    "post_delivery": ":material/support_agent:",
}
SEVERITY_ICONS = {"warning": ":material/warning:", "critical": ":material/error:"}


def event_step(event: TimelineEvent, timeline: OrderTimeline, role: str, show_utc: bool) -> None:
    when, zone = event_time(event, utc=show_utc, fallback=timeline.destination_zone)
    marks = " :gray[· DST]" if {"dst_fold", "dst_gap"} & set(event.flags) else ""
    step = st.expander(
        f"{when} · **{event.customer_text}**{marks}",
        type="step",
        icon=SEVERITY_ICONS.get(event.severity, STAGE_ICONS.get(event.stage)),
        key=f"event_{event.source}_{event.event_id}",
        on_change="rerun",
    )
    with step:
        st.markdown(event.internal_text)
        where = [
            zone,
            event.event_type,
            event.source,
            facility_name(event.facility_id),
            event.tracking_number,
        ]
        st.caption(" · ".join(md(part) for part in where if part))
        for note in flag_notes(event.flags):
            st.caption(f":material/info: {note}")
        if event.attributes:
            st.json(masking.payload_for(role, dict(event.attributes)), expanded=False)
        if step.open:
            _raw_section(event, timeline, role, show_utc)


def _raw_section(event: TimelineEvent, timeline: OrderTimeline, role: str, show_utc: bool) -> None:
    if event.raw_id is None:
        st.caption("No raw payload: this event was loaded directly, not landed in the inbox.")
        return
    try:
        raw = raw_payload(event.raw_id)
    except DATABASE_TROUBLE as error:
        log.warning("raw_payload.failed", raw_id=event.raw_id, error=str(error))
        st.caption("The raw payload cannot be read right now: Waypoint's database cannot be reached.")
        return
    if raw is None:
        st.caption(f"Raw payload #{event.raw_id} is no longer in the inbox.")
        return
    view = payload_view(raw.payload, event.event_id)
    scope = "the whole payload" if view.whole_payload else "only this event's record of the batch"
    zone = zone_or_utc(event.time_zone) if event.time_zone else timeline.destination_zone
    received = instant_in(raw.received_at, zone, utc=show_utc)
    st.caption(f"Raw payload #{raw.raw_id} from {md(raw.source)}, received {received} — {scope}")
    if view.is_json:
        body = masking.payload_for(role, view.body)
        st.code(json.dumps(body, indent=2, ensure_ascii=False), language="json", height=360)
    else:
        text = view.body if masking.sees_personal_data(role) else masking.mask_free_text(view.body)
        st.code(text, language=None, height=360)
