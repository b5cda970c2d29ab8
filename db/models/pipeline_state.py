"""Where each source was read up to, and what came of it hour by hour."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, func
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
