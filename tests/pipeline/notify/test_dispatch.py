"""Sending the outbox through a real local SMTP server and a local SMS provider: delivery status,
quiet hours, retries with backoff, permanent refusals, and messages too old to send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from pipeline.notify.dispatch import SendPolicy, configured_senders, send_due
from pipeline.notify.outbox import enqueue, order_notifications, record_delivery_status
from pipeline.notify.templates import load_templates, message_context
from pipeline.settings import Settings
from tests.pipeline.exceptions.streams import load, received
from tests.pipeline.notify.servers import sms_provider, smtp_server

# 2026-11-17 01:00 UTC is 19:00 on the 16th in Chicago, the customer's zone.
EVENING = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)
FAST = SendPolicy(attempts=2, initial_seconds=0.01, max_seconds=0.02)


@pytest.fixture
def servers() -> Iterator[tuple]:
    with smtp_server() as (inbox, smtp_port), sms_provider() as (sms_log, sms_url):
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_tls="none",
            sms_provider_url=sms_url,
            sms_api_key="sms-key",
            notify_quiet_hours="21:00-08:00",
            notify_max_attempts=3,
        )
        yield settings, inbox, sms_log


def queue(
    engine: Engine, settings: Settings, order_id: str, message_type: str, at: datetime, **contact
) -> int:
    load(engine, [received(order_id, at - timedelta(hours=30), **contact)])
    context = message_context(
        load_templates(), order_id, {"reason": "weather", "new_estimated_delivery": "2026-11-19"}
    )
    with engine.begin() as conn:
        return enqueue(
            conn,
            order_id=order_id,
            message_type=message_type,
            context=context,
            key=f"{order_id}:{message_type}",
            now=at,
            settings=settings,
        ).notification_id


def row(engine: Engine, notification_id: int) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT * FROM notification WHERE notification_id = :i"), {"i": notification_id}
            )
            .mappings()
            .one()
        )


def test_an_email_goes_through_smtp_and_its_delivery_status_is_recorded(
    fresh_engine: Engine, servers
) -> None:
    settings, inbox, _ = servers
    sent_id = queue(fresh_engine, settings, "SO-40000001", "item_delayed", EVENING, phone=None)

    report = send_due(fresh_engine, EVENING, settings=settings, policy=FAST)

    ((recipients, email),) = inbox.received
    assert recipients == ["ann.lee@example.com"]
    assert email["Subject"] == "An item in your order SO-40000001 is taking longer"
    assert "taking a little longer to get ready" in email.get_payload(decode=True).decode()
    sent = row(fresh_engine, sent_id)
    assert (report.sent, sent["status"], sent["delivery_status"], sent["attempts"]) == (
        1,
        "sent",
        "accepted",
        1,
    )
    assert sent["provider_message_id"] == email["Message-ID"].strip()


def test_a_text_message_goes_to_the_sms_provider(fresh_engine: Engine, servers) -> None:
    settings, _, sms_log = servers
    sent_id = queue(fresh_engine, settings, "SO-40000002", "delivery_delayed", EVENING)

    send_due(fresh_engine, EVENING, settings=settings, policy=FAST)

    assert sms_log.received == [
        {
            "to": "+1 312 555 0101",
            "body": "Weather delay in your area — new estimate Thursday, November 19. Order SO-40000002.",
            "reference": str(sent_id),
        }
    ]
    assert (
        row(fresh_engine, sent_id)["provider_message_id"],
        row(fresh_engine, sent_id)["delivery_status"],
    ) == ("sms-1", "queued")


def test_quiet_hours_in_the_customers_zone_hold_a_message_until_morning(
    fresh_engine: Engine, servers
) -> None:
    settings, _, sms_log = servers
    late = EVENING + timedelta(hours=3)  # 22:00 in Chicago
    sent_id = queue(fresh_engine, settings, "SO-40000003", "delivery_delayed", late)

    send_due(fresh_engine, late + timedelta(minutes=30), settings=settings, policy=FAST)
    assert sms_log.received == []
    morning = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)  # 08:00 in Chicago
    assert row(fresh_engine, sent_id)["due_at"] == morning
    send_due(fresh_engine, morning, settings=settings, policy=FAST)

    assert len(sms_log.received) == 1


def test_a_refusal_worth_retrying_waits_with_backoff_then_goes_through(fresh_engine: Engine, servers) -> None:
    settings, inbox, _ = servers
    inbox.refuse = ["451 Try again later", "451 Try again later"]
    sent_id = queue(fresh_engine, settings, "SO-40000004", "item_delayed", EVENING, phone=None)

    first = send_due(fresh_engine, EVENING, settings=settings, policy=FAST)
    waiting = row(fresh_engine, sent_id)
    second = send_due(fresh_engine, EVENING + timedelta(minutes=3), settings=settings, policy=FAST)

    assert (first.retrying, waiting["status"], waiting["attempts"]) == (1, "pending", 1)
    assert waiting["due_at"] == EVENING + timedelta(minutes=2)
    assert "451" in waiting["last_error"]
    assert (second.sent, row(fresh_engine, sent_id)["status"], len(inbox.received)) == (1, "sent", 1)


def test_a_permanent_refusal_fails_the_message_at_once(fresh_engine: Engine, servers) -> None:
    settings, _, sms_log = servers
    sms_log.fail_with = [400]
    sent_id = queue(fresh_engine, settings, "SO-40000005", "delivery_delayed", EVENING)

    report = send_due(fresh_engine, EVENING, settings=settings, policy=FAST)

    failed = row(fresh_engine, sent_id)
    assert (report.failed, failed["status"], failed["delivery_status"], failed["attempts"]) == (
        1,
        "failed",
        "failed",
        1,
    )
    assert "HTTP 400" in failed["last_error"]


def test_a_message_that_keeps_failing_gives_up_after_the_maximum_runs(fresh_engine: Engine, servers) -> None:
    settings, _, sms_log = servers
    sms_log.fail_with = [503] * 6
    sent_id = queue(fresh_engine, settings, "SO-40000006", "delivery_delayed", EVENING)

    for minutes in (0, 3, 8):
        send_due(fresh_engine, EVENING + timedelta(minutes=minutes), settings=settings, policy=FAST)

    failed = row(fresh_engine, sent_id)
    assert (failed["status"], failed["attempts"]) == ("failed", 3)
    assert failed["last_error"].startswith("gave up after 3 runs")


def test_without_a_sender_a_message_waits_and_expires_rather_than_going_out_late(
    fresh_engine: Engine,
) -> None:
    settings = Settings(notify_quiet_hours="", notify_max_age_hours=48)
    sent_id = queue(fresh_engine, settings, "SO-40000007", "delivery_delayed", EVENING)

    waiting = send_due(fresh_engine, EVENING + timedelta(hours=1), settings=settings)
    expired = send_due(fresh_engine, EVENING + timedelta(hours=49), settings=settings)

    assert configured_senders(settings) == {}
    assert (waiting.sent, expired.expired, row(fresh_engine, sent_id)["status"]) == (0, 1, "expired")


def test_a_providers_later_delivery_report_is_kept_and_an_older_one_ignored(
    fresh_engine: Engine, servers
) -> None:
    settings, _, _ = servers
    sent_id = queue(fresh_engine, settings, "SO-40000008", "delivery_delayed", EVENING)
    send_due(fresh_engine, EVENING, settings=settings, policy=FAST)

    with fresh_engine.begin() as conn:
        delivered = record_delivery_status(
            conn,
            channel="sms",
            provider_message_id="sms-1",
            status="delivered",
            at=EVENING + timedelta(minutes=2),
        )
        stale = record_delivery_status(
            conn,
            channel="sms",
            provider_message_id="sms-1",
            status="queued",
            at=EVENING + timedelta(minutes=1),
        )
        shown = order_notifications(conn, "SO-40000008")

    assert (delivered, stale) == (True, False)
    assert [(n["notification_id"], n["status"], n["delivery_status"]) for n in shown] == [
        (sent_id, "sent", "delivered")
    ]
