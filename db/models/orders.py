"""Orders, their lines and shipments, and the order-state projection that live views read.

The pipeline accepts events in any order (a carrier scan may arrive before the WMS label, a label before
the order download), so these tables do not reference customer_order or master data by foreign key:
normalization checks facilities and carriers, and a load never fails on a parent that comes later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, SmallInteger, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class CustomerOrder(Base):
    """Static facts of an order, taken from ORDER_RECEIVED. Personal data lives only here."""

    __tablename__ = "customer_order"
    __table_args__ = (
        # Order search by customer email or phone (support agents, order timeline page).
        Index("ix_customer_order_email", text("lower(customer_email)")),
        Index("ix_customer_order_phone", "customer_phone_digits"),
    )

    order_id: Mapped[str] = mapped_column(primary_key=True)
    channel: Mapped[str]
    placed_at: Mapped[datetime]
    promised_delivery_by: Mapped[datetime | None]
    ship_by: Mapped[datetime | None]
    destination_postal_code: Mapped[str | None]
    destination_country: Mapped[str | None]
    destination_time_zone: Mapped[str | None]
    customer_email: Mapped[str | None]
    customer_phone: Mapped[str | None]
    customer_phone_digits: Mapped[str | None] = mapped_column(doc="Phone reduced to digits, for search")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class OrderLine(Base):
    __tablename__ = "order_line"

    order_id: Mapped[str] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sku: Mapped[str]
    qty: Mapped[int]
    uom: Mapped[str]


class Shipment(Base):
    """One parcel of an order; split orders have several."""

    __tablename__ = "shipment"
    __table_args__ = (
        # Tracking-number lookups: carrier webhooks carry only the tracking number; order search too.
        UniqueConstraint("carrier_id", "tracking_number", name="uq_shipment_carrier_tracking"),
        Index("ix_shipment_tracking_number", "tracking_number"),
        # An order's shipments (order timeline, tracking API).
        Index("ix_shipment_order_id", "order_id"),
    )

    shipment_id: Mapped[str] = mapped_column(primary_key=True)
    order_id: Mapped[str]
    facility_id: Mapped[str | None]
    carrier_id: Mapped[str | None]
    service_code: Mapped[str | None]
    tracking_number: Mapped[str | None]
    label_printed_at: Mapped[datetime | None]
    carrier_pickup_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_scan_at: Mapped[datetime | None]
    polled_at: Mapped[datetime | None] = mapped_column(
        doc="Last time carrier polling got an answer about this shipment (scans, or none yet)"
    )
    status: Mapped[str | None] = mapped_column(doc="Last canonical carrier-stage event type")
    stage_rank: Mapped[int] = mapped_column(SmallInteger, server_default="0")


class OrderState(Base):
    """Current stage, status and milestone times per order, updated with the events in one transaction.

    `stage_rank` orders the stages; a late event never lowers it, so an order never moves backwards.
    """

    __tablename__ = "order_state"
    __table_args__ = (
        # Live flow: counts, oldest age per stage and orders at risk, per facility, for open orders only.
        Index(
            "ix_order_state_open_by_stage",
            "facility_id",
            "stage",
            "stage_entered_at",
            postgresql_where=text("NOT is_terminal"),
        ),
        Index("ix_order_state_open_ship_by", "ship_by", postgresql_where=text("NOT is_terminal")),
    )

    order_id: Mapped[str] = mapped_column(primary_key=True)
    facility_id: Mapped[str | None]
    facility_changed_at: Mapped[datetime | None]
    channel: Mapped[str | None]
    fulfillment: Mapped[str | None] = mapped_column(doc="ship or store_pickup")
    stage: Mapped[str]
    stage_rank: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(doc="Event type of the latest event in occurrence order")
    status_at: Mapped[datetime | None]
    is_terminal: Mapped[bool] = mapped_column(server_default="false")
    on_hold: Mapped[bool] = mapped_column(server_default="false")
    hold_changed_at: Mapped[datetime | None]
    stage_entered_at: Mapped[datetime]
    first_event_at: Mapped[datetime] = mapped_column(
        doc="Lower bound for timeline queries (partition pruning)"
    )
    last_event_at: Mapped[datetime]
    ship_by: Mapped[datetime | None]
    promised_delivery_by: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    allocated_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    pick_started_at: Mapped[datetime | None]
    picked_at: Mapped[datetime | None]
    packed_at: Mapped[datetime | None]
    labeled_at: Mapped[datetime | None]
    staged_at: Mapped[datetime | None]
    carrier_pickup_at: Mapped[datetime | None]
    out_for_delivery_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    ready_for_pickup_at: Mapped[datetime | None]
    picked_up_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    event_count: Mapped[int] = mapped_column(server_default="0")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
