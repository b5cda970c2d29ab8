"""Ingestion bookkeeping: the raw inbox, quarantine, source checkpoints and per-source counters."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("raw_id", sa.BigInteger(), nullable=True),
        sa.Column("record_index", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reason_code", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("lookup_key", sa.String(), nullable=True),
        sa.Column(
            "quarantined_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("replay_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("quarantine_id", name=op.f("pk_quarantine")),
    )
    op.create_index(
        "ix_quarantine_open",
        "quarantine",
        ["source", "quarantined_at"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index(
        "ix_quarantine_parked",
        "quarantine",
        ["lookup_key"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL AND reason_code = 'unmatched_tracking_number'"),
    )
    op.create_table(
        "raw_inbox",
        sa.Column("raw_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column(
            "received_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), server_default="application/json", nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("processed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f("ck_raw_inbox_status")),
        sa.PrimaryKeyConstraint("raw_id", name=op.f("pk_raw_inbox")),
    )
    op.create_index(
        "ix_raw_inbox_pending",
        "raw_inbox",
        ["raw_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "source_checkpoint",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_checkpoint")),
    )
    op.create_table(
        "source_counter",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("hour", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("received", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("normalized", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("quarantined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lag_ms_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lag_ms_max", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_event_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_received_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", "hour", name=op.f("pk_source_counter")),
    )


def downgrade() -> None:
    op.drop_table("source_counter")
    op.drop_table("source_checkpoint")
    op.drop_index(
        "ix_raw_inbox_pending", table_name="raw_inbox", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("raw_inbox")
    op.drop_index("ix_quarantine_parked", table_name="quarantine")
    op.drop_index(
        "ix_quarantine_open", table_name="quarantine", postgresql_where=sa.text("resolved_at IS NULL")
    )
    op.drop_table("quarantine")
