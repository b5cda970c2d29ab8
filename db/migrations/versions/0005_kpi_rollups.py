"""KPI facts per order, rollups per day, facility, carrier, channel and shift; the refresh watermark;
events by load time.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_rollup",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("with_inferred", sa.Boolean(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("numerator", sa.Double(), nullable=False),
        sa.Column("denominator", sa.Double(), nullable=False),
        sa.Column("inferred_events", sa.Integer(), nullable=False),
        sa.Column(
            "refreshed_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "day",
            "kpi",
            "with_inferred",
            "facility_id",
            "carrier_id",
            "channel",
            "shift",
            name=op.f("pk_kpi_rollup"),
        ),
    )
    op.create_table(
        "kpi_fact",
        sa.Column("fact_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("variant", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("numerator", sa.Double(), nullable=False),
        sa.Column("denominator", sa.Double(), nullable=False),
        sa.Column("inferred_events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fact_id", name=op.f("pk_kpi_fact")),
    )
    op.create_index("ix_kpi_fact_order_id", "kpi_fact", ["order_id"], unique=False)
    op.create_index("ix_kpi_fact_day", "kpi_fact", ["day"], unique=False)
    op.create_table(
        "kpi_refresh_state",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("loaded_through", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column(
            "refreshed_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kpi_refresh_state")),
    )
    op.create_index(
        "ix_event_loaded_at",
        "event",
        ["loaded_at"],
        unique=False,
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )


def downgrade() -> None:
    op.drop_index("ix_event_loaded_at", table_name="event")
    op.drop_table("kpi_refresh_state")
    op.drop_index("ix_kpi_fact_day", table_name="kpi_fact")
    op.drop_index("ix_kpi_fact_order_id", table_name="kpi_fact")
    op.drop_table("kpi_fact")
    op.drop_table("kpi_rollup")
