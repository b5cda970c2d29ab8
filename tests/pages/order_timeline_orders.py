"""Orders a support agent asks about, landed in the inbox as canonical JSON Lines and drained, so every
event has its raw payload: a weather delay, a split order half delivered, an order held for its address."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from tests.canonical_factory import REGISTRY, ZONES, canonical_event, shipped_order

DELAYED = "SO-7000000001"
SPLIT = "SO-7000000002"
HELD = "SO-7000000003"
DELAYED_TRACKING = "1Z999AA17000000001"
SPLIT_TRACKING = ("1Z999AA17000000021", "794617000000022")
CUSTOMER_EMAIL = "Ann.Lee@example.com"
CUSTOMER_PHONE = "+1 312 555 0101"
SOURCE = "canonical:support-fixtures"


@dataclass(frozen=True)
class OrderWorld:
    now: datetime
    promise: datetime  # of the delayed order
    new_estimate: str  # the carrier's, a day after the promise
    # (source, event_id) of the delayed order's DELIVERY_DELAYED, landed in one payload with other scans
    delay_event: tuple[str, str]
    # (source, event_id) of its ORDER_RECEIVED, which carries the customer's contact data
    received_event: tuple[str, str]


def received(order_id: str, at: datetime, promise: datetime, email: str) -> dict:
    event = canonical_event("ORDER_RECEIVED", order_id, at)
    attributes = copy.deepcopy(event["attributes"])
    attributes.update(
        promised_delivery_by=promise.isoformat(),
        ship_by=(at + timedelta(days=1)).isoformat(),
        customer={"email": email, "phone": CUSTOMER_PHONE},
    )
    return {**event, "attributes": attributes}


def delayed_order(now: datetime) -> tuple[list[dict], list[dict], datetime, str]:
    """(warehouse events, carrier events, promise, new estimate): shipped, then delayed by weather."""
    placed = now - timedelta(days=2)
    promise = placed + timedelta(days=4)
    new_estimate = (promise + timedelta(days=1)).astimezone(UTC).date().isoformat()
    steps = shipped_order(DELAYED, placed, tracking_number=DELAYED_TRACKING)[:12]
    steps[0] = received(DELAYED, placed, promise, CUSTOMER_EMAIL)
    delay = canonical_event(
        "DELIVERY_DELAYED",
        DELAYED,
        now - timedelta(hours=3),
        tracking_number=DELAYED_TRACKING,
        attributes={"raw_code": "SE", "reason": "weather", "new_estimated_delivery": new_estimate},
    )
    warehouse = [event for event in steps if "carrier" not in event or event["event_type"] == "LABEL_PRINTED"]
    carrier = [event for event in steps if event not in warehouse]
    return warehouse, [*carrier, delay], promise, new_estimate


def split_order(now: datetime) -> list[dict]:
    """Two parcels from one order: the UPS one delivered this morning, the FedEx one still travelling."""
    placed = now - timedelta(days=3)
    first, second = SPLIT_TRACKING
    events = shipped_order(SPLIT, placed, tracking_number=first)[:10]
    events[0] = received(SPLIT, placed, placed + timedelta(days=5), CUSTOMER_EMAIL.lower())
    events += [
        canonical_event(
            "LABEL_PRINTED", SPLIT, placed + timedelta(minutes=80), shipment_id=f"{SPLIT}-2",
            tracking_number=second, carrier="fedex",
        ),
        canonical_event("CARRIER_PICKUP", SPLIT, placed + timedelta(hours=6), tracking_number=first),
        canonical_event(
            "CARRIER_PICKUP", SPLIT, placed + timedelta(hours=6), shipment_id=f"{SPLIT}-2",
            tracking_number=second, carrier="fedex",
        ),
        canonical_event(
            "DELIVERED", SPLIT, now - timedelta(hours=3), tracking_number=first,
            attributes={"raw_code": "D", "proof": "photo", "signed_by": "D. PARK"},
        ),
    ]  # fmt: skip
    return events


def held_order(now: datetime) -> list[dict]:
    """Allocated during the autumn DST change, then held to confirm the address."""
    placed = now - timedelta(hours=5)
    allocated = canonical_event("ORDER_ALLOCATED", HELD, placed + timedelta(minutes=3))
    allocated["flags"] = ["dst_fold"]
    hold = canonical_event(
        "ORDER_ON_HOLD", HELD, placed + timedelta(minutes=20), attributes={"reason": "address_verification"}
    )
    return [received(HELD, placed, placed + timedelta(days=4), "bo.chan@example.org"), allocated, hold]


def jsonl(events: list[dict]) -> bytes:
    return b"\n".join(json.dumps(event).encode() for event in events)


def land_orders(conn: Connection, now: datetime | None = None) -> OrderWorld:
    """Land the three orders (the carrier scans of two orders share one payload) and drain the inbox.
    The caller commits."""
    now = now or datetime.now(UTC)
    warehouse, carrier, promise, new_estimate = delayed_order(now)
    split = split_order(now)
    split_carrier = [event for event in split if event["event_type"] in {"CARRIER_PICKUP", "DELIVERED"}]
    for payload in (
        warehouse,
        [event for event in split if event not in split_carrier],
        [*carrier, *split_carrier],
        held_order(now),
    ):
        land(conn, Arrival(SOURCE, jsonl(payload)))
    while drain_batch(conn, REGISTRY, ZONES).payloads:
        pass
    return OrderWorld(
        now=now,
        promise=promise,
        new_estimate=new_estimate,
        delay_event=(carrier[-1]["source"], carrier[-1]["event_id"]),
        received_event=(warehouse[0]["source"], warehouse[0]["event_id"]),
    )


def open_exception(
    conn: Connection, order_id: str, exception_type: str, root_cause: str, **detail: str
) -> int:
    """An unresolved exception as the detector would have opened it; returns its id. The caller commits."""
    return conn.execute(
        text(
            "INSERT INTO order_exception (exception_type, root_cause, severity, order_id, occurred_at, opened_at,"
            " updated_at, last_evidence_at, detail)"
            " VALUES (:type, :cause, 'medium', :order_id, now(), now(), now(), now(), CAST(:detail AS jsonb))"
            " RETURNING exception_id"
        ),
        {"type": exception_type, "cause": root_cause, "order_id": order_id, "detail": json.dumps(detail)},
    ).scalar_one()
