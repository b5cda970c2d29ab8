"""Canonical events that Waypoint's own actions cause (ORDER_REALLOCATED, ORDER_SPLIT, ORDER_ON_HOLD, …),
written through the normal path: validated by the registry, landed in the raw inbox (already done, so
the drain never reads it again and the timeline can show the payload), loaded with the projection, all
in the caller's transaction.

Source `waypoint:actions`; the caller gives a stable event_id, so repeating an action is a duplicate,
never a second event.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from db.master_data import facilities
from pipeline.canonical import validate_event
from pipeline.load import StagedEvent, load_events
from pipeline.registry import Registry

ACTIONS_SOURCE = "waypoint:actions"

_KNOWN = text("SELECT 1 FROM event_key WHERE source = :source AND event_id = :event_id")
_LAND_DONE = text(
    "INSERT INTO raw_inbox (source, correlation_id, content_type, headers, payload, status, attempts, processed_at)"
    " VALUES (:source, :correlation_id, 'application/json', CAST(:headers AS jsonb), :payload, 'done', 1, now())"
    " RETURNING raw_id"
)


@lru_cache(maxsize=1)
def _registry() -> Registry:
    return Registry.from_files()


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {item.facility_id: item.time_zone for item in facilities()}


def emit_event(
    conn: Connection,
    *,
    event_id: str,
    event_type: str,
    order_id: str,
    facility_id: str,
    occurred_at: datetime,
    attributes: dict[str, Any],
    correlation_id: str | None = None,
) -> bool:
    """Validate and load one fulfillment-stage event; False when an event with this id was loaded before."""
    if conn.execute(_KNOWN, {"source": ACTIONS_SOURCE, "event_id": event_id}).first() is not None:
        return False
    raw = {
        "event_id": event_id,
        "source": ACTIONS_SOURCE,
        "event_type": event_type,
        "occurred_at": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "order_id": order_id,
        "facility_id": facility_id,
        "attributes": attributes,
    }
    event = validate_event(raw, _registry(), _zones())
    payload = json.dumps(raw, separators=(",", ":")).encode()
    raw_id = conn.execute(
        _LAND_DONE,
        {
            "source": ACTIONS_SOURCE,
            "correlation_id": correlation_id or str(uuid.uuid4()),
            "headers": json.dumps({"event_id": event_id}),
            "payload": payload,
        },
    ).scalar_one()
    report = load_events(conn, [StagedEvent(event, received_at=occurred_at, raw_id=raw_id)])
    return report.loaded == 1
