"""What the order-state projection knows about an exception's order and shipment (OrderFacts), read in one
query for many orders: the detector decides with it whether an exception is over, or was over before it
would have been opened (a backlog's short pick that the order's later packing already settled)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text

from pipeline.exceptions.detection import Finding, OrderFacts, verdict
from pipeline.exceptions.rules import RuleBook

FACT_COLUMNS = """
           o.stage, o.stage_entered_at, o.picked_at, o.packed_at, o.carrier_pickup_at, o.out_for_delivery_at,
           coalesce(o.delivered_at, o.picked_up_at) AS delivered_at, o.ready_for_pickup_at, o.cancelled_at,
           o.ship_by, o.promised_delivery_by, c.destination_time_zone,
           s.delivered_at AS shipment_delivered_at, s.last_scan_at AS shipment_last_scan_at,
           s.shipment_id IS NOT NULL AS has_shipment
"""
_FACTS_OF = text(
    f"""
    SELECT w.order_id, w.shipment_id AS wanted_shipment_id, {FACT_COLUMNS}
    FROM unnest(CAST(:orders AS text[]), CAST(:shipments AS text[])) AS w(order_id, shipment_id)
    LEFT JOIN order_state AS o ON o.order_id = w.order_id
    LEFT JOIN customer_order AS c ON c.order_id = w.order_id
    LEFT JOIN shipment AS s ON s.shipment_id = w.shipment_id
    """  # noqa: S608 - a constant column list, no input
)


def facts_of(row: Mapping[str, Any]) -> OrderFacts:
    return OrderFacts(
        stage=row["stage"],
        stage_entered_at=row["stage_entered_at"],
        picked_at=row["picked_at"],
        packed_at=row["packed_at"],
        carrier_pickup_at=row["carrier_pickup_at"],
        out_for_delivery_at=row["out_for_delivery_at"],
        delivered_at=row["delivered_at"],
        ready_for_pickup_at=row["ready_for_pickup_at"],
        cancelled_at=row["cancelled_at"],
        ship_by=row["ship_by"],
        promised_delivery_by=row["promised_delivery_by"],
        destination_time_zone=row["destination_time_zone"],
        shipment_delivered_at=row["shipment_delivered_at"],
        shipment_last_scan_at=row["shipment_last_scan_at"],
        has_shipment=row["has_shipment"],
    )


def settled_findings(conn: Connection, findings: Iterable[Finding], rules: RuleBook) -> set[int]:
    """Indexes of the findings whose exception would be over as soon as it opened: the projection already
    shows what ends it (packed after the short pick, delivered, cancelled). Opening them would fill the
    queue with work that is done; a first run over weeks of history would open tens of thousands."""
    findings = list(findings)
    if not findings:
        return set()
    pairs = sorted({(f.order_id, f.shipment_id) for f in findings}, key=lambda p: (p[0], p[1] or ""))
    rows = conn.execute(
        _FACTS_OF, {"orders": [o for o, _ in pairs], "shipments": [s for _, s in pairs]}
    ).mappings()
    facts = {(row["order_id"], row["wanted_shipment_id"]): facts_of(row) for row in rows}
    settled = set()
    for index, finding in enumerate(findings):
        known = facts.get((finding.order_id, finding.shipment_id))
        if known is None or known.stage is None:
            continue
        as_if_open = {"exception_type": finding.exception_type, "detail": finding.detail,
                      "last_evidence_at": finding.occurred_at}  # fmt: skip
        if verdict(as_if_open, known, rules) is not None:
            settled.add(index)
    return settled
