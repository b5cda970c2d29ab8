"""The simulated customers under `waypoint run`: Waypoint's outbox sends a text to the simulator's SMS
provider, the provider's signed receipt comes back to Waypoint's API and lands on the message (delivered,
or undelivered for a number that cannot take texts); an email lands in the simulator's mail server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from db.engine import ensure_database, make_engine
from pipeline.notify.dispatch import SendPolicy, send_due
from pipeline.notify.outbox import enqueue
from pipeline.notify.templates import load_templates, message_context
from pipeline.settings import Settings, get_settings
from simulator.databases import sim_database_url
from simulator.http_api import create_app as create_simulator_app
from simulator.messaging.mail_server import MailServerUnavailable, start_mail_server
from simulator.messaging.receipts import report_due
from simulator.messaging.store import ensure_messaging_tables, reaches_phone
from tests.api.live_server import free_port, live_server
from tests.pipeline.exceptions.streams import load, received

NOON_IN_CHICAGO = datetime(2026, 11, 17, 18, 0, tzinfo=UTC)
FAST = SendPolicy(attempts=2, initial_seconds=0.01, max_seconds=0.02)
RECEIPT_SECRET = "sim-receipt-secret"


def a_number(reaches: bool) -> str:
    return next(n for n in (f"+1312555{i:04d}" for i in range(10_000)) if reaches_phone(n) == reaches)


@pytest.fixture
def sim_engine(fresh_database_url: str) -> Iterator[Engine]:
    """The simulator database beside the main one (dropped with it), with the messaging tables."""
    ensure_database(sim_database_url(fresh_database_url))
    engine = make_engine(sim_database_url(fresh_database_url), pool_size=2)
    with engine.begin() as conn:
        ensure_messaging_tables(conn)
    yield engine
    engine.dispose()


def queue_for(engine: Engine, settings: Settings, order_id: str, **contact) -> int:
    load(engine, [received(order_id, NOON_IN_CHICAGO - timedelta(days=1), **contact)])
    context = message_context(
        load_templates(), order_id, {"reason": "weather", "new_estimated_delivery": "2026-11-19"}
    )
    with engine.begin() as conn:
        return enqueue(conn, order_id=order_id, message_type="delivery_delayed", context=context,
                       key=f"{order_id}:delayed", now=NOON_IN_CHICAGO, settings=settings).notification_id  # fmt: skip


def outbox_row(engine: Engine, notification_id: int) -> dict:
    with engine.connect() as conn:
        query = text(
            "SELECT status, provider_message_id, delivery_status FROM notification WHERE notification_id = :i"
        )
        return dict(conn.execute(query, {"i": notification_id}).mappings().one())


def test_a_text_reaches_the_simulated_phone_and_the_receipt_comes_back_to_waypoint(
    fresh_database_url: str, fresh_engine: Engine, sim_engine: Engine
) -> None:
    sms = {"sms_api_key": "sim-sms-key", "sms_webhook_secret": RECEIPT_SECRET}
    with (
        live_server(create_simulator_app(fresh_database_url)) as simulator_url,
        live_server(create_app(fresh_database_url, settings=Settings(**sms))) as waypoint_url,
    ):
        app_settings = Settings(sms_provider_url=f"{simulator_url}/sms", notify_quiet_hours="", **sms)
        reached = queue_for(fresh_engine, app_settings, "SO-72000001", email=None, phone=a_number(True))
        unreachable = queue_for(fresh_engine, app_settings, "SO-72000002", email=None, phone=a_number(False))

        report = send_due(fresh_engine, NOON_IN_CHICAGO, settings=app_settings, policy=FAST)
        accepted = {outbox_row(fresh_engine, i)["delivery_status"] for i in (reached, unreachable)}
        with sim_engine.begin() as conn, httpx.Client(timeout=10) as client:
            reported = report_due(
                conn, datetime.now(UTC) + timedelta(minutes=1), waypoint_url, client, RECEIPT_SECRET
            )

    assert (report.sent, accepted, reported) == (2, {"queued"}, 2)
    assert outbox_row(fresh_engine, reached)["delivery_status"] == "delivered"
    assert outbox_row(fresh_engine, unreachable)["delivery_status"] == "undelivered"
    with sim_engine.connect() as conn:
        kept = conn.execute(
            text(
                "SELECT to_number, body, reported_at IS NOT NULL FROM messaging.sms_message ORDER BY to_number"
            )
        ).all()
    assert sorted(number for number, _, _ in kept) == sorted([a_number(True), a_number(False)])
    assert all(done and "SO-7200000" in body for _, body, done in kept)


def test_a_receipt_waypoint_refuses_is_retried_later(
    fresh_database_url: str, fresh_engine: Engine, sim_engine: Engine
) -> None:
    with live_server(create_simulator_app(fresh_database_url)) as simulator_url:
        settings = Settings(sms_provider_url=f"{simulator_url}/sms", sms_api_key=None, notify_quiet_hours="")
        notification_id = queue_for(fresh_engine, settings, "SO-72000003", email=None, phone=a_number(True))
        send_due(fresh_engine, NOON_IN_CHICAGO, settings=settings, policy=FAST)
    later = datetime.now(UTC) + timedelta(minutes=1)
    with live_server(
        create_app(fresh_database_url, settings=Settings(sms_webhook_secret="the-real-secret"))
    ) as url:
        with sim_engine.begin() as conn, httpx.Client(timeout=10) as client:
            refused = report_due(conn, later, url, client, "a-wrong-secret")
        with sim_engine.connect() as conn:
            waiting = conn.execute(
                text("SELECT report_attempts, report_due_at, last_error FROM messaging.sms_message")
            ).one()

    assert refused == 0
    assert outbox_row(fresh_engine, notification_id)["delivery_status"] == "queued"
    assert waiting.report_attempts == 1 and waiting.report_due_at > later
    assert "401" in waiting.last_error


def test_the_simulated_provider_wants_its_key_and_an_e164_number(
    fresh_database_url: str, sim_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYPOINT_SMS_API_KEY", "sim-sms-key")
    get_settings.cache_clear()
    try:
        with live_server(create_simulator_app(fresh_database_url)) as simulator_url:

            def send(to: str, key: str) -> httpx.Response:
                return httpx.post(f"{simulator_url}/sms/messages", json={"to": to, "body": "hi"},
                                  headers={"Authorization": f"Bearer {key}"}, timeout=10)  # fmt: skip

            wrong_key, bad_number, accepted = (
                send("+13125550101", "wrong"),
                send("312-555", "sim-sms-key"),
                send("+1 312 555 0101", "sim-sms-key"),
            )
    finally:
        get_settings.cache_clear()

    assert wrong_key.status_code == 401
    assert bad_number.status_code == 422
    assert bad_number.json()["detail"][0]["loc"] == ["body", "to"]
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"


def test_an_email_lands_in_the_simulated_mail_server(fresh_engine: Engine, sim_engine: Engine) -> None:
    port = free_port()
    mail = start_mail_server(sim_engine, port)
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", notify_quiet_hours="")
        notification_id = queue_for(fresh_engine, settings, "SO-72000004", phone=None)
        report = send_due(fresh_engine, NOON_IN_CHICAGO, settings=settings, policy=FAST)
    finally:
        mail.stop()

    with sim_engine.connect() as conn:
        (rcpt_to, subject, message) = conn.execute(
            text("SELECT rcpt_to, subject, message FROM messaging.email_message")
        ).one()
    assert (report.sent, outbox_row(fresh_engine, notification_id)["status"]) == (1, "sent")
    assert rcpt_to == ["ann.lee@example.com"]
    assert "SO-72000004" in subject and "SO-72000004" in message


def test_a_mail_server_port_in_use_is_named_in_the_error(sim_engine: Engine) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(
            MailServerUnavailable, match=r"sim_smtp_port: cannot serve SMTP on 127\.0\.0\.1:\d+"
        ):
            start_mail_server(sim_engine, taken.getsockname()[1])
