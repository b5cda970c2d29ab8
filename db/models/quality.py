"""Data quality (issue #7): what the quality checks found and did, events they inferred or corrected, the SKU
master as cleansed, and the pipeline's health measured source by source."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Double, Identity, Index, Numeric, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.events import RawInbox

FINDING_AREAS = ("timestamp", "backfill", "sku_master", "health")
FINDING_ACTIONS = ("corrected", "quarantined", "refetched", "inferred", "retired", "flagged")
REMEDIES = ("inferred", "time_corrected")
GAP_STATES = ("open", "refetched", "inferred", "closed")
HEALTH_STATUSES = ("ok", "breach", "no_data")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class QualityFinding(Base):
    """One thing a quality rule found, and what was done about it (`waypoint dq report` counts these).

    `finding_key` makes a finding idempotent: the same rule on the same record (a replay, a re-fetch) is
    recorded once.
    """

    __tablename__ = "quality_finding"
    __table_args__ = (
        CheckConstraint(_one_of("area", FINDING_AREAS), name="area"),
        CheckConstraint(_one_of("action", FINDING_ACTIONS), name="action"),
        Index("ix_quality_finding_found_at", "found_at"),
    )

    finding_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finding_key: Mapped[str] = mapped_column(unique=True, doc="area|rule|source|record: one row per finding")
    area: Mapped[str]
    rule: Mapped[str]
    source: Mapped[str]
    action: Mapped[str]
    order_id: Mapped[str | None]
    event_id: Mapped[str | None]
    detail: Mapped[dict] = mapped_column(JSONB, server_default="{}", doc="What was seen and what was decided")
    found_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EventRemedy(Base):
    """An event Waypoint inferred or whose time it corrected, keyed like the event; the rule that did it and
    the original time (the event types' attribute schemas admit no extra keys, so it is kept here)."""

    __tablename__ = "event_remedy"
    __table_args__ = (
        CheckConstraint(_one_of("remedy", REMEDIES), name="remedy"),
        # The quality gate asks, for every batch, whether an observed event supersedes an inferred one.
        Index(
            "ix_event_remedy_open_inferred",
            "order_id",
            postgresql_where=text("remedy = 'inferred' AND superseded_at IS NULL"),
        ),
    )

    source: Mapped[str] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(primary_key=True)
    remedy: Mapped[str]
    rule: Mapped[str]
    order_id: Mapped[str]
    event_type: Mapped[str]
    shipment_id: Mapped[str | None]
    original_occurred_at: Mapped[datetime | None] = mapped_column(
        doc="The time the source gave (corrections)"
    )
    occurred_at: Mapped[datetime] = mapped_column(doc="The time the event was loaded with")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    superseded_at: Mapped[datetime | None] = mapped_column(doc="Inferred: when an observed event replaced it")
    superseded_by: Mapped[str | None] = mapped_column(doc="source:event_id of the observed event")


class SequenceWatermark(Base):
    """Per source with a sequence (WMS change log, store tool cursor): the last sequence the quality gate
    saw and the times of the rows just before it, so the next batch's first rows have neighbours."""

    __tablename__ = "sequence_watermark"

    source: Mapped[str] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    recent_times: Mapped[list[datetime]] = mapped_column(
        ARRAY(TIMESTAMP(timezone=True)), doc="Times of the last rows seen, in sequence order"
    )
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BackfillGap(Base):
    """A lifecycle gap of an order (or one of its shipments) and how far its repair went:
    open -> refetched (asked the source again) -> inferred (an inferred event filled it) | closed."""

    __tablename__ = "backfill_gap"
    __table_args__ = (
        CheckConstraint(_one_of("state", GAP_STATES), name="state"),
        Index("ix_backfill_gap_unclosed", "state", postgresql_where=text("state <> 'closed'")),
    )

    order_id: Mapped[str] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(primary_key=True)
    shipment_id: Mapped[str] = mapped_column(primary_key=True, doc="'' for a gap of the whole order")
    missing_type: Mapped[str]
    source: Mapped[str] = mapped_column(doc="The source that should have reported the missing event")
    state: Mapped[str] = mapped_column(server_default="open")
    found_at: Mapped[datetime]
    refetched_at: Mapped[datetime | None]
    refetch_outcome: Mapped[str | None]
    inferred_at: Mapped[datetime | None]
    inferred_event_id: Mapped[str | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(doc="observed | refetch: what closed it")


class SkuCleansed(Base):
    """The SKU master with weights in kilograms and dimensions in centimetres, unit-conversion errors
    corrected and duplicate variants pointed at their SKU. Every other reader of weights and dimensions
    reads these columns, never `sku`'s typed-in values."""

    __tablename__ = "sku_cleansed"

    sku: Mapped[str] = mapped_column(primary_key=True)
    canonical_sku: Mapped[str] = mapped_column(doc="The SKU a duplicate variant repeats; itself otherwise")
    category: Mapped[str]
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    length_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    width_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    weight_status: Mapped[str] = mapped_column(doc="ok | corrected | unknown_unit | missing")
    dimension_status: Mapped[str] = mapped_column(doc="ok | unknown_unit | missing")
    correction_factor: Mapped[float | None] = mapped_column(Double, doc="The typed weight was off by this")
    issues: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    source_values: Mapped[dict] = mapped_column(JSONB, doc="The master's values and units as typed (before)")
    cleansed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PipelineHealthSample(Base):
    """One health measurement of one source: its figures, the limits they were held to, what breached."""

    __tablename__ = "pipeline_health_sample"
    __table_args__ = (
        CheckConstraint(_one_of("status", HEALTH_STATUSES), name="status"),
        Index("ix_pipeline_health_sample_measured_at", "measured_at"),
    )

    source: Mapped[str] = mapped_column(primary_key=True)
    measured_at: Mapped[datetime] = mapped_column(primary_key=True)
    status: Mapped[str]
    expected_per_hour: Mapped[float | None] = mapped_column(Double, doc="Payloads expected in this hour")
    received_last_hour: Mapped[int] = mapped_column(BigInteger)
    silent_minutes: Mapped[float | None] = mapped_column(Double, doc="Since the last payload arrived")
    freshness_limit_minutes: Mapped[float | None] = mapped_column(Double)
    latency_p50_ms: Mapped[float | None] = mapped_column(Double, doc="Received -> loaded")
    latency_p95_ms: Mapped[float | None] = mapped_column(Double)
    quarantine_rate: Mapped[float | None] = mapped_column(Double)
    duplicate_rate: Mapped[float | None] = mapped_column(Double)
    missing_events: Mapped[int] = mapped_column(BigInteger, server_default="0")
    breaches: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    detail: Mapped[dict] = mapped_column(JSONB, server_default="{}")


# Pipeline health reads ingest latency (received -> loaded) of the payloads processed in the last minutes.
Index("ix_raw_inbox_processed_at", RawInbox.processed_at)
