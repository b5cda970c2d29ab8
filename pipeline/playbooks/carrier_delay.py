"""Playbook for a carrier delay (the carrier said so, or went silent): tell the customer once — one
message per exception and state change, never one per repeated scan — and recompute the shipment's ETA.
A person takes over when the customer cannot be reached (no email or phone, or the message failed), and
when the delay became known too long ago for an automatic "running late" message to make sense (history
read for the first time, a feed that was down): `notify_max_age_hours`, as for any message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from pipeline.actions import ActionRefusedError, Actor, perform
from pipeline.playbooks.escalation import NextStep, escalate, not_delivered, too_late_to_write, undelivered
from pipeline.playbooks.eta_refresh import refresh_eta
from pipeline.playbooks.policy import CARRIER_DELAY_PLAYBOOK
from pipeline.playbooks.report import PlaybookOutcome
from pipeline.settings import Settings

UNREACHABLE = NextStep("resolve", "Customer unreachable: note how you told them (or why not), then resolve")
TOO_LATE = NextStep("notify_customer", "Check with the carrier, then tell the customer if it still matters")

_LAST_MESSAGE = text(
    "SELECT channel, status, delivery_status, last_error FROM notification WHERE exception_id = :exception_id"
    " ORDER BY created_at DESC, notification_id DESC LIMIT 1"
)


def tell_customer_about_delay(
    conn: Connection, exception: Mapping[str, Any], *, now: datetime, settings: Settings
) -> PlaybookOutcome:
    """Take the exception (open -> automating), queue the customer message, recompute the ETA."""
    actor = Actor.automation(CARRIER_DELAY_PLAYBOOK)
    exception_id = exception["exception_id"]
    stale = too_late_to_write(exception, now, settings, "delay")
    if stale is not None:
        return _escalated(conn, exception, stale, now, settings, TOO_LATE)
    try:
        with conn.begin_nested():
            if exception["state"] == "open":
                perform(
                    conn,
                    actor,
                    "automate",
                    exception_id,
                    playbook=CARRIER_DELAY_PLAYBOOK,
                    now=now,
                    settings=settings,
                )
            result = perform(conn, actor, "notify_customer", exception_id, now=now, settings=settings)
    except ActionRefusedError as error:
        reason = f"Could not tell the customer about the delay: {error.message}"
        return _escalated(conn, exception, reason, now, settings)
    message = result.message
    if exception["shipment_id"]:
        message += f"; {refresh_eta(conn, exception['shipment_id'], now)}"
    return PlaybookOutcome(exception_id, CARRIER_DELAY_PLAYBOOK, "acted", message)


def follow_up_delay(
    conn: Connection, exception: Mapping[str, Any], *, now: datetime, settings: Settings
) -> PlaybookOutcome:
    """The message is out: hand the exception to a person if it could not be delivered."""
    last = conn.execute(_LAST_MESSAGE, {"exception_id": exception["exception_id"]}).mappings().first()
    if last is None:  # handed to this playbook before anyone wrote to the customer
        return tell_customer_about_delay(conn, exception, now=now, settings=settings)
    if not_delivered(last):
        reason = undelivered("about the delay", last)
        return _escalated(conn, exception, reason, now, settings)
    return PlaybookOutcome(
        exception["exception_id"],
        CARRIER_DELAY_PLAYBOOK,
        "waiting",
        f"Customer message {last['status']}; waiting for delivery",
    )


def _escalated(
    conn: Connection,
    exception: Mapping[str, Any],
    reason: str,
    now: datetime,
    settings: Settings,
    step: NextStep = UNREACHABLE,
) -> PlaybookOutcome:
    escalate(
        conn, CARRIER_DELAY_PLAYBOOK, exception["exception_id"], reason, step, now=now, settings=settings
    )
    return PlaybookOutcome(exception["exception_id"], CARRIER_DELAY_PLAYBOOK, "escalated", reason)
