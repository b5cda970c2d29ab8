"""Order timeline: a support agent with a customer on the line finds the order and reads its story.

Layout only. Search and order data from dashboard.queries.order_timeline, wording from
dashboard.order_story and dashboard.customer_script, personal data through dashboard.masking; the
summary cards and the timeline steps are dashboard.components.order_summary and .order_events.
`?order=SO-…` opens an order directly and stays in the URL, so the link can go into an escalation.
"""

from datetime import UTC, datetime

import streamlit as st
import structlog

from dashboard import masking
from dashboard.components.exception_actions import OUTCOME_KEY, exception_panel
from dashboard.components.order_events import event_step
from dashboard.components.order_summary import order_cards, shipment_cards
from dashboard.customer_script import script_for
from dashboard.database import DATABASE_TROUBLE
from dashboard.order_search import OrderHit
from dashboard.order_story import OrderTimeline, instant_in, situation_of, stage_label, zone_or_utc
from dashboard.order_story import markdown_safe as md
from dashboard.queries.order_timeline import forget_cached_order, order_hits, order_timeline
from dashboard.queries.order_timeline_eta import forget_cached_etas, order_etas
from dashboard.session import require_page
from pipeline.eta import ShipmentEta

user = require_page("order_timeline")
log = structlog.get_logger("pages.order_timeline")

ORDER_PARAM = "order"
SEARCH_KEY = "order_timeline_search"
LAST_QUERY_KEY = "order_timeline_last_query"
UTC_KEY = "order_timeline_utc"


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
    except DATABASE_TROUBLE as error:
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


def what_to_say(timeline: OrderTimeline) -> None:
    script = script_for(situation_of(timeline, datetime.now(UTC)))
    with st.container(border=True):
        st.subheader(f"What to tell the customer: {script.headline}", anchor=False)
        st.markdown("\n".join(f"- {md(line)}" for line in script.say))
        if script.do:
            st.caption("  \n".join(f"→ {md(line)}" for line in script.do))


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


def shipment_etas(order_id: str) -> list[ShipmentEta]:
    """The order's delivery estimates; without them (database trouble) the carrier's own date is shown."""
    try:
        return order_etas(order_id)
    except DATABASE_TROUBLE as error:
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
    except DATABASE_TROUBLE as error:
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
    order_cards(timeline, etas, user.role, show_utc)
    what_to_say(timeline)
    shipment_cards(timeline, etas, show_utc)
    open_exceptions(timeline)
    alerts_sent(timeline, show_utc)
    st.subheader("Timeline", anchor=False)
    st.caption(
        "Newest first, each event at the local time where it happened. Open one for details and its raw payload."
    )
    for event in reversed(timeline.events):
        event_step(event, timeline, user.role, show_utc)


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
