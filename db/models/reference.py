"""Master data: where orders are fulfilled and who carries them."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, SmallInteger, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class Facility(Base):
    __tablename__ = "facility"
    __table_args__ = (CheckConstraint("kind IN ('dc', 'store')", name="kind"),)

    facility_id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    name: Mapped[str]
    time_zone: Mapped[str] = mapped_column(doc="IANA zone, e.g. America/Los_Angeles")
    postal_code: Mapped[str]
    region: Mapped[str]
    shift_calendar: Mapped[list] = mapped_column(
        JSONB, doc="[{name, start 'HH:MM', end, weekdays [0=Mon..6]}]"
    )
    active: Mapped[bool] = mapped_column(default=True, server_default="true")


class Sku(Base):
    """The SKU master as the WMS holds it: values in the units they were entered in."""

    __tablename__ = "sku"

    sku: Mapped[str] = mapped_column(primary_key=True)
    description: Mapped[str]
    category: Mapped[str]
    weight_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    weight_unit: Mapped[str | None]
    length_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    width_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    height_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    dimension_unit: Mapped[str | None]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class FacilityInventory(Base):
    __tablename__ = "facility_inventory"

    facility_id: Mapped[str] = mapped_column(ForeignKey("facility.facility_id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("sku.sku"), primary_key=True)
    on_hand: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Carrier(Base):
    __tablename__ = "carrier"
    __table_args__ = (CheckConstraint("kind IN ('parcel', 'last_mile')", name="kind"),)

    carrier_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    kind: Mapped[str]
    feed_format: Mapped[str] = mapped_column(doc="Which adapter reads this carrier's payloads")
    tracking_url: Mapped[str]


class ServiceLevel(Base):
    __tablename__ = "service_level"

    carrier_id: Mapped[str] = mapped_column(ForeignKey("carrier.carrier_id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    transit_business_days: Mapped[int] = mapped_column(SmallInteger)
    pickup_cutoff_local: Mapped[time] = mapped_column(
        doc="Facility-local time after which pickup is next day"
    )
