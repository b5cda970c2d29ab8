"""One order told for a support agent: its events in plain language, its parcels, its promise and estimates.

Built from `pipeline.order_view.OrderView` (the same story `waypoint order` and the tracking API tell),
with each event's customer_text and internal_text from the event registry. Pure functions: no Streamlit,
no database (dashboard/queries/order_timeline.py reads; pages/order_timeline.py lays out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.customer_script import OrderSituation, SituationEvent
from db.master_data import carriers, facilities
from pipeline.order_view import OrderView
from pipeline.taxonomy import latest_definitions

FLAG_LABELS = {
    "dst_fold": "repeated hour at a DST change: first occurrence taken",
    "dst_gap": "skipped hour at a DST change: shifted forward",
    "inferred": "inferred, not reported by the source",
    "time_corrected": "time corrected",
}
# The customer's own contacts: they tell what the customer said, not where the order stands.
CUSTOMER_CONTACTS = frozenset({"SUPPORT_TICKET_OPENED", "SURVEY_RESPONDED", "CUSTOMER_REPORTED_ISSUE"})
STAGE_LABELS = {"handed_to_carrier": "Handed to the carrier", "unknown": "Not started"}
# Carrier event attribute -> how its date is labelled; the first found on the latest scan wins.
ESTIMATE_LABELS = {
    "new_estimated_delivery": "Carrier's new estimate after a delay",
    "estimated_delivery": "Carrier's estimate",
}


@dataclass(frozen=True)
class TimelineEvent:
    event_id: str
    source: str
    event_type: str
    stage: str
    severity: str
    occurred_at: datetime
    local_time: datetime | None  # wall clock where it happened (naive), in `time_zone`
    time_zone: str | None
    facility_id: str | None
    shipment_id: str | None
    carrier: str | None
    tracking_number: str | None
    attributes: Mapping[str, Any]
    flags: tuple[str, ...]
    raw_id: int | None
    customer_text: str
    internal_text: str


@dataclass(frozen=True)
class CarrierEstimate:
    """A delivery date the carrier gave, and what it came with; kept apart from our own promise."""

    day: date
    label: str  # which word it is: a new estimate after a delay, or the estimate at a scan
    reported_at: datetime
    shipment_id: str | None


@dataclass(frozen=True)
class ShipmentBlock:
    shipment_id: str
    carrier_id: str | None
    carrier_name: str | None
    service_name: str | None
    tracking_number: str | None
    tracking_url: str | None
    facility_id: str | None
    delivered_at: datetime | None
    last_scan: TimelineEvent | None
    estimate: CarrierEstimate | None


@dataclass(frozen=True)
class OrderTimeline:
    order_id: str
    state: Mapping[str, Any]
    order: Mapping[str, Any] | None
    shipments: tuple[ShipmentBlock, ...]
    events: tuple[TimelineEvent, ...]  # oldest first
    open_exceptions: tuple[Mapping[str, Any], ...] = ()  # order_exception rows not resolved, newest first
    notifications: tuple[Mapping[str, Any], ...] = ()  # messages to the customer, oldest first

    @property
    def destination_zone(self) -> ZoneInfo:
        """The customer's zone (the pickup store's for store pickups); UTC when the order never said."""
        return zone_or_utc((self.order or {}).get("destination_time_zone"))

    @property
    def status_text(self) -> str:
        """The latest event that says where the order stands, as the customer reads it. Not
        order_state.status, which skips every post-delivery type and so misses a collection at the store,
        a return or a refund; only what the customer said themselves is skipped here."""
        latest = next((e for e in reversed(self.events) if e.event_type not in CUSTOMER_CONTACTS), None)
        if latest is not None:
            return latest.customer_text
        definition = latest_definitions().get(self.state["status"])
        return definition.customer_text if definition else self.state["status"]

    @property
    def carrier_estimate(self) -> CarrierEstimate | None:
        """When the last parcel still travelling is expected, in the carrier's word."""
        pending = [s.estimate for s in self.shipments if s.estimate and s.delivered_at is None]
        return max(pending, key=lambda estimate: estimate.day, default=None)


def timeline_of(
    view: OrderView,
    open_exceptions: Sequence[Mapping[str, Any]] = (),
    notifications: Sequence[Mapping[str, Any]] = (),
) -> OrderTimeline:
    events = tuple(timeline_event(row) for row in view.timeline)
    return OrderTimeline(
        order_id=view.state["order_id"],
        state=view.state,
        order=view.order,
        shipments=tuple(shipment_block(row, events) for row in view.shipments),
        events=events,
        open_exceptions=tuple(open_exceptions),
        notifications=tuple(notifications),
    )


def timeline_event(row: Mapping[str, Any]) -> TimelineEvent:
    definition = latest_definitions().get(row["event_type"])
    return TimelineEvent(
        event_id=row["event_id"],
        source=row["source"],
        event_type=row["event_type"],
        stage=row["stage"],
        severity=row["severity"],
        occurred_at=row["occurred_at"],
        local_time=row["local_time"],
        time_zone=row["time_zone"],
        facility_id=row["facility_id"],
        shipment_id=row["shipment_id"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        attributes=row["attributes"] or {},
        flags=tuple(row["flags"] or ()),
        raw_id=row["raw_id"],
        customer_text=definition.customer_text if definition else row["event_type"],
        internal_text=definition.internal_text if definition else row["event_type"],
    )


def shipment_block(row: Mapping[str, Any], events: Sequence[TimelineEvent]) -> ShipmentBlock:
    carrier = next((item for item in carriers() if item.carrier_id == row["carrier_id"]), None)
    service = next(
        (
            level
            for level in (carrier.service_levels if carrier else ())
            if level.service_code == row["service_code"]
        ),
        None,
    )
    number = row["tracking_number"]
    scans = [
        event
        for event in events
        if event.stage == "carrier"
        and (event.shipment_id == row["shipment_id"] or (number and event.tracking_number == number))
    ]
    return ShipmentBlock(
        shipment_id=row["shipment_id"],
        carrier_id=row["carrier_id"],
        carrier_name=carrier.name if carrier else row["carrier_id"],
        service_name=service.name if service else row["service_code"],
        tracking_number=number,
        tracking_url=carrier.tracking_url.format(tracking_number=number) if carrier and number else None,
        facility_id=row["facility_id"],
        delivered_at=row["delivered_at"],
        last_scan=max(scans, key=lambda event: event.occurred_at, default=None),
        estimate=carrier_estimate(scans),
    )


def carrier_estimate(scans: Sequence[TimelineEvent]) -> CarrierEstimate | None:
    """The carrier's latest word on the delivery date: a new estimate after a delay, or a scan's estimate."""
    for event in sorted(scans, key=lambda item: item.occurred_at, reverse=True):
        for attribute, label in ESTIMATE_LABELS.items():
            value = event.attributes.get(attribute)
            if isinstance(value, str):
                try:
                    day = date.fromisoformat(value[:10])
                except ValueError:
                    continue
                return CarrierEstimate(day, label, event.occurred_at, event.shipment_id)
    return None


def situation_of(timeline: OrderTimeline, now: datetime) -> OrderSituation:
    """What dashboard.customer_script needs to know about the order."""
    state = timeline.state
    travelling = [s for s in timeline.shipments if s.tracking_number]
    latest = max(travelling, key=lambda s: s.last_scan.occurred_at if s.last_scan else _EPOCH, default=None)
    estimate = timeline.carrier_estimate
    return OrderSituation(
        stage=state["stage"],
        on_hold=bool(state["on_hold"]),
        events=tuple(SituationEvent(e.event_type, e.occurred_at, e.attributes) for e in timeline.events),
        zone=timeline.destination_zone,
        now=now,
        promised_delivery_by=state["promised_delivery_by"],
        carrier_estimate=estimate.day if estimate else None,
        carrier=latest.carrier_name if latest else None,
        tracking_number=latest.tracking_number if latest else None,
        parcels=len(travelling),
        facility=facility_name(state["facility_id"]),
        status_text=timeline.status_text,
        open_exception_causes=frozenset(row["root_cause"] for row in timeline.open_exceptions),
    )


def facility_name(facility_id: str | None) -> str | None:
    names = {item.facility_id: item.name for item in facilities()}
    return names.get(facility_id, facility_id) if facility_id else None


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def zone_or_utc(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_time(event: TimelineEvent, *, utc: bool, fallback: ZoneInfo | None = None) -> tuple[str, str]:
    """(when, zone) as shown: the wall clock where it happened and its zone, or the UTC instant. An event
    with no place of its own (a carrier scan without a location) is shown on the `fallback` clock, said so."""
    if utc:
        return f"{event.occurred_at.astimezone(UTC):%a %b %-d, %H:%M} UTC", "UTC"
    if event.time_zone is None:
        zone = fallback or ZoneInfo("UTC")
        local = event.occurred_at.astimezone(zone)
        return (
            f"{local:%a %b %-d, %-I:%M %p} {local.tzname()}",
            f"{zone.key} (no place in the event: customer's zone)",
        )
    at_zone = event.occurred_at.astimezone(zone_or_utc(event.time_zone))
    wall = event.local_time or at_zone.replace(tzinfo=None)
    return f"{wall:%a %b %-d, %-I:%M %p} {at_zone.tzname()}", event.time_zone


def instant_in(instant: datetime | None, zone: ZoneInfo, *, utc: bool = False) -> str | None:
    """An instant on a clock: the zone's (with its abbreviation) or UTC."""
    if instant is None:
        return None
    if utc:
        return f"{instant.astimezone(UTC):%a %b %-d, %Y %H:%M} UTC"
    local = instant.astimezone(zone)
    return f"{local:%a %b %-d, %Y %-I:%M %p} {local.tzname()}"


def markdown_safe(value: object) -> str:
    """Data shown inside Markdown as written: j***@e***.com must not turn into bold, nor a colon into an icon."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def flag_notes(flags: Sequence[str]) -> list[str]:
    return [FLAG_LABELS.get(flag, flag.replace("_", " ")) for flag in flags]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$:])")
