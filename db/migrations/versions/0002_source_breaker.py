"""Circuit breaker state per polled source, shared by every worker.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_breaker",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("state", sa.String(), server_default="closed", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("opened_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("trial_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("state IN ('closed', 'open', 'half_open')", name=op.f("ck_source_breaker_state")),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_breaker")),
    )


def downgrade() -> None:
    op.drop_table("source_breaker")
