"""A stream of realistic canonical events for benchmarks: DC orders from download to doorstep."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pipeline.taxonomy import latest_definitions

STEPS = (
    ("ORDER_RECEIVED", 0), ("ORDER_ALLOCATED", 3), ("ORDER_RELEASED", 40), ("PICK_STARTED", 55),
    ("ITEM_PICKED", 58), ("PICK_COMPLETED", 60), ("PACK_STARTED", 70), ("PACK_COMPLETED", 76),
    ("LABEL_PRINTED", 77), ("STAGED_OUTBOUND", 90), ("CARRIER_PICKUP", 300), ("ARRIVED_AT_HUB", 600),
    ("DEPARTED_HUB", 700), ("OUT_FOR_DELIVERY", 2200), ("DELIVERED", 2500),
)  # fmt: skip
CARRIER_TYPES = {"CARRIER_PICKUP", "ARRIVED_AT_HUB", "DEPARTED_HUB", "OUT_FOR_DELIVERY", "DELIVERED"}


@lru_cache(maxsize=1)
def _examples() -> dict[str, dict]:
    definitions = latest_definitions()
    return {kind: definitions[kind].attributes_schema["examples"][0] for kind, _ in STEPS}


def order_events(n: int, start: datetime) -> list[dict]:
    examples = _examples()
    order_id, tracking = f"SO-B{n:08d}", f"1ZB{n:012d}"
    placed = start + timedelta(seconds=37 * n)
    events = []
    for index, (kind, minutes) in enumerate(STEPS):
        at = (placed + timedelta(minutes=minutes)).astimezone(UTC).isoformat().replace("+00:00", "Z")
        attributes = copy.deepcopy(examples[kind])
        event = {"event_id": f"{order_id}:{index}", "event_type": kind, "occurred_at": at, "order_id": order_id,
                 "attributes": attributes}  # fmt: skip
        if kind in CARRIER_TYPES:
            event.update(
                source="carrier:ups", carrier="ups", tracking_number=tracking, shipment_id=f"{order_id}-1"
            )
        else:
            # A change log numbers rows in the order they happen: the sequence follows the time.
            moment = placed + timedelta(minutes=minutes)
            event.update(
                source="wms:DC-RNO", facility_id="DC-RNO", sequence=int(moment.timestamp()) * 100 + index
            )
        if kind == "LABEL_PRINTED":
            event["shipment_id"] = f"{order_id}-1"
            attributes.update(carrier="ups", tracking_number=tracking)
        events.append(event)
    return events


def jsonl_payloads(
    events: int, *, per_payload: int = 1_000, start: datetime | None = None
) -> Iterator[bytes]:
    """About `events` canonical events as JSON Lines payloads of `per_payload` lines each."""
    start = start or datetime.now(UTC) - timedelta(days=20)
    buffer: list[bytes] = []
    for n in range(events // len(STEPS)):
        buffer.extend(json.dumps(e).encode() for e in order_events(n, start))
        if len(buffer) >= per_payload:
            yield b"\n".join(buffer)
            buffer = []
    if buffer:
        yield b"\n".join(buffer)
