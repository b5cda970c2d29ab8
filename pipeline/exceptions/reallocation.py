"""Where short lines could come from instead, and how an order splits into what ships now and what follows.

Candidates are read from facility_inventory (kept in sync with the WMS and the store tool by
pipeline/sources/inventory_feed.py), less the units already re-allocated to a facility since its row was
last synced, so two short orders never both count on the same last unit. A candidate must have every line's quantity on hand; DCs come
before stores (a store ship-out costs more per parcel), then the facility with the most stock to spare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from pipeline.exceptions.model import ActionRefusedError

# On hand as last synced, less what Waypoint has re-allocated to the facility since (the WMS does not know
# about those moves until its next snapshot changes the row's on_hand, and with it updated_at).
_STOCK = text(
    """
    WITH moved AS (
        SELECT e.attributes->>'to_facility' AS facility_id, line->>'sku' AS sku,
               CAST(line->>'qty' AS integer) AS qty, e.occurred_at
        FROM event AS e CROSS JOIN LATERAL jsonb_array_elements(e.attributes->'lines') AS line
        WHERE e.event_type = 'ORDER_REALLOCATED' AND e.source = 'waypoint:actions'
          AND e.occurred_at >= :since AND line->>'sku' = ANY(:skus)
        UNION ALL
        SELECT e.attributes->>'to_facility', l.sku, l.qty, e.occurred_at
        FROM event AS e JOIN order_line AS l ON l.order_id = e.order_id
        WHERE e.event_type = 'ORDER_REALLOCATED' AND e.source = 'waypoint:actions'
          AND e.occurred_at >= :since AND NOT (e.attributes ? 'lines') AND l.sku = ANY(:skus)
    )
    SELECT i.facility_id, f.kind, f.name, i.sku,
           i.on_hand - coalesce((SELECT sum(m.qty) FROM moved AS m WHERE m.facility_id = i.facility_id
                                 AND m.sku = i.sku AND m.occurred_at >= i.updated_at), 0) AS on_hand
    FROM facility_inventory AS i JOIN facility AS f USING (facility_id)
    WHERE i.sku = ANY(:skus) AND f.active AND i.facility_id <> :current
    """
)
_OLDEST_SNAPSHOT = text("SELECT min(updated_at) FROM facility_inventory WHERE sku = ANY(:skus)")
_ORDER_LINES = text(
    "SELECT line_no, sku, qty, uom FROM order_line WHERE order_id = :order_id ORDER BY line_no"
)
_CURRENT_FACILITY = text("SELECT facility_id FROM order_state WHERE order_id = :order_id")
_SHIPMENT_COUNT = text("SELECT count(*) FROM shipment WHERE order_id = :order_id")


@dataclass(frozen=True)
class Candidate:
    facility_id: str
    name: str
    kind: str
    spare: int  # the smallest surplus over what the lines need, across the lines' SKUs

    @property
    def label(self) -> str:
        return f"{self.facility_id} ({self.name})"


def current_facility(conn: Connection, exception: Mapping[str, Any]) -> str | None:
    """Where the order is fulfilled now: the projection's facility, else the exception's."""
    found = conn.execute(_CURRENT_FACILITY, {"order_id": exception["order_id"]}).scalar()
    return found or exception.get("facility_id")


def lines_to_move(conn: Connection, exception: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The short lines (their missing quantity) of an inventory exception; else every line of the order."""
    order_lines = conn.execute(_ORDER_LINES, {"order_id": exception["order_id"]}).mappings().all()
    short = exception["detail"].get("short_lines") or []
    if not short:
        return [{"line_no": r["line_no"], "sku": r["sku"], "qty": r["qty"]} for r in order_lines]
    moved = []
    for line in short:
        match = _matching_line(order_lines, line)
        entry = {"sku": line["sku"], "qty": int(line["qty_short"])}
        if match is not None:
            entry["line_no"] = match["line_no"]
        moved.append(entry)
    return moved


def reallocation_candidates(
    conn: Connection, lines: Sequence[Mapping[str, Any]], current: str | None
) -> list[Candidate]:
    """Facilities other than `current` with every line's quantity on hand, best first."""
    needed: dict[str, int] = {}
    for line in lines:
        needed[line["sku"]] = needed.get(line["sku"], 0) + int(line["qty"])
    if not needed:
        return []
    stock: dict[str, dict[str, int]] = {}
    about: dict[str, tuple[str, str]] = {}
    skus = sorted(needed)
    since = conn.execute(_OLDEST_SNAPSHOT, {"skus": skus}).scalar()
    if since is None:  # no facility holds any of them
        return []
    for row in conn.execute(_STOCK, {"skus": skus, "current": current or "", "since": since}).mappings():
        stock.setdefault(row["facility_id"], {})[row["sku"]] = row["on_hand"]
        about[row["facility_id"]] = (row["name"], row["kind"])
    candidates = []
    for facility_id, on_hand in stock.items():
        spare = [on_hand.get(sku, 0) - qty for sku, qty in needed.items()]
        if min(spare) >= 0:
            name, kind = about[facility_id]
            candidates.append(Candidate(facility_id, name, kind, min(spare)))
    return sorted(candidates, key=lambda c: (c.kind != "dc", -c.spare, c.facility_id))


def split_plan(conn: Connection, exception: Mapping[str, Any]) -> list[dict[str, Any]]:
    """ORDER_SPLIT's `shipments`: what was picked ships now, the short quantities follow.

    Raises ActionRefusedError when there is nothing to split (no short line, or nothing was picked).
    """
    order_id = exception["order_id"]
    short = exception["detail"].get("short_lines") or []
    if not short:
        raise ActionRefusedError(
            "detail.short_lines", "short_lines", "splitting needs short lines; there are none"
        )
    order_lines = conn.execute(_ORDER_LINES, {"order_id": order_id}).mappings().all()
    if not order_lines:
        raise ActionRefusedError("order_id", "order_lines", f"order {order_id} has no lines yet")
    missing: dict[int, int] = {}
    for line in short:
        match = _matching_line(order_lines, line)
        if match is not None:
            missing[match["line_no"]] = missing.get(match["line_no"], 0) + int(line["qty_short"])
    now, later = [], []
    for line in order_lines:
        short_qty = min(missing.get(line["line_no"], 0), line["qty"])
        item = {"line_no": line["line_no"], "sku": line["sku"], "uom": line["uom"]}
        if line["qty"] - short_qty > 0:
            now.append({**item, "qty": line["qty"] - short_qty})
        if short_qty > 0:
            later.append({**item, "qty": short_qty})
    if not now:
        raise ActionRefusedError(
            "lines", "nothing_to_ship", "every line is short: nothing can ship now; re-allocate"
        )
    if not later:
        raise ActionRefusedError(
            "detail.short_lines", "short_lines", "the short lines are not lines of this order"
        )
    first = int(conn.execute(_SHIPMENT_COUNT, {"order_id": order_id}).scalar_one()) + 1
    return [
        {"shipment_id": f"{order_id}-{first}", "lines": now},
        {"shipment_id": f"{order_id}-{first + 1}", "lines": later},
    ]


def _matching_line(
    order_lines: Sequence[Mapping[str, Any]], short: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    for line in order_lines:
        if short.get("line_no") is not None and line["line_no"] == short["line_no"]:
            return line
    return next((line for line in order_lines if line["sku"] == short["sku"]), None)
