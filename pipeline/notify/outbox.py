"""The notification outbox: messages written in the same transaction as their cause, sent later by
`send_due` (pipeline/notify/dispatch.py), their delivery status kept for the order timeline.

One message per customer per exception, state change and message type: the dedupe key says so, and a
second enqueue with the same key writes nothing. The recipient is not copied here: it is read from
customer_order when the message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from pipeline.notify.quiet_hours import next_send_time, parse_quiet_hours
from pipeline.notify.templates import TemplateBook, load_templates, render
from pipeline.settings import Settings

_CONTACT = text(
    "SELECT customer_email, customer_phone, destination_time_zone FROM customer_order WHERE order_id = :order_id"
)
_INSERT = text(
    """
    INSERT INTO notification (order_id, exception_id, message_type, channel, dedupe_key, subject, body, status,
                              created_at, due_at)
    VALUES (:order_id, :exception_id, :message_type, :channel, :dedupe_key, :subject, :body, 'pending',
            :created_at, :due_at)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING notification_id
    """
)
_EXISTING = text(
    "SELECT notification_id, status, created_at FROM notification WHERE dedupe_key = :dedupe_key"
)
_FOR_ORDER = text(
    """
    SELECT notification_id, exception_id, message_type, channel, subject, body, status, created_at, due_at,
           attempts, last_attempt_at, last_error, sent_at, delivery_status, delivery_status_at
    FROM notification WHERE order_id = :order_id ORDER BY created_at, notification_id
    """
)
_DELIVERY = text(
    "UPDATE notification SET delivery_status = :status, delivery_status_at = :at"
    " WHERE channel = :channel AND provider_message_id = :provider_message_id"
    "   AND (delivery_status_at IS NULL OR delivery_status_at <= :at)"
)


class NoContactError(LookupError):
    """The order has neither an email address nor a phone number the template could use."""

    field = "customer"
    rule = "no_contact"


@dataclass(frozen=True)
class Enqueued:
    notification_id: int
    channel: str
    due_at: datetime
    created: bool  # False: the same message (dedupe key) was already in the outbox


def dedupe_key(order_id: str, exception_id: int | None, state_changes: int, message_type: str) -> str:
    return f"{order_id}:{exception_id or '-'}:{state_changes}:{message_type}"


def enqueue(
    conn: Connection,
    *,
    order_id: str,
    message_type: str,
    context: dict[str, str],
    key: str,
    now: datetime,
    settings: Settings,
    exception_id: int | None = None,
    book: TemplateBook | None = None,
) -> Enqueued:
    """Write a message to the outbox (due now, or when the customer's quiet hours end)."""
    book = book or load_templates()
    existing = conn.execute(_EXISTING, {"dedupe_key": key}).mappings().first()
    if existing is not None:
        return Enqueued(existing["notification_id"], "", existing["created_at"], created=False)
    contact = conn.execute(_CONTACT, {"order_id": order_id}).mappings().first() or {}
    channel = _channel(book.template(message_type).channels, contact)
    subject, body = render(book, message_type, channel, context)
    due_at = next_send_time(
        now, contact.get("destination_time_zone"), parse_quiet_hours(settings.notify_quiet_hours)
    )
    created = conn.execute(
        _INSERT,
        {
            "order_id": order_id,
            "exception_id": exception_id,
            "message_type": message_type,
            "channel": channel,
            "dedupe_key": key,
            "subject": subject,
            "body": body,
            "created_at": now,
            "due_at": due_at,
        },
    ).scalar()
    if created is None:  # a concurrent enqueue of the same message won
        row = conn.execute(_EXISTING, {"dedupe_key": key}).mappings().one()
        return Enqueued(row["notification_id"], channel, due_at, created=False)
    return Enqueued(created, channel, due_at, created=True)


def _channel(preferred: tuple[str, ...], contact: dict[str, Any]) -> str:
    for channel in preferred:
        if channel == "email" and contact.get("customer_email"):
            return "email"
        if channel == "sms" and contact.get("customer_phone"):
            return "sms"
    raise NoContactError(f"customer: the order has no {' or '.join(preferred)} contact (rule: no_contact)")


def order_notifications(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """Every message to an order's customer, oldest first, with its send and delivery status."""
    return [dict(row) for row in conn.execute(_FOR_ORDER, {"order_id": order_id}).mappings()]


def record_delivery_status(
    conn: Connection, *, channel: str, provider_message_id: str, status: str, at: datetime
) -> bool:
    """A provider's later word on a message (delivered, failed, bounced …); an older report never
    overwrites a newer one. False when nothing changed (no message with that id, or an older report)."""
    result = conn.execute(
        _DELIVERY,
        {"channel": channel, "provider_message_id": provider_message_id, "status": status, "at": at},
    )
    return result.rowcount > 0
