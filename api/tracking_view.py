"""An order told to its customer: the dashboard's order story (dashboard/order_story.py, the same events,
texts and parcels a support agent sees) reduced to what the customer may read. Pure functions, no I/O.

Nothing personal leaves here: no name, address, email or phone, no internal texts or raw payloads, and
for messages only their subject (a message body may carry a signed link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.tracking_models import (
    Alert,
    EtaWindow,
    LocalTime,
    OrderStatus,
    ShipmentTracking,
    TimelineEntry,
    Tracking,
)
from dashboard.order_story import OrderTimeline, ShipmentBlock, TimelineEvent, event_time, zone_or_utc
from pipeline.exceptions.rules import RuleBook, load_rules
from pipeline.notify.templates import load_templates
from pipeline.taxonomy import latest_definitions

SOURCE_TEXTS = {
    "delivered": "Delivered",
    "carrier": "Carrier's estimate",
    "lane_model": "Our estimate from recent deliveries on this route",
    "service_level": "The carrier's committed transit time for this service",
    "promise": "The delivery date promised when you ordered",
    "none": "No estimate yet",
}


def local_time(instant: datetime, zone: ZoneInfo) -> LocalTime:
    at = instant.astimezone(zone)
    return LocalTime(utc=instant, local=f"{at:%a %b %-d, %Y %-I:%M %p} {at.tzname()}", time_zone=zone.key)


def customer_tracking(
    timeline: OrderTimeline,
    etas: Sequence[Mapping[str, Any]],
    open_exceptions: Sequence[Mapping[str, Any]] = (),
    notifications: Sequence[Mapping[str, Any]] = (),
) -> Tracking:
    """The customer's view of one order; `etas` are its shipment_eta rows."""
    zone = timeline.destination_zone
    state = timeline.state
    by_shipment = {row["shipment_id"]: row for row in etas}
    promise = state.get("promised_delivery_by") or (timeline.order or {}).get("promised_delivery_by")
    shipments = [
        _shipment(block, by_shipment.get(block.shipment_id), promise, zone) for block in timeline.shipments
    ]
    return Tracking(
        order_id=timeline.order_id,
        time_zone=zone.key,
        status=OrderStatus(
            text=timeline.status_text,
            stage=state["stage"],
            on_hold=bool(state["on_hold"]),
            updated=local_time(state["last_event_at"], zone),
        ),
        eta=_order_eta(etas, promise, zone, finished=bool(state["is_terminal"]) or _all_delivered(timeline)),
        shipments=shipments,
        timeline=_entries(timeline.events, zone),
        alerts=_alerts(timeline.order_id, open_exceptions, notifications, zone),
    )


def _all_delivered(timeline: OrderTimeline) -> bool:
    return bool(timeline.shipments) and all(block.delivered_at for block in timeline.shipments)


def eta_window(row: Mapping[str, Any], zone: ZoneInfo) -> EtaWindow:
    first = row["window_start"].astimezone(zone).date() if row["window_start"] else None
    # window_end is exclusive: the end of the window's last local day.
    last = (
        (row["window_end"] - timedelta(microseconds=1)).astimezone(zone).date() if row["window_end"] else None
    )
    if first and last:
        text = _day(first) if first == last else f"{_day(first)} – {_day(last)}"
    elif row["likely_at"]:
        text = _day(row["likely_at"].astimezone(zone).date())
    else:
        text = None
    return EtaWindow(
        source=row["source"],
        source_text=SOURCE_TEXTS.get(row["source"], row["source"]),
        text=text,
        likely=local_time(row["likely_at"], zone) if row["likely_at"] else None,
        first_day=first,
        last_day=last,
        promised_by=local_time(row["promised_delivery_by"], zone)
        if row.get("promised_delivery_by")
        else None,
    )


def promise_window(promise: datetime, zone: ZoneInfo) -> EtaWindow:
    """No estimate computed yet: the promise made at checkout, labelled as such."""
    day = promise.astimezone(zone).date()
    return EtaWindow(
        source="promise",
        source_text=SOURCE_TEXTS["promise"],
        text=f"By {_day(day)}",
        likely=None,
        first_day=None,
        last_day=day,
        promised_by=local_time(promise, zone),
    )


def _order_eta(
    etas: Sequence[Mapping[str, Any]], promise: datetime | None, zone: ZoneInfo, *, finished: bool
) -> EtaWindow | None:
    """The parcel expected last decides when the order is complete; once it is finished (delivered,
    collected, cancelled), the last estimate there was, and never the promise as if still to come."""
    travelling = [row for row in etas if row["source"] != "delivered"]
    candidates = travelling or (list(etas) if finished else [])
    if candidates:
        return eta_window(max(candidates, key=_end), zone)
    return promise_window(promise, zone) if promise and not finished else None


def _end(row: Mapping[str, Any]) -> datetime:
    return row["window_end"] or row["likely_at"] or datetime.min.replace(tzinfo=UTC)


def _shipment(
    block: ShipmentBlock, eta: Mapping[str, Any] | None, promise: datetime | None, zone: ZoneInfo
) -> ShipmentTracking:
    if block.last_scan is not None:
        status = block.last_scan.customer_text
    else:
        status = latest_definitions()["LABEL_PRINTED"].customer_text
    if eta is not None:
        window = eta_window(eta, zone)
    else:
        window = promise_window(promise, zone) if promise and block.delivered_at is None else None
    return ShipmentTracking(
        carrier=block.carrier_name,
        service=block.service_name,
        tracking_number=block.tracking_number,
        tracking_url=block.tracking_url,
        status=status,
        delivered=local_time(block.delivered_at, zone) if block.delivered_at else None,
        eta=window,
    )


def _entries(events: Sequence[TimelineEvent], zone: ZoneInfo) -> list[TimelineEntry]:
    """Each step once: a run of events that read the same (one ITEM_PICKED per line) is its first."""
    entries: list[TimelineEntry] = []
    for event in events:
        number = event.tracking_number if event.stage == "carrier" else None
        if entries and (entries[-1].text, entries[-1].tracking_number) == (event.customer_text, number):
            continue
        where = zone_or_utc(event.time_zone) if event.time_zone else zone
        shown, _ = event_time(event, utc=False, fallback=zone)
        at = LocalTime(utc=event.occurred_at, local=shown, time_zone=where.key)
        entries.append(
            TimelineEntry(
                at=at, text=event.customer_text, event_type=event.event_type, tracking_number=number
            )
        )
    return entries


def _alerts(
    order_id: str,
    open_exceptions: Sequence[Mapping[str, Any]],
    notifications: Sequence[Mapping[str, Any]],
    zone: ZoneInfo,
) -> list[Alert]:
    alerts = [
        Alert(
            kind="message",
            text=_subject(row["message_type"], order_id),
            at=local_time(row["sent_at"], zone),
            channel=row["channel"],
        )  # fmt: skip
        for row in notifications
        if row["status"] == "sent" and row["sent_at"] is not None
    ]
    rules = load_rules()
    definitions = latest_definitions()
    for row in open_exceptions:
        try:
            message_type = rule_message(rules, row)
        except KeyError:
            continue
        if message_type is None:  # not something the customer is told about (e.g. a stuck stage)
            continue
        definition = definitions.get(row["exception_type"])
        text = definition.customer_text if definition else _subject(message_type, order_id)
        alerts.append(Alert(kind="issue", text=text, at=local_time(row["opened_at"], zone)))
    return sorted(alerts, key=lambda alert: alert.at.utc)


def rule_message(rules: RuleBook, exception: Mapping[str, Any]) -> str | None:
    return (
        rules.rule(exception["exception_type"])
        .for_reason((exception["detail"] or {}).get("reason"))
        .message_type
    )


def _subject(message_type: str, order_id: str) -> str:
    try:
        return load_templates().template(message_type).subject.format(order_id=order_id)
    except (KeyError, IndexError, ValueError):
        return "We sent you a message about your order"


def _day(day: date) -> str:
    return day.strftime("%A, %B %-d")
