"""The address playbook: hold the order and ask the customer to confirm the address through a signed,
expiring link; the customer's click releases the hold. No answer in time, or no way to reach the
customer, and a person takes over with the next step first. The address is never changed here."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import Connection, Engine, text

from pipeline.actions import Actor, actions_for, confirm_address, perform
from pipeline.exceptions.detector import detect_exceptions, detect_once
from pipeline.notify.dispatch import SendPolicy, send_due
from pipeline.playbooks.policy import load_policy
from pipeline.playbooks.runner import run_one, run_playbooks
from tests.pipeline.exceptions.streams import carrier_event, exceptions_of, load, order_until
from tests.pipeline.notify.servers import sms_provider, smtp_server
from tests.pipeline.playbooks.world import (
    PLACED,
    audit_trail,
    emitted,
    order_hold,
    settings,
    smtp_settings,
    who_caused,
)

ISSUE_AT = PLACED + timedelta(hours=13)
NOW = PLACED + timedelta(hours=14)
ONE_TRY = SendPolicy(attempts=1)
LINK = re.compile(r"https://track\.example/v1/address-confirmations/(\S+)")
AGENT = Actor.person("support_agent", "support_agent")


def address_problem(target: Connection | Engine, order_id: str, **order) -> None:
    events = [
        *order_until(order_id, PLACED, "DEPARTED_HUB", **order),
        carrier_event("ADDRESS_ISSUE", order_id, ISSUE_AT, reason="incomplete_address"),
    ]
    if isinstance(target, Connection):
        load(target, events)
        detect_once(target, now=NOW)
        return
    load(target, events)
    detect_exceptions(target, now=NOW)


def destination(target: Engine, order_id: str) -> tuple:
    with target.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT destination_postal_code, destination_country FROM customer_order WHERE order_id = :o"
                ),
                {"o": order_id},
            ).one()
        )


def test_the_customer_confirms_through_the_emailed_link_and_the_hold_is_released(
    fresh_engine: Engine,
) -> None:
    address_problem(fresh_engine, "SO-53000001", phone=None)

    with smtp_server() as (inbox, port):
        mail = smtp_settings(port)
        report = run_playbooks(fresh_engine, now=NOW, settings=mail)
        on_hold = order_hold(fresh_engine, "SO-53000001")
        send_due(fresh_engine, NOW, settings=mail, policy=ONE_TRY)

    ((recipients, email),) = inbox.received
    assert recipients == ["ann.lee@example.com"] and on_hold and report.acted == 1
    assert email["Subject"] == "Please confirm the delivery address for order SO-53000001"
    token = LINK.search(email.get_payload(decode=True).decode()).group(1)

    with fresh_engine.begin() as conn:
        result = confirm_address(conn, token, now=NOW + timedelta(hours=3), settings=mail)

    (exception,) = exceptions_of(fresh_engine, "SO-53000001")
    assert result.changed and exception["state"] == "resolved"
    assert order_hold(fresh_engine, "SO-53000001") is False
    assert [kind for kind, _ in emitted(fresh_engine, "SO-53000001")] == [
        "ORDER_ON_HOLD",
        "ORDER_HOLD_RELEASED",
    ]
    assert audit_trail(fresh_engine, exception["exception_id"]) == [
        ("automation:address_confirmation", "request_address_confirmation"),
        ("automation:address_confirmation", "release_address_hold"),
    ]
    assert who_caused(fresh_engine, "SO-53000001") == [
        ("ORDER_ON_HOLD", "automation:address_confirmation", "automation", "request_address_confirmation"),
        ("ORDER_HOLD_RELEASED", "automation:address_confirmation", "automation", "release_address_hold"),
    ]
    assert destination(fresh_engine, "SO-53000001") == ("60614", "US")  # never changed by automation
    assert run_playbooks(fresh_engine, now=NOW + timedelta(hours=4), settings=mail).outcomes == []


def test_no_answer_in_time_goes_to_a_person_and_a_late_answer_still_releases_the_hold(
    fresh_engine: Engine,
) -> None:
    address_problem(fresh_engine, "SO-53000002", phone=None)
    with smtp_server() as (inbox, port):
        mail = smtp_settings(port)
        run_playbooks(fresh_engine, now=NOW, settings=mail)
        sent = NOW + timedelta(minutes=5)
        send_due(fresh_engine, sent, settings=mail, policy=ONE_TRY)
    token = LINK.search(inbox.received[0][1].get_payload(decode=True).decode()).group(1)

    hours = load_policy().address.answer_within_hours
    assert run_playbooks(fresh_engine, now=sent + timedelta(hours=hours - 1), settings=mail).outcomes == []
    report = run_playbooks(fresh_engine, now=sent + timedelta(hours=hours), settings=mail)

    (exception,) = exceptions_of(fresh_engine, "SO-53000002")
    assert report.escalated == 1 and exception["state"] == "escalated"
    assert exception["escalation_reason"] == (
        "No answer from the customer within 24 hours of the address confirmation request."
    )
    assert actions_for(exception, "support_agent")[0] == "release_address_hold"
    assert order_hold(fresh_engine, "SO-53000002") is True

    with fresh_engine.begin() as conn:
        confirm_address(conn, token, now=sent + timedelta(hours=hours + 2), settings=mail)
    (after,) = exceptions_of(fresh_engine, "SO-53000002")
    assert after["state"] == "resolved" and order_hold(fresh_engine, "SO-53000002") is False


def test_a_request_that_never_went_out_is_escalated_and_the_person_releases_the_hold_in_one_click(
    conn: Connection,
) -> None:
    address_problem(conn, "SO-53000003")
    policy = load_policy()
    (exception,) = exceptions_of(conn, "SO-53000003")
    run_one(
        conn, exception["exception_id"], now=NOW, settings=settings(), policy=policy
    )  # no sender configured

    later = NOW + timedelta(hours=policy.address.answer_within_hours)
    outcome = run_one(conn, exception["exception_id"], now=later, settings=settings(), policy=policy)

    (escalated,) = exceptions_of(conn, "SO-53000003")
    assert outcome.outcome == "escalated"
    assert escalated["escalation_reason"] == "The address confirmation request has not gone out in 24 hours."
    assert escalated["suggested_label"] == "Checked the address with the customer by phone: release the hold"
    name = actions_for(escalated, "support_agent")[0]
    perform(conn, AGENT, name, escalated["exception_id"], now=later, settings=settings())
    (after,) = exceptions_of(conn, "SO-53000003")
    assert after["state"] == "resolved" and order_hold(conn, "SO-53000003") is False


def test_a_customer_without_email_or_phone_is_not_put_on_hold_but_left_to_a_person(conn: Connection) -> None:
    address_problem(conn, "SO-53000004", email=None, phone=None)
    (exception,) = exceptions_of(conn, "SO-53000004")

    outcome = run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())

    (after,) = exceptions_of(conn, "SO-53000004")
    assert outcome.outcome == "escalated"
    assert after["escalation_reason"] == (
        "Could not ask the customer to confirm the address: the customer has no email or phone on the order."
    )
    assert actions_for(after, "support_agent")[0] == "resolve"
    assert order_hold(conn, "SO-53000004") is False
    assert audit_trail(conn, exception["exception_id"]) == [("automation:address_confirmation", "escalate")]


def test_an_address_problem_known_for_days_is_left_to_a_person_without_hold_or_message(
    conn: Connection,
) -> None:
    """History read for the first time: the parcel may long since have come back or been delivered."""
    address_problem(conn, "SO-53000011")
    (exception,) = exceptions_of(conn, "SO-53000011")
    days_later = NOW + timedelta(days=5)

    outcome = run_one(
        conn, exception["exception_id"], now=days_later, settings=settings(), policy=load_policy()
    )

    (after,) = exceptions_of(conn, "SO-53000011")
    assert outcome.outcome == "escalated"
    assert "too late for an automatic message" in after["escalation_reason"]
    assert order_hold(conn, "SO-53000011") is False
    with conn.begin_nested():
        written = conn.execute(
            text("SELECT count(*) FROM notification WHERE order_id = 'SO-53000011'")
        ).scalar_one()
    assert written == 0


def test_a_text_message_the_provider_rejects_hands_the_exception_to_a_person(fresh_engine: Engine) -> None:
    address_problem(fresh_engine, "SO-53000005", email=None)
    with sms_provider() as (texts, base_url):
        texts.fail_with = [400]
        sms = settings(sms_provider_url=base_url, sms_api_key="sms-key")
        run_playbooks(fresh_engine, now=NOW, settings=sms)
        send_due(fresh_engine, NOW, settings=sms, policy=ONE_TRY)
        report = run_playbooks(fresh_engine, now=NOW + timedelta(minutes=1), settings=sms)

    (exception,) = exceptions_of(fresh_engine, "SO-53000005")
    assert report.escalated == 1
    assert exception["escalation_reason"].startswith(
        "The customer could not be reached: the text message asking to confirm the address could not be delivered"
    )
    assert actions_for(exception, "support_agent")[0] == "release_address_hold"
    assert order_hold(fresh_engine, "SO-53000005") is True


def test_a_delivery_attempt_without_access_is_an_address_issue_the_playbook_takes(conn: Connection) -> None:
    load(conn, [
        *order_until("SO-53000006", PLACED, "OUT_FOR_DELIVERY"),
        carrier_event("DELIVERY_ATTEMPTED", "SO-53000006", PLACED + timedelta(hours=40), reason="no_access"),
    ])  # fmt: skip
    detect_once(conn, now=PLACED + timedelta(hours=41))
    (exception,) = exceptions_of(conn, "SO-53000006")

    outcome = run_one(
        conn,
        exception["exception_id"],
        now=PLACED + timedelta(hours=41),
        settings=settings(),
        policy=load_policy(),
    )

    assert (outcome.playbook, outcome.outcome) == ("address_confirmation", "acted")
    assert order_hold(conn, "SO-53000006") is True


def test_a_delivery_that_settles_the_address_issue_also_lifts_the_playbooks_hold(conn: Connection) -> None:
    address_problem(conn, "SO-53000007")
    (exception,) = exceptions_of(conn, "SO-53000007")
    run_one(conn, exception["exception_id"], now=NOW, settings=settings(), policy=load_policy())
    assert order_hold(conn, "SO-53000007") is True

    load(conn, [carrier_event("DELIVERED", "SO-53000007", NOW + timedelta(hours=20))])
    detect_once(conn, now=NOW + timedelta(hours=21))

    (after,) = exceptions_of(conn, "SO-53000007")
    assert after["state"] == "resolved" and after["resolution"].startswith("Delivered at")
    assert order_hold(conn, "SO-53000007") is False
    assert [kind for kind, _ in emitted(conn, "SO-53000007")] == ["ORDER_ON_HOLD", "ORDER_HOLD_RELEASED"]
