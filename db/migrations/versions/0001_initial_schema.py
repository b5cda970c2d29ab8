"""Initial schema: master data, orders, the partitioned event stream, inbox, quarantine, registry, access.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:23:21.729804
"""

from collections.abc import Sequence

from db.migrations.initial_schema import access, event_stream, ingestion, master_data, orders

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Dependency order: users belong to facilities; nothing else refers across seams.
_SEAMS = (master_data, access, orders, event_stream, ingestion)


def upgrade() -> None:
    for seam in _SEAMS:
        seam.upgrade()


def downgrade() -> None:
    for seam in reversed(_SEAMS):
        seam.downgrade()
