"""Crafted parcels for the ETA tests: an order from DC-RNO (Los Angeles zone) to a ZIP code, its label,
and the carrier scans chosen by the test, loaded through the real load path."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import Connection

from pipeline.load import load_events
from tests.canonical_factory import canonical_event, staged

_numbers = count(1)
CHICAGO = "America/Chicago"


def parcel(
    order_id: str,
    picked_up: datetime | None,
    *,
    delivered: datetime | None = None,
    postal_code: str = "60614",
    time_zone: str = CHICAGO,
    carrier: str = "ups",
    service: str = "GND",
    facility_id: str = "DC-RNO",
    promise: datetime | None = None,
    label_at: datetime | None = None,
    scans: Iterable[tuple[str, datetime, dict]] = (),
) -> list[dict]:
    """The events of one single-parcel order: received, labelled, then pickup, `scans`, delivery."""
    number = next(_numbers)
    label_at = label_at or (
        picked_up - timedelta(hours=5) if picked_up else datetime(2026, 11, 2, tzinfo=UTC)
    )
    received_at = label_at - timedelta(hours=2)
    tracking = f"1ZETA{number:013d}"
    shipment_id = f"{order_id}-1"
    attributes = {
        "channel": "web",
        "fulfillment": "ship",
        "promised_delivery_by": (promise or received_at + timedelta(days=7)).isoformat(),
        "ship_by": (received_at + timedelta(hours=24)).isoformat(),
        "destination": {"postal_code": postal_code, "country": "US", "time_zone": time_zone},
        "lines": [{"line_no": 1, "sku": "SKU-004512", "qty": 1, "uom": "EA"}],
        "customer": {"email": "ann.lee@example.com"},
    }
    common = {"facility_id": facility_id, "carrier": carrier, "tracking_number": tracking}
    events = [
        canonical_event("ORDER_RECEIVED", order_id, received_at, attributes=attributes, facility_id=facility_id),
        canonical_event(
            "LABEL_PRINTED", order_id, label_at, shipment_id=shipment_id,
            attributes={"carrier": carrier, "service_level": service, "tracking_number": tracking}, **common,
        ),
    ]  # fmt: skip
    carrier_scans = list(scans)
    if picked_up is not None:
        carrier_scans.insert(0, ("CARRIER_PICKUP", picked_up, {"raw_code": "P"}))
    if delivered is not None:
        carrier_scans.append(("DELIVERED", delivered, {"raw_code": "D"}))
    for event_type, at, scan_attributes in carrier_scans:
        events.append(
            canonical_event(
                event_type, order_id, at, shipment_id=shipment_id, attributes=scan_attributes, **common
            )
        )
    return events


def load(conn: Connection, *orders: list[dict]) -> None:
    events = [event for order in orders for event in order]
    load_events(conn, staged(events, datetime(2026, 11, 20, tzinfo=UTC)))
