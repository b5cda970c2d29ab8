"""KPI rollups: per day, facility, carrier, channel (and shift) the numerator and denominator of every KPI,
kept by the pipeline (pipeline/kpis/rollups.py) so that pages and the CLI never recompute history.

A dimension that does not apply or is not known yet is stored as '' (the "none" member: a store pickup
has no carrier, an order whose ORDER_RECEIVED has not arrived has no channel yet), so the whole key can
be the primary key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Double, Identity, Index, SmallInteger, func
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.events import Event


class KpiRollup(Base):
    __tablename__ = "kpi_rollup"

    day: Mapped[date] = mapped_column(
        primary_key=True, doc="Calendar day in the KPI's zone (see pipeline/kpis)"
    )
    kpi: Mapped[str] = mapped_column(primary_key=True)
    with_inferred: Mapped[bool] = mapped_column(
        primary_key=True, doc="Figures counting events flagged `inferred` (true) or leaving them out (false)"
    )
    facility_id: Mapped[str] = mapped_column(primary_key=True)
    carrier_id: Mapped[str] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(primary_key=True)
    shift: Mapped[str] = mapped_column(
        primary_key=True, doc="Shift name for orders packed per shift, else ''"
    )
    numerator: Mapped[float] = mapped_column(Double)
    denominator: Mapped[float] = mapped_column(Double)
    inferred_events: Mapped[int] = mapped_column(doc="Inferred events the numerator and denominator rest on")
    refreshed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class KpiFact(Base):
    """One order's contribution to one KPI on one day, for one dimension key: what the rollups sum.

    Kept per order so that a new event of an order replaces exactly that order's facts, and the days
    those facts were and are on are summed again. `variant` 0: counts with and without inferred events;
    1: only with them (the order has inferred events); 2: the order's facts from observed events only.
    """

    __tablename__ = "kpi_fact"
    __table_args__ = (
        # A refresh replaces the facts of the orders with new events, then sums the days they touch.
        Index("ix_kpi_fact_order_id", "order_id"),
        Index("ix_kpi_fact_day", "day"),
    )

    # Facts are replaced, never updated: a narrow surrogate key keeps writing a rebuild's millions cheap.
    fact_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[str]
    kpi: Mapped[str] = mapped_column(doc="A KPI, or shift_worked: a shift the order was worked in")
    variant: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[date]
    facility_id: Mapped[str]
    carrier_id: Mapped[str]
    channel: Mapped[str]
    shift: Mapped[str]
    numerator: Mapped[float] = mapped_column(Double)
    denominator: Mapped[float] = mapped_column(Double)
    inferred_events: Mapped[int]


class KpiRefreshState(Base):
    """How far the rollup refresh has read the event stream: the orders of events loaded after
    `loaded_through` (less a safety margin) get their facts recomputed."""

    __tablename__ = "kpi_refresh_state"

    name: Mapped[str] = mapped_column(primary_key=True)
    loaded_through: Mapped[datetime]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=func.now())


# The refresh asks "which events were loaded since the last run?" every minute. Events are appended in
# load order within each monthly partition, so a BRIN index answers that for a few pages of index.
Index(
    "ix_event_loaded_at",
    Event.loaded_at,
    postgresql_using="brin",
    postgresql_with={"autosummarize": "on"},
)
