"""Labor planning: the stored hourly demand forecasts the plan is made from, and the roster supervisors
keep per shift (pipeline/labor)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Double, ForeignKey, SmallInteger, func
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class LaborForecastRun(Base):
    """The latest forecast of one facility: when it was made, from which days, from which hour on."""

    __tablename__ = "labor_forecast_run"

    facility_id: Mapped[str] = mapped_column(ForeignKey("facility.facility_id"), primary_key=True)
    origin: Mapped[datetime] = mapped_column(doc="The first hour forecast: a facility-local midnight")
    horizon_days: Mapped[int] = mapped_column(SmallInteger)
    history_from: Mapped[date] = mapped_column(doc="First local day the model learnt from")
    history_through: Mapped[date] = mapped_column(doc="Last local day the model learnt from")
    history_orders: Mapped[int] = mapped_column(
        BigInteger, doc="Orders in the history read: a backlog still loading makes the worker forecast again"
    )
    method: Mapped[str]
    made_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LaborForecast(Base):
    """Expected orders, order lines and units received per facility and UTC hour, p50 and p80.

    A new forecast replaces the hours from its origin on; earlier hours keep the forecast of their own
    day, so a day's plan can be held against what happened.
    """

    __tablename__ = "labor_forecast"
    __table_args__ = (CheckConstraint("metric IN ('orders', 'lines', 'units')", name="metric"),)

    facility_id: Mapped[str] = mapped_column(ForeignKey("facility.facility_id"), primary_key=True)
    metric: Mapped[str] = mapped_column(primary_key=True)
    hour_start: Mapped[datetime] = mapped_column(primary_key=True)
    p50: Mapped[float] = mapped_column(Double)
    p80: Mapped[float] = mapped_column(Double)
    level_sd: Mapped[float] = mapped_column(Double, doc="sd from the day's level, shared by its hours")
    noise_sd: Mapped[float] = mapped_column(Double, doc="sd of the hour's own noise")
    made_at: Mapped[datetime]


class LaborRoster(Base):
    """People rostered per facility, shift and process; edited on the Labor planning page (audited)."""

    __tablename__ = "labor_roster"
    __table_args__ = (
        CheckConstraint("process IN ('pick', 'pack', 'ship')", name="process"),
        CheckConstraint("headcount >= 0", name="headcount"),
    )

    facility_id: Mapped[str] = mapped_column(ForeignKey("facility.facility_id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True, doc="Facility-local day the shift starts")
    shift: Mapped[str] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(primary_key=True)
    headcount: Mapped[int]
    updated_by: Mapped[str]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
