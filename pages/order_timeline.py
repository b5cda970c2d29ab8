"""Order timeline: a support agent with a customer on the line finds the order and reads its story.

Layout only. Search and order data from dashboard.queries.order_timeline, wording from
dashboard.order_story and dashboard.customer_script, personal data through dashboard.masking.
`?order=SO-…` opens an order directly and stays in the URL, so the link can go into an escalation.
"""

import json
from datetime import UTC, datetime

import streamlit as st
import structlog
from sqlalchemy.exc import SQLAlchemyError

from dashboard import masking
from dashboard.components.exception_actions import OUTCOME_KEY, exception_panel
from dashboard.customer_script import script_for
from dashboard.database import DatabaseNotConfigured
from dashboard.order_search import OrderHit
from dashboard.order_story import (
    OrderTimeline,
    ShipmentBlock,
    TimelineEvent,
    event_time,
    facility_name,
    flag_notes,
    instant_in,
    situation_of,
    stage_label,
    zone_or_utc,
)
from dashboard.order_story import markdown_safe as md
from dashboard.queries.order_timeline import forget_cached_order, order_hits, order_timeline, raw_payload
from dashboard.queries.order_timeline_eta import eta_text, forget_cached_etas, order_etas, order_level
from dashboard.raw_payload import payload_view
from dashboard.session import require_page
from pipeline.eta import ShipmentEta

user = require_page("order_timeline")
log = structlog.get_logger("pages.order_timeline")

ORDER_PARAM = "order"
SEARCH_KEY = "order_timeline_search"
LAST_QUERY_KEY = "order_timeline_last_query"
UTC_KEY = "order_timeline_utc"
STAGE_ICONS = {
    "fulfillment": ":material/inventory_2:",
    "carrier": ":material/local_shipping:",
    "post_delivery": ":material/support_agent:",
}
SEVERITY_ICONS = {"warning": ":material/warning:", "critical": ":material/error:"}
DATA_TROUBLE = (SQLAlchemyError, DatabaseNotConfigured)


def open_order(order_id: str) -> None:
    st.query_params[ORDER_PARAM] = order_id


@st.fragment
def search() -> None:
    query = st.text_input(
        "Find an order",
        key=SEARCH_KEY,
        type="search",
        live=True,
        placeholder="Order id, tracking number, customer email or phone",
        help="Paste or type what the customer reads out; spaces, case and phone punctuation do not matter.",
    )
    if not query or not query.strip():
        return
    try:
        hits = order_hits(query)
    except DATA_TROUBLE as error:
        log.warning("order_search.failed", error=str(error))
        st.error("Search is unavailable: Waypoint's database cannot be reached. Try again in a moment.")
        return
    except Exception:  # noqa: BLE001 - the page's edge, as for the order below
        log.exception("order_search.failed")
        st.error("Search failed. It has been logged; try again in a moment.")
        return
    is_new = st.session_state.get(LAST_QUERY_KEY) != query
    st.session_state[LAST_QUERY_KEY] = query
    if not hits:
        st.info(f"No order matches “{md(query.strip())}”. Check the spelling, or try another detail.")
        return
    if len(hits) == 1 and is_new and st.query_params.get(ORDER_PARAM) != hits[0].order_id:
        open_order(hits[0].order_id)
        st.rerun()
    if len(hits) > 1 or hits[0].order_id != st.query_params.get(ORDER_PARAM):
        st.caption(f"{len(hits)} orders match" if len(hits) > 1 else "1 order matches")
        for hit in hits:
            hit_row(hit)


def hit_row(hit: OrderHit) -> None:
    email, phone = masking.contact_for(user.role, hit.customer_email, hit.customer_phone)
    button, details = st.columns([1, 4], vertical_alignment="center")
    if button.button(hit.order_id, key=f"open_{hit.order_id}", icon=":material/open_in_new:"):
        open_order(hit.order_id)
        st.rerun()
    placed = instant_in(hit.placed_at, zone_or_utc(hit.destination_time_zone))
    parts = [f"matched on {hit.matched_on_label}", stage_label(hit.stage or "unknown"), f"placed {placed}"]
    details.caption(" · ".join(md(part) for part in (*parts, email, phone) if part))


def eta_card(eta: ShipmentEta, show_utc: bool) -> None:
    words = eta_text(eta, utc=show_utc)
    st.markdown(f"**{md(words.headline)}**" + (" :red[· after the promise]" if words.after_promise else ""))
    window = [f"window {md(words.window)}"] if words.window else []
    st.caption(" · ".join([*window, f"Source: {md(words.source)}"]))


def header(timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool) -> None:
    state, order = timeline.state, timeline.order or {}
    zone = timeline.destination_zone
    fulfillment = {"ship": "shipped to the customer", "store_pickup": "store pickup"}.get(
        state["fulfillment"]
    )
    facts = [state["channel"], fulfillment, facility_name(state["facility_id"])]
    facts.append(f"placed {instant_in(order.get('placed_at') or state['received_at'], zone, utc=show_utc)}")
    st.caption(" · ".join(md(fact) for fact in facts if fact))
    status, promise, estimate, customer = st.columns(4)
    with status.container(border=True):
        st.caption("Status now")
        st.markdown(f"**{timeline.status_text}**")
        since = instant_in(state["stage_entered_at"], zone, utc=show_utc)
        st.caption(
            f"{stage_label(state['stage'])} since {since}" + (" · **on hold**" if state["on_hold"] else "")
        )
    with promise.container(border=True):
        pickup = state["fulfillment"] == "store_pickup"
        st.caption("Ready for pickup by (store's time)" if pickup else "Promised by (customer's time)")
        st.markdown(
            f"**{instant_in(state['promised_delivery_by'], zone, utc=show_utc) or 'No promise recorded'}**"
        )
        st.caption(f"Source: the promise made at checkout · {zone.key}")
    with estimate.container(border=True):
        st.caption("Estimated delivery")
        guess = timeline.carrier_estimate
        order_eta = order_level(etas)
        if order_eta is not None and state["fulfillment"] != "store_pickup":
            eta_card(order_eta, show_utc)
        elif guess is None and state["fulfillment"] == "store_pickup":
            st.markdown("**Store pickup: no carrier**")
            st.caption("The ready-for-pickup time is the date to give.")
        elif guess is None:
            st.markdown("**No carrier estimate yet**")
            st.caption("Carriers send one with their scans; until then, go by the promise.")
        else:
            late = (
                state["promised_delivery_by"]
                and guess.day > state["promised_delivery_by"].astimezone(zone).date()
            )
            st.markdown(f"**{guess.day:%a %b %-d, %Y}**" + (" :red[· after the promise]" if late else ""))
            st.caption(
                f"Source: {guess.label} · reported {instant_in(guess.reported_at, zone, utc=show_utc)}"
            )
    with customer.container(border=True):
        st.caption("Customer")
        email, phone = masking.contact_for(
            user.role, order.get("customer_email"), order.get("customer_phone")
        )
        st.markdown(f"**{md(email or 'no email')}**  \n{md(phone or 'no phone')}")
        if not masking.sees_personal_data(user.role):
            st.caption("Masked for your role")


def what_to_say(timeline: OrderTimeline) -> None:
    script = script_for(situation_of(timeline, datetime.now(UTC)))
    with st.container(border=True):
        st.subheader(f"What to tell the customer: {script.headline}", anchor=False)
        st.markdown("\n".join(f"- {md(line)}" for line in script.say))
        if script.do:
            st.caption("  \n".join(f"→ {md(line)}" for line in script.do))


def shipments(timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool) -> None:
    st.subheader("Shipments" if len(timeline.shipments) != 1 else "Shipment", anchor=False)
    if not timeline.shipments:
        st.caption("No parcel yet: a shipment appears when its label is printed.")
    for block in timeline.shipments:
        shipment(block, timeline, etas, show_utc)


def shipment(block: ShipmentBlock, timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool) -> None:
    with st.container(border=True):
        carrier, scan, track = st.columns([2, 3, 1], vertical_alignment="center")
        carrier.markdown(
            f"**{md(block.carrier_name or 'Carrier not known yet')}** · {md(block.service_name or '')}"
        )
        carrier.caption(
            f"Parcel {md(block.shipment_id)} · tracking {md(block.tracking_number or 'not yet assigned')}"
        )
        eta = next((item for item in etas if item.shipment_id == block.shipment_id), None)
        if block.last_scan is None:
            scan.caption("No carrier scan yet")
        else:
            when, _ = event_time(block.last_scan, utc=show_utc, fallback=timeline.destination_zone)
            scan.markdown(f"Last scan: **{block.last_scan.customer_text}**")
            shown = block.estimate if eta is None else None  # the ETA below includes the carrier's date
            scan.caption(when + (f" · estimate {shown.day:%a %b %-d}" if shown else ""))
        if eta is not None and eta.source != "delivered":
            words = eta_text(eta, utc=show_utc)
            window = f", window {words.window}" if words.window else ""
            scan.caption(md(f"ETA {words.headline}{window} · {words.source}"))
        if block.tracking_url:
            track.link_button("Carrier tracking", block.tracking_url, icon=":material/open_in_new:")


def open_exceptions(timeline: OrderTimeline) -> None:
    """Each unresolved exception with the actions the user's role may take: the Exception queue's own
    panel, so a click here is the same service call (pipeline.actions.perform) as a click in the queue."""
    st.subheader("Open exceptions", anchor=False)
    if not timeline.open_exceptions:
        st.caption("None open for this order.")
        return
    for row in timeline.open_exceptions:
        with st.container(border=True):
            exception_panel(user, row["exception_id"], key=f"order_exception_{row['exception_id']}")


def alerts_sent(timeline: OrderTimeline, show_utc: bool) -> None:
    st.subheader("Alerts to the customer", anchor=False)
    if not timeline.notifications:
        st.caption("No message sent to the customer about this order.")
        return
    zone = timeline.destination_zone
    rows = [
        {
            "Written": instant_in(note["created_at"], zone, utc=show_utc),
            "Message": masking.payload_for(user.role, note["subject"] or note["body"].splitlines()[0]),
            "By": note["channel"],
            "Status": note["status"],
            "Sent": instant_in(note["sent_at"], zone, utc=show_utc),
            "Delivery": note["delivery_status"],
        }
        for note in timeline.notifications
    ]
    st.dataframe(rows, hide_index=True)


def event_step(event: TimelineEvent, timeline: OrderTimeline, show_utc: bool) -> None:
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
            st.json(masking.payload_for(user.role, dict(event.attributes)), expanded=False)
        if step.open:
            raw_section(event, timeline, show_utc)


def raw_section(event: TimelineEvent, timeline: OrderTimeline, show_utc: bool) -> None:
    if event.raw_id is None:
        st.caption("No raw payload: this event was loaded directly, not landed in the inbox.")
        return
    try:
        raw = raw_payload(event.raw_id)
    except DATA_TROUBLE as error:
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
        body = masking.payload_for(user.role, view.body)
        st.code(json.dumps(body, indent=2, ensure_ascii=False), language="json", height=360)
    else:
        text = view.body if masking.sees_personal_data(user.role) else masking.mask_free_text(view.body)
        st.code(text, language=None, height=360)


def shipment_etas(order_id: str) -> list[ShipmentEta]:
    """The order's delivery estimates; without them (database trouble) the carrier's own date is shown."""
    try:
        return order_etas(order_id)
    except DATA_TROUBLE as error:
        log.warning("order_etas.failed", order_id=order_id, error=str(error))
        return []


def order_page(wanted: str) -> None:
    if st.session_state.get(OUTCOME_KEY):  # an action was just taken on one of its exceptions
        forget_cached_order()
        forget_cached_etas()
    try:
        timeline = order_timeline(wanted) or (
            order_timeline(wanted.upper()) if wanted != wanted.upper() else None
        )
    except DATA_TROUBLE as error:
        log.warning("order_timeline.failed", order_id=wanted, error=str(error))
        st.error("This order cannot be shown: Waypoint's database cannot be reached. Try again in a moment.")
        return
    if timeline is None:
        st.warning(
            f"Waypoint has no order {md(wanted)}. Check the id, or search by tracking number or email."
        )
        return
    if st.query_params.get(ORDER_PARAM) != timeline.order_id:
        open_order(timeline.order_id)  # the link to paste into an escalation names the order exactly
    title, toggle = st.columns([3, 1], vertical_alignment="bottom")
    title.header(md(timeline.order_id), anchor=False)
    show_utc = toggle.toggle("Times in UTC", key=UTC_KEY)
    etas = shipment_etas(timeline.order_id)
    header(timeline, etas, show_utc)
    what_to_say(timeline)
    shipments(timeline, etas, show_utc)
    open_exceptions(timeline)
    alerts_sent(timeline, show_utc)
    st.subheader("Timeline", anchor=False)
    st.caption(
        "Newest first, each event at the local time where it happened. Open one for details and its raw payload."
    )
    for event in reversed(timeline.events):
        event_step(event, timeline, show_utc)


st.title("Order timeline")
search()
requested = (st.query_params.get(ORDER_PARAM) or "").strip()
if not requested:
    st.caption("Find an order above, or open a link like `?order=SO-…`.")
else:
    try:
        order_page(requested)
    except Exception:  # noqa: BLE001 - the page's edge: an agent on a call gets a message, the log gets the trace
        log.exception("order_timeline.render_failed", order_id=requested)
        st.error("Something went wrong showing this order. It has been logged; try again in a moment.")
