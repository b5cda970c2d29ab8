"""The outbox: written in the caller's transaction, one message per key, the channel the customer has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text

from pipeline.notify.outbox import NoContactError, dedupe_key, enqueue, order_notifications
from pipeline.notify.templates import load_templates, message_context
from pipeline.settings import Settings
from tests.pipeline.exceptions.streams import load, received

NOON_CHICAGO = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
SETTINGS = Settings(notify_quiet_hours="21:00-08:00")


def put(conn: Connection, order_id: str, message_type: str = "delivery_delayed", key: str | None = None):
    context = message_context(load_templates(), order_id, {"reason": "weather"})
    return enqueue(
        conn,
        order_id=order_id,
        message_type=message_type,
        context=context,
        key=key or dedupe_key(order_id, None, 0, message_type),
        now=NOON_CHICAGO,
        settings=SETTINGS,
    )


def test_the_same_message_twice_is_written_once(conn: Connection) -> None:
    load(conn, [received("SO-42000001", NOON_CHICAGO)])

    first = put(conn, "SO-42000001")
    second = put(conn, "SO-42000001")

    assert (first.created, second.created, second.notification_id) == (True, False, first.notification_id)
    assert conn.execute(text("SELECT count(*) FROM notification")).scalar() == 1


def test_the_preferred_channel_is_used_when_the_customer_has_it_otherwise_the_next(conn: Connection) -> None:
    load(conn, [received("SO-42000002", NOON_CHICAGO), received("SO-42000003", NOON_CHICAGO, phone=None)])

    assert put(conn, "SO-42000002").channel == "sms"
    assert put(conn, "SO-42000003").channel == "email"


def test_no_contact_at_all_is_refused_with_field_and_rule(conn: Connection) -> None:
    load(conn, [received("SO-42000004", NOON_CHICAGO, email=None, phone=None)])

    with pytest.raises(NoContactError) as refused:
        put(conn, "SO-42000004")

    assert (refused.value.field, refused.value.rule) == ("customer", "no_contact")


def test_an_orders_messages_are_listed_for_the_timeline_without_personal_data(conn: Connection) -> None:
    load(conn, [received("SO-42000005", NOON_CHICAGO)])
    put(conn, "SO-42000005", "delivery_delayed")
    put(conn, "SO-42000005", "parcel_lost")

    shown = order_notifications(conn, "SO-42000005")

    assert [(n["message_type"], n["status"], n["due_at"]) for n in shown] == [
        ("delivery_delayed", "pending", NOON_CHICAGO),
        ("parcel_lost", "pending", NOON_CHICAGO),
    ]
    assert not any("ann.lee" in str(value) or "555" in str(value) for n in shown for value in n.values())
