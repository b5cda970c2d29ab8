"""The current estimate per shipment (`shipment_eta`) and its history (`shipment_eta_change`).

An estimate is written on every computation (`computed_at`), but a history row only when it changes
materially: another source, other window days, or a likely instant that moved by at least the policy's
`material_change_hours`. So the order timeline shows "new estimate Thursday" once, not once a minute.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from pipeline.eta.estimate import Estimate

# A date-only estimate whose likely time has passed is looked at again at least this much later.
MIN_REVIEW_DELAY = timedelta(hours=1)

_CURRENT = """
SELECT shipment_id, source, likely_at, window_start, window_end FROM shipment_eta WHERE shipment_id = ANY(:ids)
"""
_UPSERT = """
INSERT INTO shipment_eta (shipment_id, order_id, source, likely_at, window_start, window_end, promised_delivery_by,
                          basis, computed_at, changed_at, review_at)
VALUES (:shipment_id, :order_id, :source, :likely_at, :window_start, :window_end, :promised_delivery_by,
        CAST(:basis AS jsonb), :computed_at, :computed_at, :review_at)
ON CONFLICT (shipment_id) DO UPDATE SET
    order_id = excluded.order_id, source = excluded.source, likely_at = excluded.likely_at,
    window_start = excluded.window_start, window_end = excluded.window_end,
    promised_delivery_by = excluded.promised_delivery_by, basis = excluded.basis, computed_at = excluded.computed_at,
    changed_at = CASE WHEN :changed THEN excluded.computed_at ELSE shipment_eta.changed_at END,
    review_at = excluded.review_at
"""
_HISTORY = """
INSERT INTO shipment_eta_change (shipment_id, order_id, at, source, likely_at, window_start, window_end,
                                 previous_source, previous_likely_at, reason)
VALUES (:shipment_id, :order_id, :computed_at, :source, :likely_at, :window_start, :window_end, :previous_source,
        :previous_likely_at, :reason)
"""


@dataclass(frozen=True)
class EstimateToSave:
    shipment_id: str
    order_id: str
    estimate: Estimate
    reason: str  # what moved it, for the history: an event type or `time`


def save_estimates(
    conn: Connection, items: Sequence[EstimateToSave], now: datetime, material_change_hours: float
) -> int:
    """Write the current estimates and a history row for each material change; returns the changes."""
    if not items:
        return 0
    current = {
        row.shipment_id: row
        for row in conn.execute(text(_CURRENT), {"ids": [item.shipment_id for item in items]})
    }
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for item in items:
        before = current.get(item.shipment_id)
        estimate = item.estimate
        changed = before is None or is_material_change(before, estimate, material_change_hours)
        row = {
            "shipment_id": item.shipment_id,
            "order_id": item.order_id,
            "source": estimate.source,
            "likely_at": estimate.likely_at,
            "window_start": estimate.window_start,
            "window_end": estimate.window_end,
            "promised_delivery_by": estimate.promised_delivery_by,
            "basis": json.dumps(estimate.basis, default=str),
            "computed_at": now,
            "review_at": review_at(estimate, now),
            "changed": changed,
        }
        rows.append(row)
        if changed:
            history.append(
                {
                    **row,
                    "previous_source": before.source if before else None,
                    "previous_likely_at": before.likely_at if before else None,
                    "reason": item.reason if before else "first",
                }
            )
    conn.execute(text(_UPSERT), rows)
    if history:
        conn.execute(text(_HISTORY), history)
    return len(history)


def is_material_change(before: Any, estimate: Estimate, material_change_hours: float) -> bool:
    if before.source != estimate.source:
        return True
    if (before.window_start, before.window_end) != (estimate.window_start, estimate.window_end):
        return True
    if (before.likely_at is None) != (estimate.likely_at is None):
        return True
    if before.likely_at is None or estimate.likely_at is None:
        return False
    return abs((before.likely_at - estimate.likely_at).total_seconds()) >= material_change_hours * 3600


def review_at(estimate: Estimate, now: datetime) -> datetime | None:
    """When time alone would change the estimate: once its likely instant passes without a delivery.
    Never for a delivered or stopped shipment, nor for the promise (it does not move)."""
    if estimate.source in ("delivered", "none", "promise") or estimate.likely_at is None:
        return None
    return max(estimate.likely_at, now + MIN_REVIEW_DELAY)
