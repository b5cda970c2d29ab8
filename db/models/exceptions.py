"""Exceptions the rules open over the canonical stream, the detector's read position, and the customer
notification outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

EXCEPTION_STATES = ("open", "automating", "escalated", "resolved")
ROOT_CAUSES = (
    "inventory_mismatch",
    "carrier_delay",
    "address_issue",
    "damage",
    "lost",
    "silent_carrier",
    "other",
    "pipeline_health",
)
SEVERITIES = ("low", "medium", "high", "critical")
CHANNELS = ("email", "sms")
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "expired")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class OrderException(Base):
    """One problem with one order: what the rules saw (evidence), how bad it is, and where it stands.

    At most one unresolved exception per (order, root cause): new evidence updates it. `state_changes`
    counts transitions, so "one customer message per exception and state change" has a key.
    """

    __tablename__ = "order_exception"
    __table_args__ = (
        CheckConstraint(_one_of("state", EXCEPTION_STATES), name="state"),
        CheckConstraint(_one_of("root_cause", ROOT_CAUSES), name="root_cause"),
        CheckConstraint(_one_of("severity", SEVERITIES), name="severity"),
        Index(
            "uq_order_exception_unresolved",
            "order_id",
            "root_cause",
            unique=True,
            postgresql_where=text("state <> 'resolved'"),
        ),
        # The queue and "N new since you opened": unresolved exceptions by when they were opened.
        Index(
            "ix_order_exception_unresolved_opened", "opened_at", postgresql_where=text("state <> 'resolved'")
        ),
        # An order's exceptions, resolved ones included (order timeline, re-open guard of silent rules).
        Index("ix_order_exception_order", "order_id", "opened_at"),
    )

    exception_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    exception_type: Mapped[str] = mapped_column(
        doc="The rule of the latest evidence: PICK_SHORT, STAGE_STUCK, …"
    )
    root_cause: Mapped[str]
    severity: Mapped[str]
    state: Mapped[str] = mapped_column(server_default="open")
    order_id: Mapped[str]
    shipment_id: Mapped[str | None]
    facility_id: Mapped[str | None]
    carrier_id: Mapped[str | None]
    occurred_at: Mapped[datetime] = mapped_column(doc="When the problem first showed (first evidence)")
    opened_at: Mapped[datetime] = mapped_column(doc="When Waypoint opened the exception")
    updated_at: Mapped[datetime]
    last_evidence_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    promise_at_risk: Mapped[bool] = mapped_column(server_default="false")
    promised_delivery_by: Mapped[datetime | None]
    evidence: Mapped[list] = mapped_column(
        JSONB, server_default="[]", doc="[{event_pk, source, event_id, event_type, occurred_at} | {rule, …}]"
    )
    evidence_count: Mapped[int] = mapped_column(server_default="0")
    detail: Mapped[dict] = mapped_column(JSONB, server_default="{}", doc="Rule facts: short lines, reason, …")
    state_changes: Mapped[int] = mapped_column(server_default="0")
    automation: Mapped[str | None] = mapped_column(doc="Playbook working on it while automating")
    assigned_to: Mapped[str | None]
    assigned_at: Mapped[datetime | None]
    escalation_reason: Mapped[str | None]
    suggested_action: Mapped[str | None] = mapped_column(doc="Action the queue offers first when escalated")
    suggested_label: Mapped[str | None]
    suggested_params: Mapped[dict | None] = mapped_column(JSONB)
    resolution: Mapped[str | None] = mapped_column(doc="Why it was resolved, in plain words")
    resolved_by: Mapped[str | None]


class ExceptionCheckpoint(Base):
    """How far the detector has read the event stream (highest event_pk, and the holes below it)."""

    __tablename__ = "exception_checkpoint"

    name: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[dict] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Notification(Base):
    """The outbox: a customer message, written in the transaction of its cause, sent by `send_due`.

    The recipient is read from customer_order when the message is sent; personal data stays there.
    """

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("status", NOTIFICATION_STATUSES), name="status"),
        Index("uq_notification_dedupe_key", "dedupe_key", unique=True),
        Index("ix_notification_due", "due_at", postgresql_where=text("status = 'pending'")),
        Index("ix_notification_order", "order_id", "created_at"),
        Index(
            "uq_notification_provider_message",
            "channel",
            "provider_message_id",
            unique=True,
            postgresql_where=text("provider_message_id IS NOT NULL"),
        ),
    )

    notification_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[str]
    exception_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("order_exception.exception_id", ondelete="SET NULL")
    )
    message_type: Mapped[str]
    channel: Mapped[str]
    dedupe_key: Mapped[str] = mapped_column(doc="One message per customer, exception, state change and type")
    subject: Mapped[str | None]
    body: Mapped[str]
    status: Mapped[str] = mapped_column(server_default="pending")
    created_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(doc="Not before: quiet hours, then the retry backoff")
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    sent_at: Mapped[datetime | None]
    provider_message_id: Mapped[str | None]
    delivery_status: Mapped[str | None] = mapped_column(doc="accepted, queued, delivered, failed, …")
    delivery_status_at: Mapped[datetime | None]
