"""One order as people ask about it: its state, shipments and timeline. Used by `waypoint order`, the
order timeline page and the tracking API, so all three tell the same story."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

# The timeline is bounded below by the order's first event (order_state.first_event_at), so only the partitions from that month
# on are scanned (see README, "Events table design").
_TIMELINE = """
SELECT event_id, source, event_type, stage, severity, occurred_at, local_time, time_zone, utc_offset_minutes,
       facility_id, shipment_id, carrier, tracking_number, attributes, flags, received_at, loaded_at, raw_id
FROM event
WHERE order_id = :order_id AND occurred_at >= :since
ORDER BY occurred_at, sequence NULLS LAST, event_id
"""


@dataclass(frozen=True)
class OrderView:
    state: dict[str, Any]
    order: dict[str, Any] | None
    shipments: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


def order_view(conn: Connection, order_id: str) -> OrderView | None:
    state = (
        conn.execute(text("SELECT * FROM order_state WHERE order_id = :o"), {"o": order_id})
        .mappings()
        .first()
    )
    if state is None:
        return None
    order = (
        conn.execute(text("SELECT * FROM customer_order WHERE order_id = :o"), {"o": order_id})
        .mappings()
        .first()
    )
    shipments = (
        conn.execute(
            text(
                "SELECT * FROM shipment WHERE order_id = :o ORDER BY label_printed_at NULLS LAST, shipment_id"
            ),
            {"o": order_id},
        )
        .mappings()
        .all()
    )
    timeline = (
        conn.execute(text(_TIMELINE), {"order_id": order_id, "since": state["first_event_at"]})
        .mappings()
        .all()
    )
    return OrderView(
        dict(state), dict(order) if order else None, [dict(s) for s in shipments], [dict(e) for e in timeline]
    )
