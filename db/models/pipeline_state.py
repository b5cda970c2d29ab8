"""Where each source was read up to, and what came of it hour by hour."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class SourceCheckpoint(Base):
    """A polled source's durable position (WMS change-log seq, store API cursor, helpdesk start_time).

    Written in the same transaction as the inbox rows it covers, so a restart neither skips nor repeats.
    """

    __tablename__ = "source_checkpoint"

    source: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[str]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SourceCounter(Base):
    """Per source and hour: payloads received, events normalized, quarantined, duplicates, ingest lag."""

    __tablename__ = "source_counter"

    source: Mapped[str] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger, server_default="0")
    normalized: Mapped[int] = mapped_column(BigInteger, server_default="0")
    quarantined: Mapped[int] = mapped_column(BigInteger, server_default="0")
    duplicates: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lag_ms_sum: Mapped[int] = mapped_column(BigInteger, server_default="0", doc="received → loaded, summed")
    lag_ms_max: Mapped[int] = mapped_column(BigInteger, server_default="0")
    last_event_at: Mapped[datetime | None]
    last_received_at: Mapped[datetime | None]


class SourceBreaker(Base):
    """A polled source's circuit breaker, shared by every worker (see pipeline/sources/breaker.py).

    closed: poll. open: skip the source until `opened_at` + the cool-down. half_open: one worker's trial
    request is in flight (since `trial_at`); its result closes or re-opens the breaker.
    """

    __tablename__ = "source_breaker"
    __table_args__ = (CheckConstraint("state IN ('closed', 'open', 'half_open')", name="state"),)

    source: Mapped[str] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(server_default="closed")
    failures: Mapped[int] = mapped_column(server_default="0", doc="Failed polls in a row")
    opened_at: Mapped[datetime | None]
    trial_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
