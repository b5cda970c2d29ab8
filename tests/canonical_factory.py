"""Canonical events for tests, built from the examples in the registry's definition files."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from itertools import count

from db.master_data import facilities
from pipeline.canonical import ValidatedEvent, validate_event
from pipeline.load import StagedEvent
from pipeline.registry import Registry
from pipeline.taxonomy import Stage, latest_definitions

REGISTRY = Registry.from_files()
ZONES = {item.facility_id: item.time_zone for item in facilities()}
_LATEST = latest_definitions()
_ids = count(1)


def canonical_event(
    event_type: str,
    order_id: str,
    at: datetime,
    *,
    facility_id: str = "DC-RNO",
    shipment_id: str | None = None,
    tracking_number: str = "1Z999AA10000000001",
    carrier: str = "ups",
    attributes: dict | None = None,
    event_id: str | None = None,
    source: str | None = None,
) -> dict:
    stage = _LATEST[event_type].stage
    event = {
        "event_id": event_id or f"E{next(_ids):09d}",
        "source": source
        or {Stage.FULFILLMENT: f"wms:{facility_id}", Stage.CARRIER: f"carrier:{carrier}"}.get(
            stage, "helpdesk"
        ),
        "event_type": event_type,
        "occurred_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "order_id": order_id,
        "attributes": attributes
        if attributes is not None
        else copy.deepcopy(_LATEST[event_type].attributes_schema["examples"][0]),
    }
    if stage is Stage.FULFILLMENT:
        event["facility_id"] = facility_id
    if stage is Stage.CARRIER:
        event.update(
            carrier=carrier, tracking_number=tracking_number, shipment_id=shipment_id or f"{order_id}-1"
        )
    if event_type == "LABEL_PRINTED":
        event["shipment_id"] = shipment_id or f"{order_id}-1"
        event["attributes"].update(carrier=carrier, tracking_number=tracking_number)
    return event


def validated(raw: dict) -> ValidatedEvent:
    return validate_event(raw, REGISTRY, ZONES)


def staged(raws: list[dict], received_at: datetime | None = None) -> list[StagedEvent]:
    received_at = received_at or datetime(2026, 11, 20, tzinfo=UTC)
    return [StagedEvent(validated(raw), received_at) for raw in raws]


def shipped_order(
    order_id: str, placed: datetime, *, tracking_number: str = "1Z999AA10000000001"
) -> list[dict]:
    """A DC order from download to doorstep, one event per step, a few minutes to days apart."""
    steps = [
        ("ORDER_RECEIVED", 0),
        ("ORDER_ALLOCATED", 3),
        ("ORDER_RELEASED", 40),
        ("PICK_STARTED", 55),
        ("ITEM_PICKED", 58),
        ("PICK_COMPLETED", 60),
        ("PACK_STARTED", 70),
        ("PACK_COMPLETED", 76),
        ("LABEL_PRINTED", 77),
        ("STAGED_OUTBOUND", 90),
        ("CARRIER_PICKUP", 300),
        ("ARRIVED_AT_HUB", 600),
        ("DEPARTED_HUB", 700),
        ("OUT_FOR_DELIVERY", 2200),
        ("DELIVERED", 2500),
    ]
    return [
        canonical_event(kind, order_id, placed + timedelta(minutes=minutes), tracking_number=tracking_number)
        for kind, minutes in steps
    ]
