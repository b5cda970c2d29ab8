"""Playbook for an address issue: hold the order and ask the customer to confirm the address (email or SMS
with a signed, expiring link); the customer's click releases the hold (pipeline.actions.confirm_address).
A person takes over when the customer cannot be reached, has not answered within the policy's hours of
the request going out, or the problem has been known too long for an automatic request. The address
itself is never changed here: only the customer or a person can.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from pipeline.actions import ActionRefusedError, Actor, perform
from pipeline.exceptions.handlers import ADDRESS_PLAYBOOK
from pipeline.playbooks.escalation import NextStep, escalate, not_delivered, too_late_to_write, undelivered
from pipeline.playbooks.policy import PlaybookPolicy
from pipeline.playbooks.report import PlaybookOutcome
from pipeline.settings import Settings

CALL_THE_CUSTOMER = NextStep(
    "release_address_hold", "Checked the address with the customer by phone: release the hold"
)
NO_CONTACT = NextStep(
    "resolve", "No way to reach the customer: settle the address with the carrier, then resolve"
)
CHECK_BY_HAND = NextStep("resolve", "Check the address with the customer and the carrier, then resolve")

_MESSAGE = text(
    "SELECT channel, status, delivery_status, sent_at, last_error FROM notification"
    " WHERE notification_id = :notification_id"
)


def ask_for_address(
    conn: Connection, exception: Mapping[str, Any], *, now: datetime, settings: Settings
) -> PlaybookOutcome:
    """Hold the order and send the confirmation request; escalate when that cannot be done."""
    stale = too_late_to_write(exception, now, settings, "address problem")
    if stale is not None:
        return _escalated(conn, exception, stale, CHECK_BY_HAND, now, settings)
    try:
        with conn.begin_nested():
            result = perform(
                conn, Actor.automation(ADDRESS_PLAYBOOK), "request_address_confirmation", exception["exception_id"],
                now=now, settings=settings,
            )  # fmt: skip
    except ActionRefusedError as error:
        step = NO_CONTACT if error.rule == "no_contact" else CHECK_BY_HAND
        reason = f"Could not ask the customer to confirm the address: {error.message}"
        return _escalated(conn, exception, reason, step, now, settings)
    return PlaybookOutcome(exception["exception_id"], ADDRESS_PLAYBOOK, "acted", result.message)


def follow_up_address(
    conn: Connection,
    exception: Mapping[str, Any],
    *,
    now: datetime,
    settings: Settings,
    policy: PlaybookPolicy,
) -> PlaybookOutcome:
    """A request is out: hand it to a person when the message failed or the customer has not answered."""
    request = exception["detail"].get("address_confirmation")
    if request is None:  # handed to this playbook before anyone asked
        return ask_for_address(conn, exception, now=now, settings=settings)
    message = conn.execute(_MESSAGE, {"notification_id": request["notification_id"]}).mappings().first()
    if message is not None and not_delivered(message):
        reason = undelivered("asking to confirm the address", message)
        return _escalated(conn, exception, reason, CALL_THE_CUSTOMER, now, settings)
    sent_at = message["sent_at"] if message is not None else None
    started = sent_at or datetime.fromisoformat(request["requested_at"])
    hours = policy.address.answer_within_hours
    deadline = min(started + timedelta(hours=hours), datetime.fromisoformat(request["expires_at"]))
    if now < deadline:
        return PlaybookOutcome(
            exception["exception_id"],
            ADDRESS_PLAYBOOK,
            "waiting",
            f"Waiting for the customer until {deadline:%Y-%m-%d %H:%M} UTC",
        )
    if sent_at is None:
        reason = f"The address confirmation request has not gone out in {hours:g} hours"
    else:
        reason = f"No answer from the customer within {hours:g} hours of the address confirmation request"
    return _escalated(conn, exception, reason, CALL_THE_CUSTOMER, now, settings)


def _escalated(
    conn: Connection,
    exception: Mapping[str, Any],
    reason: str,
    step: NextStep,
    now: datetime,
    settings: Settings,
) -> PlaybookOutcome:
    escalate(conn, ADDRESS_PLAYBOOK, exception["exception_id"], reason, step, now=now, settings=settings)
    return PlaybookOutcome(exception["exception_id"], ADDRESS_PLAYBOOK, "escalated", reason)
