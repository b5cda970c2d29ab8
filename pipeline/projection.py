"""The order-state projection: orders, lines, shipments and each order's current stage, updated from the
events just loaded (`event_fresh`), in the same transaction.

Every update is commutative: stages only move up (GREATEST of ranks, see projection_stages.json), first
times take LEAST, last times GREATEST, and "latest" values compare (occurred_at, type). So applying the
same events in any arrival order, in one batch or many, leaves the same state — a late event never moves
an order backwards. A DELIVERED scan for one parcel of a split order makes it `partially_delivered` until
every shipment is delivered.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, text

STAGES_FILE = Path(__file__).resolve().parent / "projection_stages.json"
UNRANKED = ("unknown", 0, False)
PARTIALLY_DELIVERED = ("partially_delivered", 115)


@lru_cache(maxsize=1)
def _stage_table() -> dict[str, tuple[str, int, bool]]:
    raw = json.loads(STAGES_FILE.read_text())["stages"]
    return {
        kind: (entry["stage"], int(entry["rank"]), bool(entry.get("terminal", False)))
        for kind, entry in raw.items()
    }


def projection_stage(event_type: str) -> tuple[str, int, bool]:
    """(stage, rank, terminal) an event type moves an order to; rank 0 leaves the stage alone."""
    return _stage_table().get(event_type, UNRANKED)


_CUSTOMER_ORDERS = """
INSERT INTO customer_order (order_id, channel, placed_at, promised_delivery_by, ship_by, destination_postal_code,
                            destination_country, destination_time_zone, customer_email, customer_phone,
                            customer_phone_digits)
SELECT DISTINCT ON (order_id)
       order_id, attributes->>'channel', occurred_at, (attributes->>'promised_delivery_by')::timestamptz,
       (attributes->>'ship_by')::timestamptz, attributes#>>'{destination,postal_code}',
       attributes#>>'{destination,country}', attributes#>>'{destination,time_zone}',
       attributes#>>'{customer,email}', attributes#>>'{customer,phone}',
       nullif(regexp_replace(coalesce(attributes#>>'{customer,phone}', ''), '\\D', '', 'g'), '')
FROM event_fresh WHERE event_type = 'ORDER_RECEIVED'
ORDER BY order_id, occurred_at, event_id
ON CONFLICT (order_id) DO NOTHING
"""

_ORDER_LINES = """
INSERT INTO order_line (order_id, line_no, sku, qty, uom)
SELECT e.order_id, coalesce((line.value->>'line_no')::smallint, line.ordinality::smallint),
       line.value->>'sku', (line.value->>'qty')::integer, coalesce(line.value->>'uom', 'EA')
FROM event_fresh AS e
CROSS JOIN LATERAL jsonb_array_elements(e.attributes->'lines') WITH ORDINALITY AS line(value, ordinality)
WHERE e.event_type = 'ORDER_RECEIVED'
ORDER BY 1, 2
ON CONFLICT DO NOTHING
"""

_LABELED_SHIPMENTS = """
INSERT INTO shipment (shipment_id, order_id, facility_id, carrier_id, service_code, tracking_number,
                      label_printed_at)
SELECT DISTINCT ON (shipment_id)
       shipment_id, order_id, facility_id, coalesce(carrier, attributes->>'carrier'),
       attributes->>'service_level', coalesce(tracking_number, attributes->>'tracking_number'), occurred_at
FROM event_fresh WHERE event_type = 'LABEL_PRINTED' AND shipment_id IS NOT NULL
ORDER BY shipment_id, occurred_at
ON CONFLICT (shipment_id) DO UPDATE SET
    facility_id = coalesce(shipment.facility_id, excluded.facility_id),
    carrier_id = coalesce(shipment.carrier_id, excluded.carrier_id),
    service_code = coalesce(shipment.service_code, excluded.service_code),
    tracking_number = coalesce(shipment.tracking_number, excluded.tracking_number),
    label_printed_at = least(shipment.label_printed_at, excluded.label_printed_at)
"""

_SCANNED_SHIPMENTS = """
WITH scans AS (
    SELECT shipment_id, min(order_id) AS order_id, min(carrier) AS carrier_id,
           min(tracking_number) AS tracking_number, max(proj_rank) AS stage_rank,
           min(occurred_at) FILTER (WHERE event_type = 'CARRIER_PICKUP') AS carrier_pickup_at,
           min(occurred_at) FILTER (WHERE event_type = 'DELIVERED') AS delivered_at,
           max(occurred_at) AS last_scan_at,
           (array_agg(event_type ORDER BY occurred_at DESC, event_type DESC))[1] AS status
    FROM event_fresh WHERE stage = 'carrier' AND shipment_id IS NOT NULL
    GROUP BY shipment_id
)
INSERT INTO shipment (shipment_id, order_id, carrier_id, tracking_number, carrier_pickup_at, delivered_at,
                      last_scan_at, status, stage_rank)
SELECT shipment_id, order_id, carrier_id, tracking_number, carrier_pickup_at, delivered_at, last_scan_at,
       status, stage_rank
FROM scans ORDER BY shipment_id
ON CONFLICT (shipment_id) DO UPDATE SET
    carrier_id = coalesce(shipment.carrier_id, excluded.carrier_id),
    tracking_number = coalesce(shipment.tracking_number, excluded.tracking_number),
    carrier_pickup_at = least(shipment.carrier_pickup_at, excluded.carrier_pickup_at),
    delivered_at = least(shipment.delivered_at, excluded.delivered_at),
    status = CASE WHEN shipment.last_scan_at IS NULL
                    OR (excluded.last_scan_at, excluded.status) > (shipment.last_scan_at, shipment.status)
                  THEN excluded.status ELSE shipment.status END,
    last_scan_at = greatest(shipment.last_scan_at, excluded.last_scan_at),
    stage_rank = greatest(shipment.stage_rank, excluded.stage_rank)
"""

_ORDER_STATE = """
WITH batch AS (
    SELECT order_id,
           (array_agg(proj_stage ORDER BY proj_rank DESC, occurred_at))[1] AS stage,
           max(proj_rank) AS stage_rank,
           (array_agg(proj_terminal ORDER BY proj_rank DESC, occurred_at))[1] AS is_terminal,
           (array_agg(occurred_at ORDER BY proj_rank DESC, occurred_at))[1] AS stage_entered_at,
           coalesce((array_agg(event_type ORDER BY occurred_at DESC, event_type DESC)
                        FILTER (WHERE stage <> 'post_delivery'))[1],
                    (array_agg(event_type ORDER BY occurred_at DESC, event_type DESC))[1]) AS status,
           coalesce(max(occurred_at) FILTER (WHERE stage <> 'post_delivery'), max(occurred_at)) AS status_at,
           min(occurred_at) AS first_event_at,
           max(occurred_at) AS last_event_at,
           (array_agg(coalesce(attributes->>'to_facility', facility_id) ORDER BY occurred_at DESC, event_type DESC)
                FILTER (WHERE stage = 'fulfillment' AND facility_id IS NOT NULL))[1] AS facility_id,
           max(occurred_at) FILTER (WHERE stage = 'fulfillment' AND facility_id IS NOT NULL) AS facility_changed_at,
           (array_agg(event_type = 'ORDER_ON_HOLD' ORDER BY occurred_at DESC, event_type DESC)
                FILTER (WHERE event_type IN ('ORDER_ON_HOLD', 'ORDER_HOLD_RELEASED')))[1] AS on_hold,
           max(occurred_at) FILTER (WHERE event_type IN ('ORDER_ON_HOLD', 'ORDER_HOLD_RELEASED')) AS hold_changed_at,
           (array_agg(attributes ORDER BY occurred_at) FILTER (WHERE event_type = 'ORDER_RECEIVED'))[1] AS received,
           min(occurred_at) FILTER (WHERE event_type = 'ORDER_RECEIVED') AS received_at,
           min(occurred_at) FILTER (WHERE event_type IN ('ORDER_ALLOCATED', 'ORDER_REALLOCATED')) AS allocated_at,
           min(occurred_at) FILTER (WHERE event_type = 'ORDER_RELEASED') AS released_at,
           min(occurred_at) FILTER (WHERE event_type = 'PICK_STARTED') AS pick_started_at,
           max(occurred_at) FILTER (WHERE event_type = 'PICK_COMPLETED') AS picked_at,
           max(occurred_at) FILTER (WHERE event_type = 'PACK_COMPLETED') AS packed_at,
           min(occurred_at) FILTER (WHERE event_type = 'LABEL_PRINTED') AS labeled_at,
           min(occurred_at) FILTER (WHERE event_type = 'STAGED_OUTBOUND') AS staged_at,
           min(occurred_at) FILTER (WHERE event_type = 'CARRIER_PICKUP') AS carrier_pickup_at,
           min(occurred_at) FILTER (WHERE event_type = 'OUT_FOR_DELIVERY') AS out_for_delivery_at,
           min(occurred_at) FILTER (WHERE event_type = 'DELIVERED') AS delivered_at,
           min(occurred_at) FILTER (WHERE event_type = 'READY_FOR_STORE_PICKUP') AS ready_for_pickup_at,
           min(occurred_at) FILTER (WHERE event_type = 'CUSTOMER_PICKED_UP') AS picked_up_at,
           min(occurred_at) FILTER (WHERE event_type = 'ORDER_CANCELLED') AS cancelled_at,
           count(*) AS event_count
    FROM event_fresh GROUP BY order_id
),
settled AS (
    -- A delivery of one parcel of a split order is a partial delivery until every parcel is delivered.
    SELECT b.*, EXISTS (SELECT 1 FROM shipment AS s
                        WHERE s.order_id = b.order_id AND s.delivered_at IS NULL
                          AND s.tracking_number IS NOT NULL) AS parcels_pending
    FROM batch AS b
)
INSERT INTO order_state AS o (
    order_id, facility_id, facility_changed_at, channel, fulfillment, stage, stage_rank, status, status_at,
    is_terminal, on_hold, hold_changed_at, stage_entered_at, first_event_at, last_event_at, ship_by, promised_delivery_by,
    received_at, allocated_at, released_at, pick_started_at, picked_at, packed_at, labeled_at, staged_at,
    carrier_pickup_at, out_for_delivery_at, delivered_at, ready_for_pickup_at, picked_up_at, cancelled_at,
    event_count, updated_at)
SELECT order_id, facility_id, facility_changed_at, received->>'channel', received->>'fulfillment',
       CASE WHEN stage = 'delivered' AND parcels_pending THEN :partial_stage ELSE stage END,
       CASE WHEN stage = 'delivered' AND parcels_pending THEN :partial_rank ELSE stage_rank END,
       status, status_at,
       is_terminal AND NOT (stage = 'delivered' AND parcels_pending),
       coalesce(on_hold, false), hold_changed_at, stage_entered_at, first_event_at, last_event_at,
       (received->>'ship_by')::timestamptz, (received->>'promised_delivery_by')::timestamptz,
       received_at, allocated_at, released_at, pick_started_at, picked_at, packed_at, labeled_at, staged_at,
       carrier_pickup_at, out_for_delivery_at, delivered_at, ready_for_pickup_at, picked_up_at, cancelled_at,
       event_count, now()
FROM settled ORDER BY order_id
ON CONFLICT (order_id) DO UPDATE SET
    stage = CASE WHEN excluded.stage_rank > o.stage_rank THEN excluded.stage ELSE o.stage END,
    is_terminal = CASE WHEN excluded.stage_rank > o.stage_rank THEN excluded.is_terminal ELSE o.is_terminal END,
    stage_entered_at = CASE WHEN excluded.stage_rank > o.stage_rank THEN excluded.stage_entered_at
                            WHEN excluded.stage_rank = o.stage_rank
                                THEN least(o.stage_entered_at, excluded.stage_entered_at)
                            ELSE o.stage_entered_at END,
    stage_rank = greatest(o.stage_rank, excluded.stage_rank),
    status = CASE WHEN o.status_at IS NULL OR (excluded.status_at, excluded.status) > (o.status_at, o.status)
                  THEN excluded.status ELSE o.status END,
    status_at = greatest(o.status_at, excluded.status_at),
    facility_id = CASE WHEN excluded.facility_changed_at IS NOT NULL
                        AND (o.facility_changed_at IS NULL OR excluded.facility_changed_at > o.facility_changed_at)
                       THEN excluded.facility_id ELSE o.facility_id END,
    facility_changed_at = greatest(o.facility_changed_at, excluded.facility_changed_at),
    on_hold = CASE WHEN excluded.hold_changed_at IS NOT NULL
                    AND (o.hold_changed_at IS NULL OR (excluded.hold_changed_at, excluded.on_hold)
                                                      > (o.hold_changed_at, o.on_hold))
                   THEN excluded.on_hold ELSE o.on_hold END,
    hold_changed_at = greatest(o.hold_changed_at, excluded.hold_changed_at),
    channel = coalesce(o.channel, excluded.channel),
    fulfillment = coalesce(o.fulfillment, excluded.fulfillment),
    ship_by = coalesce(o.ship_by, excluded.ship_by),
    promised_delivery_by = coalesce(o.promised_delivery_by, excluded.promised_delivery_by),
    first_event_at = least(o.first_event_at, excluded.first_event_at),
    last_event_at = greatest(o.last_event_at, excluded.last_event_at),
    received_at = least(o.received_at, excluded.received_at),
    allocated_at = least(o.allocated_at, excluded.allocated_at),
    released_at = least(o.released_at, excluded.released_at),
    pick_started_at = least(o.pick_started_at, excluded.pick_started_at),
    picked_at = greatest(o.picked_at, excluded.picked_at),
    packed_at = greatest(o.packed_at, excluded.packed_at),
    labeled_at = least(o.labeled_at, excluded.labeled_at),
    staged_at = least(o.staged_at, excluded.staged_at),
    carrier_pickup_at = least(o.carrier_pickup_at, excluded.carrier_pickup_at),
    out_for_delivery_at = least(o.out_for_delivery_at, excluded.out_for_delivery_at),
    delivered_at = least(o.delivered_at, excluded.delivered_at),
    ready_for_pickup_at = least(o.ready_for_pickup_at, excluded.ready_for_pickup_at),
    picked_up_at = least(o.picked_up_at, excluded.picked_up_at),
    cancelled_at = least(o.cancelled_at, excluded.cancelled_at),
    event_count = o.event_count + excluded.event_count,
    updated_at = now()
"""


def project_fresh_events(conn: Connection) -> None:
    """Apply the rows of `event_fresh` (this transaction's new events) to orders, shipments and state."""
    conn.execute(text(_CUSTOMER_ORDERS))
    conn.execute(text(_ORDER_LINES))
    conn.execute(text(_LABELED_SHIPMENTS))
    conn.execute(text(_SCANNED_SHIPMENTS))
    conn.execute(
        text(_ORDER_STATE), {"partial_stage": PARTIALLY_DELIVERED[0], "partial_rank": PARTIALLY_DELIVERED[1]}
    )
