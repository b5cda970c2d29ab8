"""What the tracking API answers, as pydantic models: the OpenAPI document at /docs is built from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EtaSource = Literal["delivered", "carrier", "lane_model", "service_level", "promise", "none"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class LocalTime(_Model):
    """An instant: the UTC truth, and the wall clock people read it on, with its IANA zone."""

    utc: datetime = Field(description="The instant, in UTC")
    local: str = Field(
        description="Wall-clock time where it applies, for people, e.g. 'Mon Nov 16, 9:05 AM CST'"
    )
    time_zone: str = Field(description="IANA zone of `local`, e.g. America/Chicago")


class TimelineEntry(_Model):
    at: LocalTime = Field(description="When it happened, on the clock of where it happened")
    text: str = Field(description="What happened, in customer-facing words")
    event_type: str = Field(description="Canonical event type, e.g. CARRIER_PICKUP")
    tracking_number: str | None = Field(default=None, description="The parcel it concerns, for split orders")


class EtaWindow(_Model):
    """When a parcel (or the order) is expected, and what that estimate rests on."""

    source: EtaSource = Field(description="carrier, lane_model, service_level, promise, delivered or none")
    source_text: str = Field(description="The source in words, e.g. 'Carrier's estimate'")
    text: str | None = Field(description="The window in words, e.g. 'Thursday, May 14 – Friday, May 15'")
    likely: LocalTime | None = Field(description="The most likely delivery time")
    first_day: date | None = Field(description="First local day of the window (destination zone)")
    last_day: date | None = Field(description="Last local day of the window, inclusive (destination zone)")
    promised_by: LocalTime | None = Field(description="The original promise made at checkout, never changed")


class ShipmentTracking(_Model):
    """One parcel. A split order has several."""

    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None = Field(description="The carrier's own tracking page")
    status: str = Field(description="Where the parcel stands, in customer-facing words")
    delivered: LocalTime | None
    eta: EtaWindow | None


class Alert(_Model):
    kind: Literal["message", "issue"] = Field(
        description="`message`: a message we sent the customer; `issue`: a problem we are working on"
    )
    text: str
    at: LocalTime
    channel: Literal["email", "sms"] | None = None


class OrderStatus(_Model):
    text: str = Field(description="Where the order stands, in customer-facing words")
    stage: str = Field(description="Fulfillment stage, e.g. picking, in_transit, delivered")
    on_hold: bool
    updated: LocalTime


class Tracking(_Model):
    """An order as the customer may see it: no names, addresses or contact details."""

    order_id: str
    time_zone: str = Field(description="The destination's IANA zone (the pickup store's for store pickups)")
    status: OrderStatus
    eta: EtaWindow | None = Field(description="When the whole order is expected (its last parcel)")
    shipments: list[ShipmentTracking]
    timeline: list[TimelineEntry] = Field(description="Oldest first; repeated steps shown once")
    alerts: list[Alert] = Field(description="Messages sent to the customer and problems being worked on")


class Problem(_Model):
    detail: str = Field(description="What went wrong, in plain words")
