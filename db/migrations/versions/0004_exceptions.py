"""Exceptions, the detector's checkpoint, and the customer notification outbox.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.create_table(
        "order_exception",
        sa.Column("exception_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("exception_type", sa.String(), nullable=False),
        sa.Column("root_cause", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("state", sa.String(), server_default="open", nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("shipment_id", sa.String(), nullable=True),
        sa.Column("facility_id", sa.String(), nullable=True),
        sa.Column("carrier_id", sa.String(), nullable=True),
        sa.Column("occurred_at", TIMESTAMPTZ, nullable=False),
        sa.Column("opened_at", TIMESTAMPTZ, nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, nullable=False),
        sa.Column("last_evidence_at", TIMESTAMPTZ, nullable=False),
        sa.Column("resolved_at", TIMESTAMPTZ, nullable=True),
        sa.Column("promise_at_risk", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("promised_delivery_by", TIMESTAMPTZ, nullable=True),
        sa.Column("evidence", JSONB, server_default="[]", nullable=False),
        sa.Column("evidence_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("detail", JSONB, server_default="{}", nullable=False),
        sa.Column("state_changes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("automation", sa.String(), nullable=True),
        sa.Column("assigned_to", sa.String(), nullable=True),
        sa.Column("assigned_at", TIMESTAMPTZ, nullable=True),
        sa.Column("escalation_reason", sa.String(), nullable=True),
        sa.Column("suggested_action", sa.String(), nullable=True),
        sa.Column("suggested_label", sa.String(), nullable=True),
        sa.Column("suggested_params", JSONB, nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'automating', 'escalated', 'resolved')", name=op.f("ck_order_exception_state")
        ),
        sa.CheckConstraint(
            "root_cause IN ('inventory_mismatch', 'carrier_delay', 'address_issue', 'damage', 'lost', "
            "'silent_carrier', 'other')",
            name=op.f("ck_order_exception_root_cause"),
        ),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')", name=op.f("ck_order_exception_severity")
        ),
        sa.PrimaryKeyConstraint("exception_id", name=op.f("pk_order_exception")),
    )
    op.create_index(
        "uq_order_exception_unresolved",
        "order_exception",
        ["order_id", "root_cause"],
        unique=True,
        postgresql_where=sa.text("state <> 'resolved'"),
    )
    op.create_index(
        "ix_order_exception_unresolved_opened",
        "order_exception",
        ["opened_at"],
        unique=False,
        postgresql_where=sa.text("state <> 'resolved'"),
    )
    op.create_index("ix_order_exception_order", "order_exception", ["order_id", "opened_at"], unique=False)
    op.create_table(
        "exception_checkpoint",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("position", JSONB, nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exception_checkpoint")),
    )
    op.create_table(
        "notification",
        sa.Column("notification_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("exception_id", sa.BigInteger(), nullable=True),
        sa.Column("message_type", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("status", sa.String(), server_default="pending", nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("due_at", TIMESTAMPTZ, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_attempt_at", TIMESTAMPTZ, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("sent_at", TIMESTAMPTZ, nullable=True),
        sa.Column("provider_message_id", sa.String(), nullable=True),
        sa.Column("delivery_status", sa.String(), nullable=True),
        sa.Column("delivery_status_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_notification_channel")),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'expired')", name=op.f("ck_notification_status")
        ),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["order_exception.exception_id"],
            name=op.f("fk_notification_exception_id_order_exception"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notification")),
    )
    op.create_index("uq_notification_dedupe_key", "notification", ["dedupe_key"], unique=True)
    op.create_index(
        "ix_notification_due",
        "notification",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_notification_order", "notification", ["order_id", "created_at"], unique=False)
    op.create_index(
        "uq_notification_provider_message",
        "notification",
        ["channel", "provider_message_id"],
        unique=True,
        postgresql_where=sa.text("provider_message_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_notification_provider_message", table_name="notification")
    op.drop_index("ix_notification_order", table_name="notification")
    op.drop_index("ix_notification_due", table_name="notification")
    op.drop_index("uq_notification_dedupe_key", table_name="notification")
    op.drop_table("notification")
    op.drop_table("exception_checkpoint")
    op.drop_index("ix_order_exception_order", table_name="order_exception")
    op.drop_index("ix_order_exception_unresolved_opened", table_name="order_exception")
    op.drop_index("uq_order_exception_unresolved", table_name="order_exception")
    op.drop_table("order_exception")
