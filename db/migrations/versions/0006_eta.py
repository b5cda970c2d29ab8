"""Delivery estimates: lane samples and statistics, the current estimate per shipment, its history, and
the ETA jobs' watermark.

Revision ID: 0006_eta
Revises: 0002
Create Date: 2026-11-25 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_eta"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
SOURCES = "source IN ('delivered', 'carrier', 'lane_model', 'service_level', 'promise', 'none')"


def upgrade() -> None:
    op.create_table(
        "lane_sample",
        sa.Column("shipment_id", sa.String(), nullable=False),
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("service_code", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("dest_zip3", sa.String(), nullable=False),
        sa.Column("picked_up_at", TIMESTAMPTZ, nullable=False),
        sa.Column("delivered_at", TIMESTAMPTZ, nullable=False),
        sa.Column("working_hours", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_lane_sample")),
    )
    op.create_index(
        "ix_lane_sample_lane",
        "lane_sample",
        ["carrier_id", "service_code", "facility_id", "dest_zip3", "delivered_at"],
        unique=False,
    )
    op.create_table(
        "lane_stat",
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("service_code", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("dest_zip3", sa.String(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("quantiles", postgresql.ARRAY(sa.Double()), nullable=False),
        sa.Column("first_delivered_at", TIMESTAMPTZ, nullable=False),
        sa.Column("last_delivered_at", TIMESTAMPTZ, nullable=False),
        sa.Column("refreshed_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint(
            "carrier_id", "service_code", "facility_id", "dest_zip3", name=op.f("pk_lane_stat")
        ),
    )
    op.create_table(
        "shipment_eta",
        sa.Column("shipment_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("likely_at", TIMESTAMPTZ, nullable=True),
        sa.Column("window_start", TIMESTAMPTZ, nullable=True),
        sa.Column("window_end", TIMESTAMPTZ, nullable=True),
        sa.Column("promised_delivery_by", TIMESTAMPTZ, nullable=True),
        sa.Column("basis", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("computed_at", TIMESTAMPTZ, nullable=False),
        sa.Column("changed_at", TIMESTAMPTZ, nullable=False),
        sa.Column("review_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(SOURCES, name=op.f("ck_shipment_eta_source")),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment_eta")),
    )
    op.create_index("ix_shipment_eta_order_id", "shipment_eta", ["order_id"], unique=False)
    op.create_index(
        "ix_shipment_eta_review_at",
        "shipment_eta",
        ["review_at"],
        unique=False,
        postgresql_where=sa.text("review_at IS NOT NULL"),
    )
    op.create_table(
        "shipment_eta_change",
        sa.Column("change_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("shipment_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("likely_at", TIMESTAMPTZ, nullable=True),
        sa.Column("window_start", TIMESTAMPTZ, nullable=True),
        sa.Column("window_end", TIMESTAMPTZ, nullable=True),
        sa.Column("previous_source", sa.String(), nullable=True),
        sa.Column("previous_likely_at", TIMESTAMPTZ, nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.CheckConstraint(SOURCES, name=op.f("ck_shipment_eta_change_source")),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_shipment_eta_change")),
    )
    op.create_index("ix_shipment_eta_change_order", "shipment_eta_change", ["order_id", "at"], unique=False)
    op.create_table(
        "eta_refresh_state",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("loaded_through", TIMESTAMPTZ, nullable=False),
        sa.Column("full_refresh_at", TIMESTAMPTZ, nullable=True),
        sa.Column("refreshed_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_eta_refresh_state")),
    )


def downgrade() -> None:
    op.drop_table("eta_refresh_state")
    op.drop_index("ix_shipment_eta_change_order", table_name="shipment_eta_change")
    op.drop_table("shipment_eta_change")
    op.drop_index("ix_shipment_eta_review_at", table_name="shipment_eta")
    op.drop_index("ix_shipment_eta_order_id", table_name="shipment_eta")
    op.drop_table("shipment_eta")
    op.drop_table("lane_stat")
    op.drop_index("ix_lane_sample_lane", table_name="lane_sample")
    op.drop_table("lane_sample")
