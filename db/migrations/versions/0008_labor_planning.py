"""Labor planning: stored hourly demand forecasts (and the run that made each) and the shift roster.

Revision ID: 0008_labor
Revises: 0002
Create Date: 2026-11-25 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_labor"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "labor_forecast_run",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("origin", TIMESTAMPTZ, nullable=False),
        sa.Column("horizon_days", sa.SmallInteger(), nullable=False),
        sa.Column("history_from", sa.Date(), nullable=False),
        sa.Column("history_through", sa.Date(), nullable=False),
        sa.Column("history_orders", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("made_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_labor_forecast_run_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_labor_forecast_run")),
    )
    op.create_table(
        "labor_forecast",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("hour_start", TIMESTAMPTZ, nullable=False),
        sa.Column("p50", sa.Double(), nullable=False),
        sa.Column("p80", sa.Double(), nullable=False),
        sa.Column("level_sd", sa.Double(), nullable=False),
        sa.Column("noise_sd", sa.Double(), nullable=False),
        sa.Column("made_at", TIMESTAMPTZ, nullable=False),
        sa.CheckConstraint("metric IN ('orders', 'lines', 'units')", name=op.f("ck_labor_forecast_metric")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_labor_forecast_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("facility_id", "metric", "hour_start", name=op.f("pk_labor_forecast")),
    )
    op.create_table(
        "labor_roster",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("process", sa.String(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("process IN ('pick', 'pack', 'ship')", name=op.f("ck_labor_roster_process")),
        sa.CheckConstraint("headcount >= 0", name=op.f("ck_labor_roster_headcount")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_labor_roster_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("facility_id", "day", "shift", "process", name=op.f("pk_labor_roster")),
    )


def downgrade() -> None:
    op.drop_table("labor_roster")
    op.drop_table("labor_forecast")
    op.drop_table("labor_forecast_run")
