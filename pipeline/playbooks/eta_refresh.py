"""The carrier-delay playbook's hook into the ETA service: after telling the customer, the shipment's ETA
is recomputed from the delay (pipeline/eta `recompute_eta(conn, shipment_id, now)`, the lane-based ETA of
issue #6 §3), in the same transaction.

The customer message matters more than the ETA refresh, so the hook never fails the playbook: without
the ETA service it says so in the playbook's outcome, and an error inside it is rolled back to a
savepoint and logged (the ETA job estimates the shipment again at its next run).
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import Connection

log = structlog.get_logger(__name__)


def refresh_eta(conn: Connection, shipment_id: str, now: datetime) -> str:
    """Recompute the shipment's ETA; returns what happened, in words, for the playbook's outcome."""
    try:
        from pipeline.eta import recompute_eta
    except ImportError:
        return "ETA not recomputed: the ETA service (pipeline/eta) is not installed"
    try:
        with conn.begin_nested():
            estimate = recompute_eta(conn, shipment_id, now)
    except Exception as error:  # noqa: BLE001 - the message to the customer must not depend on the ETA
        log.exception("playbooks.eta_refresh_failed", shipment_id=shipment_id)
        return f"ETA not recomputed ({type(error).__name__}); the ETA job will retry"
    return f"ETA recomputed: {estimate}"  # a ShipmentEta's str() is the estimate in plain words
