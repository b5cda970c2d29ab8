"""Handing an exception to a person when a playbook cannot act: the reason in plain words, the next step
the queue offers as its first button, and, where the next step is a message, a draft of what to say.

Everything goes through the action service as the playbook, so the audit log shows who gave up and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from pipeline.actions import ActionResult, Actor, perform
from pipeline.notify.templates import load_templates, message_context, render
from pipeline.settings import Settings

UNSENT = frozenset({"failed", "expired"})  # notification.status of a message that never reached anyone
# A provider's later word (notification.delivery_status) that a message it accepted did not arrive.
PROVIDER_FAILURES = frozenset({"failed", "bounced", "undelivered", "undeliverable", "rejected"})
REASON_LIMIT = 500  # EscalateParams.reason
LABEL_LIMIT = 200  # EscalateParams.suggested_label

_CONTACT = text("SELECT customer_email, customer_phone FROM customer_order WHERE order_id = :order_id")


@dataclass(frozen=True)
class NextStep:
    """What the queue should offer first: an action of the permission table, its button and parameters."""

    action: str
    label: str
    params: dict[str, Any] | None = None
    draft: str | None = None  # what the suggested message says; the reason quotes it


def fit(words: str, limit: int) -> str:
    """`words` cut to `limit` characters, with an ellipsis when something was cut."""
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def escalate(
    conn: Connection,
    playbook: str,
    exception_id: int,
    reason: str,
    step: NextStep | None,
    *,
    now: datetime,
    settings: Settings,
) -> ActionResult:
    reason = reason if reason.endswith((".", "…")) else reason + "."
    if step is not None and step.draft:
        quoted = f' Suggested message: "{step.draft}"'
        reason = fit(reason, REASON_LIMIT - len(quoted)) + quoted
    return perform(
        conn,
        Actor.automation(playbook),
        "escalate",
        exception_id,
        reason=fit(reason, REASON_LIMIT),
        suggested_action=step.action if step else None,
        suggested_label=fit(step.label, LABEL_LIMIT) if step else None,
        suggested_params=step.params if step else None,
        now=now,
        settings=settings,
    )


def not_delivered(message: Mapping[str, Any]) -> bool:
    """Whether an outbox row (status, delivery_status) says the customer did not get the message: sending
    failed or expired, or the provider reported it undelivered after accepting it."""
    return message["status"] in UNSENT or message.get("delivery_status") in PROVIDER_FAILURES


def undelivered(what: str, message: Mapping[str, Any]) -> str:
    """Why the customer was not reached, from an outbox row (channel, status, delivery_status, last_error)."""
    if message["status"] == "expired":
        fate = "expired before it could be sent"
    elif message["status"] == "sent":
        fate = f"was not delivered (the provider reported it {message['delivery_status']})"
    else:
        fate = "could not be delivered"
    error = f" ({message['last_error']})" if message["last_error"] else ""
    channel = "text message" if message["channel"] == "sms" else "email"
    return f"The customer could not be reached: the {channel} {what} {fate}{error}"


def reachable(conn: Connection, order_id: str) -> bool:
    """Whether the order has an email address or a phone number to write to."""
    row = conn.execute(_CONTACT, {"order_id": order_id}).first()
    return row is not None and any(row)


def draft(order_id: str, message_type: str, detail: Mapping[str, Any]) -> str:
    """The email body the suggested 'Notify the customer' button would send, as one line."""
    book = load_templates()
    _, body = render(book, message_type, "email", message_context(book, order_id, detail))
    return " ".join(body.split())


def known_since(exception: Mapping[str, Any]) -> datetime:
    """When the trouble became known: a silence once it crossed its threshold, an event-borne trouble when
    its latest evidence was read (a new delay scan makes the delay news again)."""
    detail = exception["detail"] or {}
    if detail.get("silent_since") and detail.get("threshold_hours") is not None:
        since = datetime.fromisoformat(detail["silent_since"])
        return since + timedelta(hours=float(detail["threshold_hours"]))
    return exception["last_evidence_at"]


def too_late_to_write(
    exception: Mapping[str, Any], now: datetime, settings: Settings, about: str
) -> str | None:
    """Why no automatic message should go out about this exception any more, or None while one may.

    A message older than `notify_max_age_hours` is expired rather than sent late; the same holds for a
    cause that old (history read for the first time, a feed that was down): the parcel may long since
    have arrived, so a person checks before anyone writes."""
    since = known_since(exception)
    if now - since <= timedelta(hours=settings.notify_max_age_hours):
        return None
    days = (now - since).total_seconds() / 86_400
    return (
        f"The {about} has been known since {since:%b %-d, %Y %H:%M} UTC ({days:.0f} days): too late for an "
        "automatic message. Check with the carrier before writing to the customer"
    )
