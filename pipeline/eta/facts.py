"""What the estimator needs, read for many shipments at once: the shipment and its order's destination
and promise, its carrier scans' signals, and the statistics of its lane."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from pipeline.eta.estimate import ShipmentFacts, carrier_signals
from pipeline.eta.lanes import LaneDistribution, LaneKey

_SHIPMENTS = """
SELECT s.shipment_id, s.order_id, s.facility_id, s.carrier_id, s.service_code, s.label_printed_at,
       s.carrier_pickup_at, s.delivered_at, o.destination_postal_code, o.destination_time_zone,
       coalesce(o.promised_delivery_by, st.promised_delivery_by) AS promised_delivery_by,
       st.first_event_at
FROM shipment AS s
LEFT JOIN customer_order AS o ON o.order_id = s.order_id
LEFT JOIN order_state AS st ON st.order_id = s.order_id
WHERE s.shipment_id = ANY(:ids)
"""
# Bounded below by the orders' first event, so only the partitions from that month on are read.
_SCANS = """
SELECT shipment_id, event_type, occurred_at, attributes->>'new_estimated_delivery' AS new_estimated_delivery,
       attributes->>'estimated_delivery' AS estimated_delivery, attributes->>'next_attempt' AS next_attempt
FROM event
WHERE order_id = ANY(:orders) AND occurred_at >= :since AND stage = 'carrier' AND shipment_id = ANY(:ids)
"""
_LANE_STATS = """
SELECT carrier_id, service_code, facility_id, dest_zip3, samples, quantiles FROM lane_stat
WHERE (carrier_id, service_code, facility_id, dest_zip3) IN (SELECT * FROM unnest(
    CAST(:c AS text[]), CAST(:s AS text[]), CAST(:f AS text[]), CAST(:z AS text[])))
"""
_DATE_FIELDS = ("new_estimated_delivery", "estimated_delivery", "next_attempt")


def shipment_facts(conn: Connection, shipment_ids: Sequence[str]) -> dict[str, ShipmentFacts]:
    """Facts of the shipments that exist among `shipment_ids`, by shipment id."""
    if not shipment_ids:
        return {}
    rows = conn.execute(text(_SHIPMENTS), {"ids": list(shipment_ids)}).mappings().all()
    if not rows:
        return {}
    starts = [row["first_event_at"] or row["label_printed_at"] for row in rows]
    known = [start for start in starts if start is not None]
    scans: dict[str, list[tuple[str, Any, dict[str, str]]]] = defaultdict(list)
    if known:
        params = {
            "orders": sorted({row["order_id"] for row in rows}),
            "since": min(known),
            "ids": list(shipment_ids),
        }
        for scan in conn.execute(text(_SCANS), params).mappings():
            dates = {name: scan[name] for name in _DATE_FIELDS if scan[name]}
            scans[scan["shipment_id"]].append((scan["event_type"], scan["occurred_at"], dates))
    return {
        row["shipment_id"]: ShipmentFacts(
            shipment_id=row["shipment_id"],
            order_id=row["order_id"],
            facility_id=row["facility_id"],
            carrier_id=row["carrier_id"],
            service_code=row["service_code"],
            destination_postal_code=row["destination_postal_code"],
            destination_time_zone=row["destination_time_zone"],
            promised_delivery_by=row["promised_delivery_by"],
            label_printed_at=row["label_printed_at"],
            carrier_pickup_at=row["carrier_pickup_at"],
            delivered_at=row["delivered_at"],
            signals=carrier_signals(scans.get(row["shipment_id"], ())),
        )
        for row in rows
    }


def lane_distributions(conn: Connection, keys: Iterable[LaneKey]) -> dict[LaneKey, LaneDistribution]:
    """The stored statistics of the lanes among `keys` that have any."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    params = {
        "c": [k.carrier_id for k in wanted],
        "s": [k.service_code for k in wanted],
        "f": [k.facility_id for k in wanted],
        "z": [k.dest_zip3 for k in wanted],
    }
    return {
        LaneKey(row.carrier_id, row.service_code, row.facility_id, row.dest_zip3): LaneDistribution(
            row.samples, tuple(row.quantiles)
        )
        for row in conn.execute(text(_LANE_STATS), params)
    }
