"""The carrier-delay playbook: the customer hears about a delay once — one message per exception and state
change, however often the carrier repeats itself — and a person takes over when the customer cannot be
reached (no email or phone, or the message could not be delivered)."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from pipeline.actions import actions_for
from pipeline.exceptions.detector import detect_exceptions, detect_once
from pipeline.notify.dispatch import SendPolicy, send_due
from pipeline.notify.outbox import record_delivery_status
from pipeline.playbooks.policy import load_policy
from pipeline.playbooks.runner import run_one, run_playbooks
from tests.pipeline.exceptions.streams import (
    carrier_asked,
    carrier_event,
    exceptions_of,
    load,
    order_until,
    step_time,
)
from tests.pipeline.notify.servers import sms_provider, smtp_server
from tests.pipeline.playbooks.world import PLACED, audit_trail, settings, smtp_settings

DELAYED_AT = PLACED + timedelta(hours=13)
NOW = PLACED + timedelta(hours=14)
ONE_TRY = SendPolicy(attempts=1)


def delay(order_id: str, at=DELAYED_AT, estimate: str = "2026-11-21") -> dict:
    return carrier_event("DELIVERY_DELAYED", order_id, at, reason="weather", new_estimated_delivery=estimate)


def test_the_customer_is_emailed_once_about_a_delay_however_often_the_carrier_repeats_it(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        load(conn, [*order_until("SO-52000001", PLACED, "DEPARTED_HUB", phone=None), delay("SO-52000001")])
    detect_exceptions(fresh_engine, now=NOW)

    with smtp_server() as (inbox, port):
        mail = smtp_settings(port)
        report = run_playbooks(fresh_engine, now=NOW, settings=mail)
        send_due(fresh_engine, NOW, settings=mail, policy=ONE_TRY)
        with fresh_engine.begin() as conn:  # the carrier says it again, an hour later, with a new date
            load(conn, [delay("SO-52000001", DELAYED_AT + timedelta(hours=1), "2026-11-23")])
        later = NOW + timedelta(hours=1)
        detect_exceptions(fresh_engine, now=later)
        again = run_playbooks(fresh_engine, now=later, settings=mail)
        send_due(fresh_engine, later, settings=mail, policy=ONE_TRY)

    ((recipients, email),) = inbox.received
    assert recipients == ["ann.lee@example.com"]
    assert email["Subject"] == "Your order SO-52000001 is running late"
    assert (
        "Weather delay in your area — new estimate Saturday, November 21."
        in email.get_payload(decode=True).decode()
    )
    assert report.acted == 1 and again.acted == again.escalated == 0
    (exception,) = exceptions_of(fresh_engine, "SO-52000001")
    assert (exception["state"], exception["automation"], exception["evidence_count"]) == (
        "automating",
        "carrier_delay",
        2,
    )
    assert audit_trail(fresh_engine, exception["exception_id"]) == [
        ("automation:carrier_delay", "automate"),
        ("automation:carrier_delay", "notify_customer"),
    ]


def test_the_delivery_ends_the_exception_the_playbook_was_working_on(conn: Connection) -> None:
    load(conn, [*order_until("SO-52000002", PLACED, "DEPARTED_HUB"), delay("SO-52000002")])
    detect_once(conn, now=NOW)
    (exception,) = exceptions_of(conn, "SO-52000002")
    run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())

    load(conn, [carrier_event("DELIVERED", "SO-52000002", PLACED + timedelta(days=5))])
    detect_once(conn, now=PLACED + timedelta(days=5, hours=1))

    (after,) = exceptions_of(conn, "SO-52000002")
    assert after["state"] == "resolved" and after["resolution"].startswith("Delivered at")


def test_a_silent_carrier_gets_the_customer_a_text_message(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        load(conn, order_until("SO-52000003", PLACED, "CARRIER_PICKUP"))
        carrier_asked(conn, "SO-52000003-1", step_time(PLACED, "CARRIER_PICKUP") + timedelta(hours=47))
    silent = step_time(PLACED, "CARRIER_PICKUP") + timedelta(hours=49)  # UPS: 48 hours without a scan
    detect_exceptions(fresh_engine, now=silent)

    with sms_provider() as (texts, base_url):
        sms = settings(sms_provider_url=base_url, sms_api_key="sms-key")
        report = run_playbooks(fresh_engine, now=silent, settings=sms)
        send_due(fresh_engine, silent, settings=sms, policy=ONE_TRY)

    (message,) = texts.received
    assert message["to"] == "+1 312 555 0101"
    assert message["body"] == (
        "Your delivery is running late — we'll send you the new delivery date as soon as the carrier has it."
        " Order SO-52000003."
    )
    (outcome,) = report.outcomes
    assert (outcome.playbook, outcome.outcome) == ("carrier_delay", "acted")


def test_a_customer_without_email_or_phone_is_left_to_a_person(conn: Connection) -> None:
    load(
        conn,
        [*order_until("SO-52000004", PLACED, "DEPARTED_HUB", email=None, phone=None), delay("SO-52000004")],
    )
    detect_once(conn, now=NOW)
    (exception,) = exceptions_of(conn, "SO-52000004")

    outcome = run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())

    (after,) = exceptions_of(conn, "SO-52000004")
    assert outcome.outcome == "escalated" and after["state"] == "escalated"
    assert after["escalation_reason"] == (
        "Could not tell the customer about the delay: the customer has no email or phone on the order."
    )
    assert actions_for(after, "support_agent")[0] == "resolve"
    assert after["suggested_label"].startswith("Customer unreachable")
    assert audit_trail(conn, exception["exception_id"]) == [("automation:carrier_delay", "escalate")]


@pytest.mark.parametrize("silent", [False, True])
def test_a_delay_known_for_longer_than_a_message_may_wait_goes_to_a_person_unsent(
    conn: Connection, silent: bool
) -> None:
    """History read for the first time (a first run, a feed that was down) must not text customers about
    parcels that may long since have arrived."""
    if silent:
        load(conn, order_until("SO-52000011", PLACED, "CARRIER_PICKUP"))
        carrier_asked(conn, "SO-52000011-1", PLACED + timedelta(days=9))
    else:
        load(conn, [*order_until("SO-52000011", PLACED, "DEPARTED_HUB"), delay("SO-52000011")])
    much_later = PLACED + timedelta(days=10)
    detect_once(conn, now=much_later)
    (exception,) = exceptions_of(conn, "SO-52000011")

    outcome = run_one(
        conn, exception["exception_id"], now=much_later, settings=settings(), policy=load_policy()
    )

    (after,) = exceptions_of(conn, "SO-52000011")
    assert (outcome.outcome, after["state"]) == ("escalated", "escalated")
    assert "too late for an automatic message" in after["escalation_reason"]
    assert after["suggested_action"] == "notify_customer"
    with conn.begin_nested():
        sent = conn.execute(
            text("SELECT count(*) FROM notification WHERE order_id = 'SO-52000011'")
        ).scalar_one()
    assert sent == 0


def test_a_message_the_mail_server_refuses_hands_the_exception_to_a_person(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        load(conn, [*order_until("SO-52000005", PLACED, "DEPARTED_HUB", phone=None), delay("SO-52000005")])
    detect_exceptions(fresh_engine, now=NOW)

    with smtp_server() as (inbox, port):
        inbox.refuse = ["550 No such user here"]
        mail = smtp_settings(port)
        run_playbooks(fresh_engine, now=NOW, settings=mail)
        send_due(fresh_engine, NOW, settings=mail, policy=ONE_TRY)
        report = run_playbooks(fresh_engine, now=NOW + timedelta(minutes=1), settings=mail)

    (exception,) = exceptions_of(fresh_engine, "SO-52000005")
    assert report.escalated == 1 and exception["state"] == "escalated"
    assert exception["escalation_reason"].startswith(
        "The customer could not be reached: the email about the delay could not be delivered (SMTP 550"
    )
    assert audit_trail(fresh_engine, exception["exception_id"])[-1] == (
        "automation:carrier_delay",
        "escalate",
    )


def _eta_service():
    """pipeline.eta's `recompute_eta`, or skip: the ETA service is built beside the playbooks (issue #6 §3)."""
    eta = pytest.importorskip("pipeline.eta")
    if not hasattr(eta, "recompute_eta"):
        pytest.skip("pipeline.eta does not export recompute_eta yet")
    return eta.recompute_eta


def _shipment_eta(conn: Connection, shipment_id: str) -> dict:
    row = (
        conn.execute(
            text("SELECT source, likely_at, window_start FROM shipment_eta WHERE shipment_id = :s"),
            {"s": shipment_id},
        )
        .mappings()
        .one()
    )
    return dict(row)


def test_a_delay_moves_the_shipments_eta_to_the_carriers_new_date(conn: Connection) -> None:
    recompute_eta = _eta_service()
    load(conn, order_until("SO-52000006", PLACED, "DEPARTED_HUB"))
    recompute_eta(conn, "SO-52000006-1", DELAYED_AT - timedelta(hours=1))  # the ETA job's estimate before
    before = _shipment_eta(conn, "SO-52000006-1")
    load(conn, [delay("SO-52000006", estimate="2026-11-25")])
    detect_once(conn, now=NOW)
    (exception,) = exceptions_of(conn, "SO-52000006")

    outcome = run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())

    after = _shipment_eta(conn, "SO-52000006-1")
    assert outcome.outcome == "acted"
    assert "ETA recomputed: SO-52000006-1 likely Wed Nov 25" in outcome.message, outcome.message
    assert before["source"] != "carrier" and after["source"] == "carrier"
    assert after["likely_at"].date() == date(2026, 11, 25) > before["likely_at"].date()


def test_without_the_eta_service_the_customer_is_still_told(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pipeline.eta", None)  # import pipeline.eta -> ImportError
    load(conn, [*order_until("SO-52000007", PLACED, "DEPARTED_HUB"), delay("SO-52000007")])
    detect_once(conn, now=NOW)
    (exception,) = exceptions_of(conn, "SO-52000007")

    outcome = run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())

    assert outcome.outcome == "acted"
    assert outcome.message.endswith("ETA not recomputed: the ETA service (pipeline/eta) is not installed")


def test_a_text_the_provider_later_reports_undelivered_hands_the_exception_to_a_person(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        load(conn, [*order_until("SO-52000008", PLACED, "DEPARTED_HUB", email=None), delay("SO-52000008")])
    detect_exceptions(fresh_engine, now=NOW)
    with sms_provider() as (texts, base_url):
        sms = settings(sms_provider_url=base_url, sms_api_key="sms-key")
        run_playbooks(fresh_engine, now=NOW, settings=sms)
        send_due(fresh_engine, NOW, settings=sms, policy=ONE_TRY)
    assert len(texts.received) == 1
    assert run_playbooks(fresh_engine, now=NOW + timedelta(minutes=1), settings=sms).outcomes == []

    with fresh_engine.begin() as conn:  # the provider's delivery receipt, an hour later
        message_id = conn.execute(text("SELECT provider_message_id FROM notification")).scalar_one()
        record_delivery_status(
            conn,
            channel="sms",
            provider_message_id=message_id,
            status="undelivered",
            at=NOW + timedelta(hours=1),
        )
    report = run_playbooks(fresh_engine, now=NOW + timedelta(hours=1), settings=sms)

    (exception,) = exceptions_of(fresh_engine, "SO-52000008")
    assert report.escalated == 1 and exception["state"] == "escalated"
    assert exception["escalation_reason"] == (
        "The customer could not be reached: the text message about the delay was not delivered"
        " (the provider reported it undelivered)."
    )
