"""The top of an order's page: status, promise, estimate and customer cards, then one card per parcel.

Shared layout for the Order timeline page; the wording comes from dashboard.order_story and
dashboard.queries.order_timeline_eta, personal data goes through dashboard.masking for the viewer's role.
"""

from __future__ import annotations

import streamlit as st

from dashboard import masking
from dashboard.order_story import (
    OrderTimeline,
    ShipmentBlock,
    event_time,
    facility_name,
    instant_in,
    stage_label,
)
from dashboard.order_story import markdown_safe as md
from dashboard.queries.order_timeline_eta import eta_text, order_level
from pipeline.eta import ShipmentEta


def order_cards(timeline: OrderTimeline, etas: list[ShipmentEta], role: str, show_utc: bool) -> None:
    """One line of facts, then four cards: status now, the promise, the estimate, the customer."""
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
        _estimate_card(timeline, etas, show_utc)
    with customer.container(border=True):
        st.caption("Customer")
        email, phone = masking.contact_for(role, order.get("customer_email"), order.get("customer_phone"))
        st.markdown(f"**{md(email or 'no email')}**  \n{md(phone or 'no phone')}")
        if not masking.sees_personal_data(role):
            st.caption("Masked for your role")


def _estimate_card(timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool) -> None:
    """Waypoint's lane ETA when there is one, else the carrier's own date, else what to go by instead."""
    state, zone = timeline.state, timeline.destination_zone
    st.caption("Estimated delivery")
    guess = timeline.carrier_estimate
    order_eta = order_level(etas)
    if order_eta is not None and state["fulfillment"] != "store_pickup":
        words = eta_text(order_eta, utc=show_utc)
        late = " :red[· after the promise]" if words.after_promise else ""
        st.markdown(f"**{md(words.headline)}**{late}")
        window = [f"window {md(words.window)}"] if words.window else []
        st.caption(" · ".join([*window, f"Source: {md(words.source)}"]))
    elif guess is None and state["fulfillment"] == "store_pickup":
        st.markdown("**Store pickup: no carrier**")
        st.caption("The ready-for-pickup time is the date to give.")
    elif guess is None:
        st.markdown("**No carrier estimate yet**")
        st.caption("Carriers send one with their scans; until then, go by the promise.")
    else:
        promised = state["promised_delivery_by"]
        late = promised and guess.day > promised.astimezone(zone).date()
        st.markdown(f"**{guess.day:%a %b %-d, %Y}**" + (" :red[· after the promise]" if late else ""))
        st.caption(f"Source: {guess.label} · reported {instant_in(guess.reported_at, zone, utc=show_utc)}")


def shipment_cards(timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool) -> None:
    st.subheader("Shipments" if len(timeline.shipments) != 1 else "Shipment", anchor=False)
    if not timeline.shipments:
        st.caption("No parcel yet: a shipment appears when its label is printed.")
    for block in timeline.shipments:
        _shipment_card(block, timeline, etas, show_utc)


def _shipment_card(
    block: ShipmentBlock, timeline: OrderTimeline, etas: list[ShipmentEta], show_utc: bool
) -> None:
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
