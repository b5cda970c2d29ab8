"""An order told for a support agent: plain-language events, local times, parcels, the carrier's estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from dashboard.order_story import (
    OrderTimeline,
    TimelineEvent,
    carrier_estimate,
    event_time,
    flag_notes,
    instant_in,
    markdown_safe,
    situation_of,
    stage_label,
    timeline_of,
)
from pipeline.load import load_events
from pipeline.order_view import order_view
from tests.canonical_factory import canonical_event, shipped_order, staged

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


def scan(kind: str, at: datetime, **attributes) -> TimelineEvent:
    return TimelineEvent(
        event_id=f"{kind}-{at:%H%M}", source="carrier:ups", event_type=kind, stage="carrier", severity="info",
        occurred_at=at, local_time=None, time_zone=None, facility_id=None, shipment_id="SO-1-1", carrier="ups",
        tracking_number="1Z1", attributes=attributes, flags=(), raw_id=None, customer_text=kind, internal_text=kind,
    )  # fmt: skip


def story(conn: Connection, events: list[dict]) -> OrderTimeline:
    load_events(conn, staged(events))
    view = order_view(conn, events[0]["order_id"])
    assert view is not None
    return timeline_of(view)


def test_each_event_carries_its_customer_and_internal_text(conn: Connection):
    timeline = story(conn, shipped_order("SO-0002000001", PLACED))

    first, last = timeline.events[0], timeline.events[-1]
    assert (first.customer_text, first.internal_text) == (
        "We've received your order",
        "Order received from the sales channel; waiting for allocation to a facility",
    )
    assert last.customer_text == "Your order has been delivered"
    assert timeline.status_text == "Your order has been delivered"
    assert timeline.destination_zone == CHICAGO


def test_a_shipment_block_has_the_carrier_service_tracking_link_and_last_scan(conn: Connection):
    events = shipped_order("SO-0002000002", PLACED, tracking_number="1Z999AA10000000222")
    events[8]["attributes"]["service_level"] = "2DA"

    (block,) = story(conn, events[:13]).shipments

    assert (block.carrier_name, block.service_name) == ("UPS", "UPS 2nd Day Air")
    assert block.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10000000222"
    assert block.last_scan is not None and block.last_scan.event_type == "DEPARTED_HUB"
    assert block.delivered_at is None


def test_a_split_order_has_one_block_per_parcel_with_its_own_scans(conn: Connection):
    events = shipped_order("SO-0002000003", PLACED, tracking_number="1Z999AA10000000231")[:11]
    events += [
        canonical_event("LABEL_PRINTED", "SO-0002000003", PLACED + timedelta(minutes=80), shipment_id="SO-0002000003-2",
                        tracking_number="794600000232", carrier="fedex"),
        canonical_event("CARRIER_PICKUP", "SO-0002000003", PLACED + timedelta(hours=7), shipment_id="SO-0002000003-2",
                        tracking_number="794600000232", carrier="fedex"),
    ]  # fmt: skip

    blocks = {block.shipment_id: block for block in story(conn, events).shipments}

    assert blocks["SO-0002000003-2"].carrier_name == "FedEx"
    assert blocks["SO-0002000003-2"].last_scan.occurred_at == PLACED + timedelta(hours=7)
    assert blocks["SO-0002000003-1"].last_scan.occurred_at == PLACED + timedelta(minutes=300)


def test_the_carriers_latest_word_on_the_date_is_the_estimate():
    scans = [
        scan("IN_TRANSIT", PLACED, estimated_delivery="2026-11-19"),
        scan(
            "DELIVERY_DELAYED",
            PLACED + timedelta(hours=5),
            reason="weather",
            new_estimated_delivery="2026-11-21",
        ),
        scan("ARRIVED_AT_HUB", PLACED + timedelta(hours=9)),
    ]

    estimate = carrier_estimate(scans)

    assert estimate is not None
    assert (estimate.day, estimate.label) == (date(2026, 11, 21), "Carrier's new estimate after a delay")
    assert carrier_estimate(scans[:1]).label == "Carrier's estimate"
    assert carrier_estimate(scans[2:]) is None


def test_an_event_is_shown_on_the_clock_where_it_happened(conn: Connection):
    timeline = story(conn, shipped_order("SO-0002000004", PLACED)[:2])
    received = timeline.events[0]

    assert event_time(received, utc=False) == ("Mon Nov 16, 9:05 AM PST", "America/Los_Angeles")
    assert event_time(received, utc=True) == ("Mon Nov 16, 17:05 UTC", "UTC")


def test_an_event_without_a_place_is_shown_in_the_customers_zone_and_says_so():
    when, zone = event_time(scan("IN_TRANSIT", PLACED), utc=False, fallback=CHICAGO)

    assert when == "Mon Nov 16, 11:05 AM CST"
    assert zone == "America/Chicago (no place in the event: customer's zone)"


def test_the_repeated_autumn_hour_keeps_its_wall_clock_and_its_abbreviation():
    fold = TimelineEvent(
        event_id="E1", source="wms:DC-CMH", event_type="PICK_STARTED", stage="fulfillment", severity="info",
        occurred_at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC), local_time=datetime(2026, 11, 1, 1, 30),
        time_zone="America/New_York", facility_id="DC-CMH", shipment_id=None, carrier=None, tracking_number=None,
        attributes={}, flags=("dst_fold",), raw_id=None, customer_text="", internal_text="",
    )  # fmt: skip

    assert event_time(fold, utc=False) == ("Sun Nov 1, 1:30 AM EDT", "America/New_York")
    assert flag_notes(fold.flags) == ["repeated hour at a DST change: first occurrence taken"]


def test_the_situation_for_the_customer_script(conn: Connection):
    events = shipped_order("SO-0002000005", PLACED)[:12]
    timeline = story(conn, events)

    situation = situation_of(timeline, PLACED + timedelta(days=1))

    assert (situation.stage, situation.on_hold, situation.carrier, situation.parcels) == (
        "in_transit",
        False,
        "UPS",
        1,
    )
    assert situation.facility == "Reno distribution center"
    assert situation.zone == CHICAGO
    assert [event.event_type for event in situation.events] == [event["event_type"] for event in events]
    assert situation.open_exception_causes == frozenset()


def test_words_for_stages_times_and_markdown():
    assert stage_label("handed_to_carrier") == "Handed to the carrier"
    assert stage_label("partially_delivered") == "Partially delivered"
    assert instant_in(PLACED, CHICAGO) == "Mon Nov 16, 2026 11:05 AM CST"
    assert instant_in(PLACED, CHICAGO, utc=True) == "Mon Nov 16, 2026 17:05 UTC"
    assert instant_in(None, CHICAGO) is None
    assert markdown_safe("j***@e***.com via wms:DC-RNO") == r"j\*\*\*@e\*\*\*.com via wms\:DC-RNO"


def test_the_status_is_the_latest_event_about_the_order_not_the_customers_own_contacts(conn: Connection):
    events = shipped_order("SO-0002000006", PLACED)
    ticket = canonical_event("SUPPORT_TICKET_OPENED", "SO-0002000006", PLACED + timedelta(days=3))
    refund = canonical_event("REFUND_ISSUED", "SO-0002000007", PLACED + timedelta(days=4))

    delivered = story(conn, [*events, ticket])
    refunded = story(
        conn, [*shipped_order("SO-0002000007", PLACED, tracking_number="1Z999AA10000000277"), refund]
    )

    assert delivered.status_text == "Your order has been delivered"
    assert refunded.status_text == "Your refund has been issued"
