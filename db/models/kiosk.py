"""Floor screens: the kiosk links admins issue per facility, and the live flow's per-minute stage counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Identity, LargeBinary, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class KioskToken(Base):
    """A read-only link that shows one facility's live flow without signing in (`?kiosk=TOKEN`).

    Only the SHA-256 of the token is kept: the full link is shown once, when it is issued.
    """

    __tablename__ = "kiosk_token"

    kiosk_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facility.facility_id"))
    label: Mapped[str] = mapped_column(doc="Where the screen hangs, e.g. 'Pack line TV'")
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True, doc="sha256 of the token")
    created_by: Mapped[str] = mapped_column(doc="username of the admin who issued it")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime | None] = mapped_column(
        doc="Last time a screen showed it (minute precision)"
    )
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None]


class FlowSnapshot(Base):
    """Open orders per stage of one facility at one minute, so the live flow can tell a queue that grows.

    Written every minute by `dashboard.flow_snapshots.snapshot_flow`, kept 48 hours.
    """

    __tablename__ = "flow_snapshot"

    facility_id: Mapped[str] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(primary_key=True, doc="The minute, UTC")
    counts: Mapped[dict] = mapped_column(
        JSONB, doc='{"allocated": 12, "released": 0, …}: every live-flow stage'
    )
