"""Delivery estimates: lane statistics learned from deliveries, the current estimate per shipment and its
history (the order timeline shows how an estimate moved), and the jobs' watermarks. See pipeline/eta/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Double, Identity, Index, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

ETA_SOURCES = ("delivered", "carrier", "lane_model", "service_level", "promise", "none")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class LaneSample(Base):
    """One delivered shipment's transit on its lane, in working hours (pipeline/eta/working_days.py)."""

    __tablename__ = "lane_sample"
    __table_args__ = (
        # A lane's recent samples, for its statistics and the backtest.
        Index(
            "ix_lane_sample_lane", "carrier_id", "service_code", "facility_id", "dest_zip3", "delivered_at"
        ),
    )

    shipment_id: Mapped[str] = mapped_column(primary_key=True)
    carrier_id: Mapped[str]
    service_code: Mapped[str]
    facility_id: Mapped[str]
    dest_zip3: Mapped[str]
    picked_up_at: Mapped[datetime]
    delivered_at: Mapped[datetime]
    working_hours: Mapped[float] = mapped_column(Double)


class LaneStat(Base):
    """A lane's transit distribution over the policy's lookback: working-hour quantiles at 0, 0.05, …, 1."""

    __tablename__ = "lane_stat"

    carrier_id: Mapped[str] = mapped_column(primary_key=True)
    service_code: Mapped[str] = mapped_column(primary_key=True)
    facility_id: Mapped[str] = mapped_column(primary_key=True)
    dest_zip3: Mapped[str] = mapped_column(primary_key=True)
    samples: Mapped[int]
    quantiles: Mapped[list[float]] = mapped_column(ARRAY(Double))
    first_delivered_at: Mapped[datetime]
    last_delivered_at: Mapped[datetime]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class ShipmentEta(Base):
    """The current delivery estimate of a shipment, with its source and the original promise."""

    __tablename__ = "shipment_eta"
    __table_args__ = (
        CheckConstraint(_one_of("source", ETA_SOURCES), name="source"),
        # The tracking API and the order timeline: an order's shipments' estimates.
        Index("ix_shipment_eta_order_id", "order_id"),
        # Estimates that time alone changes (the likely instant passed without a delivery).
        Index("ix_shipment_eta_review_at", "review_at", postgresql_where=text("review_at IS NOT NULL")),
    )

    shipment_id: Mapped[str] = mapped_column(primary_key=True)
    order_id: Mapped[str]
    source: Mapped[str]
    likely_at: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None] = mapped_column(
        doc="Exclusive: the end of the window's last local day"
    )
    promised_delivery_by: Mapped[datetime | None] = mapped_column(doc="The original promise, never changed")
    basis: Mapped[dict] = mapped_column(JSONB, server_default="{}", doc="What the estimate rests on")
    computed_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    review_at: Mapped[datetime | None] = mapped_column(doc="When to estimate again if nothing happens")


class ShipmentEtaChange(Base):
    """One material change of a shipment's estimate (source, likely instant or window days)."""

    __tablename__ = "shipment_eta_change"
    __table_args__ = (
        CheckConstraint(_one_of("source", ETA_SOURCES), name="source"),
        Index("ix_shipment_eta_change_order", "order_id", "at"),
    )

    change_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    shipment_id: Mapped[str]
    order_id: Mapped[str]
    at: Mapped[datetime]
    source: Mapped[str]
    likely_at: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    previous_source: Mapped[str | None]
    previous_likely_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(doc="What moved it: an event type, `time`, or `first`")


class EtaRefreshState(Base):
    """How far the ETA jobs have read the event stream (`loaded_through`), and when the lanes were last
    summarized in full (samples age out of the lookback without any new event)."""

    __tablename__ = "eta_refresh_state"

    name: Mapped[str] = mapped_column(primary_key=True)
    loaded_through: Mapped[datetime]
    full_refresh_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
