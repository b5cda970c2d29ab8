"""The canonical event stream and what surrounds it: the raw inbox, identity keys, quarantine, registry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Identity,
    Index,
    LargeBinary,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class RawInbox(Base):
    """Every payload exactly as received. The pipeline reads from here and never deletes a row."""

    __tablename__ = "raw_inbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
        # Workers claim pending payloads in arrival order with FOR UPDATE SKIP LOCKED; the partial
        # index holds only the backlog, so claiming stays cheap however long history grows.
        Index("ix_raw_inbox_pending", "raw_id", postgresql_where=text("status = 'pending'")),
    )

    raw_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source: Mapped[str]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    correlation_id: Mapped[str]
    content_type: Mapped[str] = mapped_column(server_default="application/json")
    headers: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    processed_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(BigInteger)


class Event(Base):
    """Canonical events, partitioned by month of `occurred_at` (see README, "Events table design").

    The UTC instant is the truth; `local_time`, `time_zone` and `utc_offset_minutes` are the
    facility-local wall clock at that instant, kept for people.
    """

    __tablename__ = "event"
    __table_args__ = (
        # Order timeline and per-order KPI arithmetic: all events of one order in time order.
        Index("ix_event_order_occurred", "order_id", "occurred_at"),
        # KPI rollups: one event type over a period (DELIVERED this week, PACK_COMPLETED today).
        Index("ix_event_type_occurred", "event_type", "occurred_at"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    event_pk: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True), primary_key=True)
    source: Mapped[str]
    event_id: Mapped[str]
    event_type: Mapped[str]
    stage: Mapped[str]
    severity: Mapped[str]
    schema_version: Mapped[int] = mapped_column(SmallInteger)
    local_time: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=False))
    time_zone: Mapped[str | None]
    utc_offset_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    order_id: Mapped[str]
    facility_id: Mapped[str | None]
    shipment_id: Mapped[str | None]
    carrier: Mapped[str | None]
    tracking_number: Mapped[str | None]
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    attributes: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    received_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    loaded_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True), server_default=func.now())
    raw_id: Mapped[int | None] = mapped_column(BigInteger)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)


class EventKey(Base):
    """Identity of every loaded event, outside the partitions so that uniqueness spans all months.

    `(source, event_id)` is the identity; `semantic_key` (a hash of carrier, tracking number,
    canonical type, UTC instant and raw code) catches carrier scans resent with another id or text.
    """

    __tablename__ = "event_key"
    __table_args__ = (
        Index(
            "uq_event_key_semantic",
            "semantic_key",
            unique=True,
            postgresql_where=text("semantic_key IS NOT NULL"),
        ),
    )

    source: Mapped[str] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(primary_key=True)
    semantic_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))


class Quarantine(Base):
    """A payload, or one record of it, that could not become a canonical event, and why."""

    __tablename__ = "quarantine"
    __table_args__ = (
        # `waypoint quarantine list` and the Data Health page show the unresolved ones per source.
        Index("ix_quarantine_open", "source", "quarantined_at", postgresql_where=text("resolved_at IS NULL")),
        # Parked carrier scans are replayed when a label introduces their tracking number.
        Index(
            "ix_quarantine_parked",
            "lookup_key",
            postgresql_where=text("resolved_at IS NULL AND reason_code = 'unmatched_tracking_number'"),
        ),
    )

    quarantine_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    raw_id: Mapped[int | None] = mapped_column(BigInteger)
    record_index: Mapped[int | None] = mapped_column(doc="Position of the record within a batch payload")
    source: Mapped[str]
    reason_code: Mapped[str] = mapped_column(doc="unknown_code, schema_violation, invalid_timestamp, …")
    field: Mapped[str | None]
    rule: Mapped[str | None]
    message: Mapped[str]
    record: Mapped[bytes] = mapped_column(LargeBinary, doc="The rejected bytes as received")
    lookup_key: Mapped[str | None] = mapped_column(doc="What would let it through, e.g. the tracking number")
    quarantined_at: Mapped[datetime] = mapped_column(server_default=func.now())
    replay_count: Mapped[int] = mapped_column(server_default="0")
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None]


class EventSchema(Base):
    """The schema registry: one row per event type and version, loaded from pipeline/schemas/events/."""

    __tablename__ = "event_schema"
    __table_args__ = (
        CheckConstraint("stage IN ('fulfillment', 'carrier', 'post_delivery')", name="stage"),
        CheckConstraint("severity IN ('info', 'warning', 'critical')", name="severity"),
    )

    event_type: Mapped[str] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    stage: Mapped[str]
    severity: Mapped[str]
    customer_text: Mapped[str]
    internal_text: Mapped[str]
    attributes_schema: Mapped[dict] = mapped_column(JSONB)
    fingerprint: Mapped[str] = mapped_column(doc="sha256 of the canonical JSON of the definition")
    registered_at: Mapped[datetime] = mapped_column(server_default=func.now())
