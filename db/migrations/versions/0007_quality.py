"""Data quality: findings, inferred and corrected events, sequence watermarks, backfill gaps, the cleansed
SKU master, pipeline-health samples; the exception queue learns the `pipeline_health` root cause.

Revision ID: 0007_quality
Revises: 0002
Depends on: 0004 (order_exception's root-cause check)
Create Date: 2026-11-26 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_quality"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004"

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
JSONB = postgresql.JSONB(astext_type=sa.Text())
ROOT_CAUSES_BEFORE = (
    "inventory_mismatch", "carrier_delay", "address_issue", "damage", "lost", "silent_carrier", "other",
)  # fmt: skip


def _root_cause_check(causes: Sequence[str]) -> str:
    return f"root_cause IN ({', '.join(repr(cause) for cause in causes)})"


def upgrade() -> None:
    op.create_table(
        "quality_finding",
        sa.Column("finding_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("finding_key", sa.String(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("detail", JSONB, server_default="{}", nullable=False),
        sa.Column("found_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "area IN ('timestamp', 'backfill', 'sku_master', 'health')", name=op.f("ck_quality_finding_area")
        ),
        sa.CheckConstraint(
            "action IN ('corrected', 'quarantined', 'refetched', 'inferred', 'retired', 'flagged')",
            name=op.f("ck_quality_finding_action"),
        ),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_quality_finding")),
        sa.UniqueConstraint("finding_key", name=op.f("uq_quality_finding_finding_key")),
    )
    op.create_index("ix_quality_finding_found_at", "quality_finding", ["found_at"], unique=False)
    op.create_table(
        "event_remedy",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("remedy", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("shipment_id", sa.String(), nullable=True),
        sa.Column("original_occurred_at", TIMESTAMPTZ, nullable=True),
        sa.Column("occurred_at", TIMESTAMPTZ, nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("superseded_at", TIMESTAMPTZ, nullable=True),
        sa.Column("superseded_by", sa.String(), nullable=True),
        sa.CheckConstraint("remedy IN ('inferred', 'time_corrected')", name=op.f("ck_event_remedy_remedy")),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_event_remedy")),
    )
    op.create_index(
        "ix_event_remedy_open_inferred",
        "event_remedy",
        ["order_id"],
        unique=False,
        postgresql_where=sa.text("remedy = 'inferred' AND superseded_at IS NULL"),
    )
    op.create_table(
        "sequence_watermark",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("recent_times", postgresql.ARRAY(TIMESTAMPTZ), nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_sequence_watermark")),
    )
    op.create_table(
        "backfill_gap",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("shipment_id", sa.String(), nullable=False),
        sa.Column("missing_type", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("state", sa.String(), server_default="open", nullable=False),
        sa.Column("found_at", TIMESTAMPTZ, nullable=False),
        sa.Column("refetched_at", TIMESTAMPTZ, nullable=True),
        sa.Column("refetch_outcome", sa.String(), nullable=True),
        sa.Column("inferred_at", TIMESTAMPTZ, nullable=True),
        sa.Column("inferred_event_id", sa.String(), nullable=True),
        sa.Column("closed_at", TIMESTAMPTZ, nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'refetched', 'inferred', 'closed')", name=op.f("ck_backfill_gap_state")
        ),
        sa.PrimaryKeyConstraint("order_id", "rule", "shipment_id", name=op.f("pk_backfill_gap")),
    )
    op.create_index(
        "ix_backfill_gap_unclosed",
        "backfill_gap",
        ["state"],
        unique=False,
        postgresql_where=sa.text("state <> 'closed'"),
    )
    op.create_table(
        "sku_cleansed",
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("canonical_sku", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(12, 4), nullable=True),
        sa.Column("length_cm", sa.Numeric(12, 2), nullable=True),
        sa.Column("width_cm", sa.Numeric(12, 2), nullable=True),
        sa.Column("height_cm", sa.Numeric(12, 2), nullable=True),
        sa.Column("weight_status", sa.String(), nullable=False),
        sa.Column("dimension_status", sa.String(), nullable=False),
        sa.Column("correction_factor", sa.Double(), nullable=True),
        sa.Column("issues", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("source_values", JSONB, nullable=False),
        sa.Column("cleansed_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_sku_cleansed")),
    )
    op.create_table(
        "pipeline_health_sample",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("measured_at", TIMESTAMPTZ, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("expected_per_hour", sa.Double(), nullable=True),
        sa.Column("received_last_hour", sa.BigInteger(), nullable=False),
        sa.Column("silent_minutes", sa.Double(), nullable=True),
        sa.Column("freshness_limit_minutes", sa.Double(), nullable=True),
        sa.Column("latency_p50_ms", sa.Double(), nullable=True),
        sa.Column("latency_p95_ms", sa.Double(), nullable=True),
        sa.Column("quarantine_rate", sa.Double(), nullable=True),
        sa.Column("duplicate_rate", sa.Double(), nullable=True),
        sa.Column("missing_events", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("breaches", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("detail", JSONB, server_default="{}", nullable=False),
        sa.CheckConstraint(
            "status IN ('ok', 'breach', 'no_data')", name=op.f("ck_pipeline_health_sample_status")
        ),
        sa.PrimaryKeyConstraint("source", "measured_at", name=op.f("pk_pipeline_health_sample")),
    )
    op.create_index(
        "ix_pipeline_health_sample_measured_at", "pipeline_health_sample", ["measured_at"], unique=False
    )
    op.create_index("ix_raw_inbox_processed_at", "raw_inbox", ["processed_at"], unique=False)
    op.drop_constraint(op.f("ck_order_exception_root_cause"), "order_exception", type_="check")
    op.create_check_constraint(
        op.f("ck_order_exception_root_cause"),
        "order_exception",
        _root_cause_check((*ROOT_CAUSES_BEFORE, "pipeline_health")),
    )


def downgrade() -> None:
    op.execute("DELETE FROM order_exception WHERE root_cause = 'pipeline_health'")
    op.drop_constraint(op.f("ck_order_exception_root_cause"), "order_exception", type_="check")
    op.create_check_constraint(
        op.f("ck_order_exception_root_cause"), "order_exception", _root_cause_check(ROOT_CAUSES_BEFORE)
    )
    op.drop_index("ix_raw_inbox_processed_at", table_name="raw_inbox")
    op.drop_index("ix_pipeline_health_sample_measured_at", table_name="pipeline_health_sample")
    op.drop_table("pipeline_health_sample")
    op.drop_table("sku_cleansed")
    op.drop_index("ix_backfill_gap_unclosed", table_name="backfill_gap")
    op.drop_table("backfill_gap")
    op.drop_table("sequence_watermark")
    op.drop_index("ix_event_remedy_open_inferred", table_name="event_remedy")
    op.drop_table("event_remedy")
    op.drop_index("ix_quality_finding_found_at", table_name="quality_finding")
    op.drop_table("quality_finding")
