"""The exception queue the page tests and the browser test work on: four orders in trouble."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from pipeline.actions import Actor, perform
from pipeline.exceptions.detector import detect_exceptions
from tests.pipeline.exceptions.streams import carrier_event, load, order_until, pick_short

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
SHORT, LOST, ADDRESS, DELAYED = "SO-60000001", "SO-60000002", "SO-60000003", "SO-60000004"


def build_queue(engine: Engine) -> dict[str, int]:
    """Four orders in trouble: a short pick and an address issue at Reno, a lost parcel from Columbus,
    and a weather delay the automation escalated with a suggestion."""
    tracking = {LOST: "1Z999AA10000000002", ADDRESS: "1Z999AA10000000003", DELAYED: "1Z999AA10000000004"}
    later = PLACED + timedelta(hours=11)
    load(
        engine,
        [
            *order_until(SHORT, later, "ITEM_PICKED", ship_by=timedelta(days=3)),
            pick_short(SHORT, later + timedelta(minutes=58)),
        ],
    )
    load(
        engine,
        [
            *order_until(LOST, PLACED, "DEPARTED_HUB", tracking_number=tracking[LOST], facility_id="DC-CMH"),
            carrier_event("LOST", LOST, PLACED + timedelta(hours=12), tracking_number=tracking[LOST]),
        ],
    )
    load(
        engine,
        [
            *order_until(ADDRESS, PLACED, "DEPARTED_HUB", tracking_number=tracking[ADDRESS]),
            carrier_event(
                "ADDRESS_ISSUE",
                ADDRESS,
                PLACED + timedelta(hours=12),
                reason="bad_address",
                tracking_number=tracking[ADDRESS],
            ),
        ],
    )
    load(
        engine,
        [
            *order_until(DELAYED, PLACED, "DEPARTED_HUB", tracking_number=tracking[DELAYED]),
            carrier_event(
                "DELIVERY_DELAYED",
                DELAYED,
                PLACED + timedelta(hours=12),
                reason="weather",
                new_estimated_delivery="2026-11-21",
                tracking_number=tracking[DELAYED],
            ),
        ],
    )
    detect_exceptions(engine, now=PLACED + timedelta(hours=12, minutes=30))
    with engine.begin() as conn:
        ids = dict(conn.execute(text("SELECT order_id, exception_id FROM order_exception")).all())
        perform(
            conn,
            Actor.automation("carrier_delay"),
            "escalate",
            ids[DELAYED],
            now=PLACED + timedelta(hours=12, minutes=30),
            reason="The customer cannot be reached by text",
            suggested_action="notify_customer",
            suggested_label="Email the customer about the weather delay",
        )
    return ids
