"""Crafted order streams for the exception tests: an order up to a chosen step, then the trouble."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text

from pipeline.load import load_events
from tests.canonical_factory import canonical_event, staged

# Minutes after the order was received, as in tests/canonical_factory.shipped_order.
STEPS = (
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
)


def received(
    order_id: str,
    at: datetime,
    *,
    ship_by: timedelta = timedelta(hours=24),
    promise: timedelta = timedelta(days=4),
    email: str | None = "ann.lee@example.com",
    phone: str | None = "+1 312 555 0101",
    facility_id: str = "DC-RNO",
) -> dict:
    customer = {key: value for key, value in (("email", email), ("phone", phone)) if value}
    attributes = {
        "channel": "web",
        "fulfillment": "ship",
        "promised_delivery_by": (at + promise).isoformat(),
        "ship_by": (at + ship_by).isoformat(),
        "destination": {"postal_code": "60614", "country": "US", "time_zone": "America/Chicago"},
        "lines": [
            {"line_no": 1, "sku": "SKU-004512", "qty": 1, "uom": "EA"},
            {"line_no": 2, "sku": "SKU-000087", "qty": 2, "uom": "EA"},
        ],
    }
    if customer:
        attributes["customer"] = customer
    return canonical_event("ORDER_RECEIVED", order_id, at, attributes=attributes, facility_id=facility_id)


def order_until(
    order_id: str, placed: datetime, last_step: str, *, tracking_number: str = "1Z999AA10000000001", **order
) -> list[dict]:
    """The order's events from ORDER_RECEIVED up to and including `last_step`."""
    events = [received(order_id, placed, **order)]
    facility_id = order.get("facility_id", "DC-RNO")
    for kind, minutes in STEPS[1:]:
        at = placed + timedelta(minutes=minutes)
        events.append(
            canonical_event(kind, order_id, at, tracking_number=tracking_number, facility_id=facility_id)
        )
        if kind == last_step:
            return events
    if last_step != "ORDER_RECEIVED":
        raise ValueError(f"unknown step {last_step!r}")
    return events


def step_time(placed: datetime, step: str) -> datetime:
    return placed + timedelta(minutes=dict(STEPS)[step])


def pick_short(order_id: str, at: datetime, *, sku: str = "SKU-000087", qty: int = 1, short: int = 1) -> dict:
    attributes = {"sku": sku, "qty": qty, "qty_short": short, "line_no": 2, "reason": "no_stock"}
    return canonical_event("PICK_SHORT", order_id, at, attributes=attributes)


def carrier_event(
    kind: str, order_id: str, at: datetime, *, tracking_number: str = "1Z999AA10000000001", **attributes
) -> dict:
    return canonical_event(kind, order_id, at, attributes=attributes, tracking_number=tracking_number)


def load(target: Connection | Engine, events: list[dict]) -> int:
    """Load canonical events (committing when given an engine); returns how many were new."""
    if isinstance(target, Connection):
        return load_events(target, staged(events)).loaded
    with target.begin() as conn:
        return load_events(conn, staged(events)).loaded


def exceptions_of(target: Connection | Engine, order_id: str) -> list[dict]:
    query = text("SELECT * FROM order_exception WHERE order_id = :o ORDER BY exception_id")
    if isinstance(target, Connection):
        return [dict(r) for r in target.execute(query, {"o": order_id}).mappings()]
    with target.connect() as conn:
        return [dict(r) for r in conn.execute(query, {"o": order_id}).mappings()]


def carrier_asked(target: Connection | Engine, shipment_id: str, at: datetime) -> None:
    """Carrier polling got an answer about the shipment at `at` (what the silent-carrier rules wait for)."""
    update = text("UPDATE shipment SET polled_at = :at WHERE shipment_id = :shipment_id")
    if isinstance(target, Connection):
        target.execute(update, {"at": at, "shipment_id": shipment_id})
        return
    with target.begin() as conn:
        conn.execute(update, {"at": at, "shipment_id": shipment_id})
