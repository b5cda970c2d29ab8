"""The Order timeline page's data, read without Streamlit (as the page-load benchmark reads it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from dashboard.queries.order_timeline import load_order_timeline, load_raw_payload
from tests.pages import order_timeline_orders as world


def test_an_order_loads_with_its_shipments_events_exceptions_and_messages(fresh_engine: Engine):
    with fresh_engine.begin() as conn:
        world.land_orders(conn)
        world.open_exception(conn, world.DELAYED, "DELIVERY_DELAYED", "carrier_delay")
        world.open_exception(conn, world.SPLIT, "LOST", "lost")
        conn.execute(
            text(
                "INSERT INTO notification (order_id, message_type, channel, dedupe_key, body, created_at, due_at)"
                " VALUES (:o, 'carrier_delay', 'email', 'k1', 'Weather delay in your area', now(), now())"
            ),
            {"o": world.DELAYED},
        )

    timeline = load_order_timeline(fresh_engine, world.DELAYED)

    assert timeline is not None
    assert timeline.state["stage"] == "in_transit"
    assert [s.tracking_number for s in timeline.shipments] == [world.DELAYED_TRACKING]
    assert len(timeline.events) == 13 and all(event.raw_id for event in timeline.events)
    assert [row["root_cause"] for row in timeline.open_exceptions] == ["carrier_delay"]
    assert [row["body"] for row in timeline.notifications] == ["Weather delay in your area"]
    assert load_order_timeline(fresh_engine, "SO-0000000000") is None


def test_a_raw_payload_is_read_as_landed(fresh_engine: Engine):
    with fresh_engine.begin() as conn:
        world.land_orders(conn, datetime(2026, 11, 20, tzinfo=UTC))
    timeline = load_order_timeline(fresh_engine, world.HELD)
    assert timeline is not None
    raw_id = timeline.events[0].raw_id
    assert raw_id is not None

    raw = load_raw_payload(fresh_engine, raw_id)

    assert raw is not None and raw.source == world.SOURCE
    lines = [json.loads(line) for line in raw.payload.splitlines()]
    assert [line["order_id"] for line in lines] == [world.HELD] * 3
    assert load_raw_payload(fresh_engine, 10**12) is None
