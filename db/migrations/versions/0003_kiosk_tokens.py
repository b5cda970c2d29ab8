"""Kiosk links for floor screens, and the live flow's per-minute stage counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kiosk_token",
        sa.Column("kiosk_id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", TIMESTAMPTZ, nullable=True),
        sa.Column("revoked_at", TIMESTAMPTZ, nullable=True),
        sa.Column("revoked_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_kiosk_token_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_kiosk_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_token_token_hash")),
    )
    op.create_table(
        "flow_snapshot",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("taken_at", TIMESTAMPTZ, nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("facility_id", "taken_at", name=op.f("pk_flow_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("flow_snapshot")
    op.drop_table("kiosk_token")
