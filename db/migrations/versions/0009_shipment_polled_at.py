"""When Waypoint last asked a shipment's carrier about it: a silent carrier is only silent once asked.

Revision ID: 0009_polled
Revises: 0008_labor
Create Date: 2026-11-26 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_polled"
down_revision: str | None = "0008_labor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shipment", sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("shipment", "polled_at")
