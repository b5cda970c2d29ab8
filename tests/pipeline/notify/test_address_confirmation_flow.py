"""End to end: a carrier's address problem -> an exception -> the automation asks the customer through the
action service -> the email arrives at a real SMTP server -> the customer follows the link -> the hold
is released and the exception resolved, all written to the audit log as the automation's doing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from pipeline.actions import Actor, confirm_address, perform
from pipeline.exceptions.detector import detect_exceptions
from pipeline.notify.dispatch import SendPolicy, send_due
from pipeline.settings import Settings
from tests.pipeline.exceptions.streams import carrier_event, exceptions_of, load, order_until
from tests.pipeline.notify.servers import smtp_server

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def test_the_customer_confirms_the_address_from_the_email_and_the_order_is_released(
    fresh_engine: Engine,
) -> None:
    issue = carrier_event(
        "ADDRESS_ISSUE", "SO-41000001", PLACED + timedelta(hours=13), reason="incomplete_address"
    )
    load(fresh_engine, [*order_until("SO-41000001", PLACED, "DEPARTED_HUB", phone=None), issue])
    detect_exceptions(fresh_engine, now=PLACED + timedelta(hours=14))
    (exception,) = exceptions_of(fresh_engine, "SO-41000001")

    with smtp_server() as (inbox, port):
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="none",
            notify_quiet_hours="21:00-08:00",
            action_token_secret="flow-secret",
            public_base_url="https://track.example",
        )
        asked_at = PLACED + timedelta(hours=14)  # 01:05 in Chicago: the email waits for the morning
        with fresh_engine.begin() as conn:
            perform(
                conn,
                Actor.automation("address_confirmation"),
                "request_address_confirmation",
                exception["exception_id"],
                now=asked_at,
                settings=settings,
            )
        send_due(fresh_engine, asked_at, settings=settings)
        assert inbox.received == []
        send_due(
            fresh_engine,
            datetime(2026, 11, 17, 14, 0, tzinfo=UTC),
            settings=settings,
            policy=SendPolicy(attempts=1),
        )

    ((recipients, email),) = inbox.received
    body = email.get_payload(decode=True).decode()
    link = re.search(r"https://track\.example/v1/address-confirmations/(\S+)", body)
    assert recipients == ["ann.lee@example.com"] and link is not None
    assert email["Subject"] == "Please confirm the delivery address for order SO-41000001"

    with fresh_engine.begin() as conn:
        result = confirm_address(
            conn, link.group(1), now=datetime(2026, 11, 17, 15, 0, tzinfo=UTC), settings=settings
        )

    assert result.changed and result.after["state"] == "resolved"
    with fresh_engine.connect() as conn:
        hold = conn.execute(
            text("SELECT on_hold FROM order_state WHERE order_id = 'SO-41000001'")
        ).scalar_one()
        trail = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE entity_type = 'exception' ORDER BY audit_id")
        ).all()
        types = (
            conn.execute(
                text("SELECT event_type FROM event WHERE source = 'waypoint:actions' ORDER BY occurred_at")
            )
            .scalars()
            .all()
        )
    assert hold is False
    assert trail == [
        ("automation:address_confirmation", "request_address_confirmation"),
        ("automation:address_confirmation", "release_address_hold"),
    ]
    assert types == ["ORDER_ON_HOLD", "ORDER_HOLD_RELEASED"]
