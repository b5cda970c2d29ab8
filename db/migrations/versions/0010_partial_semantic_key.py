"""Index only the semantic keys that exist: two event keys in three are not carrier scans and have none.

A unique index skips nothing for NULL, so every claim paid for an index entry that could never conflict.

Revision ID: 0010_semantic_partial
Revises: 0009_polled
Create Date: 2026-11-26 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_semantic_partial"
down_revision: str | None = "0009_polled"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("uq_event_key_semantic", table_name="event_key")
    op.create_index(
        "uq_event_key_semantic",
        "event_key",
        ["semantic_key"],
        unique=True,
        postgresql_where=sa.text("semantic_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_event_key_semantic", table_name="event_key")
    op.create_index("uq_event_key_semantic", "event_key", ["semantic_key"], unique=True)
