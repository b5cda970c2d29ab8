"""The exception queue as people work it: unresolved exceptions, most urgent first — severity, then a
promise at risk, then age (the oldest problem first). Shared by the Exception Queue page and
`waypoint exceptions list`, so both show the same order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

UNRESOLVED = ("open", "automating", "escalated")
QUEUE_COLUMNS = (
    "exception_id",
    "exception_type",
    "root_cause",
    "severity",
    "state",
    "order_id",
    "shipment_id",
    "facility_id",
    "carrier_id",
    "occurred_at",
    "opened_at",
    "updated_at",
    "promise_at_risk",
    "promised_delivery_by",
    "evidence_count",
    "assigned_to",
    "automation",
    "escalation_reason",
    "suggested_action",
    "suggested_label",
    "suggested_params",
    "detail",
    "state_changes",
    "resolution",
    "order_stage",
)

QUEUE_SQL = """
SELECT x.exception_id, x.exception_type, x.root_cause, x.severity, x.state, x.order_id, x.shipment_id,
       x.facility_id, x.carrier_id, x.occurred_at, x.opened_at, x.updated_at, x.promise_at_risk,
       x.promised_delivery_by, x.evidence_count, x.assigned_to, x.automation, x.escalation_reason,
       x.suggested_action, x.suggested_label, x.suggested_params, x.detail, x.state_changes, x.resolution,
       o.stage AS order_stage
FROM order_exception AS x
LEFT JOIN order_state AS o ON o.order_id = x.order_id
WHERE x.state = ANY(:states)
  AND (CAST(:facility_id AS text) IS NULL OR x.facility_id = :facility_id)
  AND (CAST(:carrier_id AS text) IS NULL OR x.carrier_id = :carrier_id)
  AND (CAST(:exception_type AS text) IS NULL OR x.exception_type = :exception_type)
ORDER BY CASE x.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END DESC,
         x.promise_at_risk DESC, x.occurred_at, x.exception_id
LIMIT :limit
"""

NEW_SINCE_SQL = """
SELECT count(*) FROM order_exception AS x
WHERE x.state <> 'resolved' AND x.opened_at > :since
  AND (CAST(:facility_id AS text) IS NULL OR x.facility_id = :facility_id)
  AND (CAST(:carrier_id AS text) IS NULL OR x.carrier_id = :carrier_id)
  AND (CAST(:exception_type AS text) IS NULL OR x.exception_type = :exception_type)
"""


def queue_parameters(
    *,
    facility_id: str | None = None,
    carrier_id: str | None = None,
    exception_type: str | None = None,
    states: Sequence[str] = UNRESOLVED,
    limit: int = 500,
) -> dict[str, Any]:
    return {
        "facility_id": facility_id,
        "carrier_id": carrier_id,
        "exception_type": exception_type,
        "states": list(states),
        "limit": limit,
    }


def exception_queue(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """The queue, filtered by facility, carrier, type and states (see `queue_parameters`)."""
    return [dict(row) for row in conn.execute(text(QUEUE_SQL), queue_parameters(**filters)).mappings()]


def new_since(conn: Connection, since: datetime, **filters: Any) -> int:
    """Unresolved exceptions opened after `since` (cheap: a partial index on opened_at)."""
    params = queue_parameters(**filters)
    return conn.execute(
        text(NEW_SINCE_SQL),
        {"since": since, **{key: params[key] for key in ("facility_id", "carrier_id", "exception_type")}},
    ).scalar_one()
