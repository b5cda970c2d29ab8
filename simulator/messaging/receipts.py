"""The simulated SMS provider's delivery receipts: POST each due receipt to Waypoint, signed, and retry
later what did not get through (as providers do, with a growing delay, for a limited time)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Connection, Engine, text

RECEIPT_PATH = "/webhooks/notifications/sms"
BATCH_SIZE = 200
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=15)

_DUE = text(
    """
    SELECT message_id, outcome, report_attempts, report_due_at FROM messaging.sms_message
    WHERE reported_at IS NULL AND report_attempts < :max_attempts AND report_due_at <= :now
    ORDER BY report_due_at LIMIT :batch
    FOR UPDATE SKIP LOCKED
    """
)
_REPORTED = text(
    "UPDATE messaging.sms_message SET reported_at = :now, last_error = NULL WHERE message_id = :id"
)
_RETRY = text(
    "UPDATE messaging.sms_message SET report_attempts = report_attempts + 1, report_due_at = :due_at,"
    " last_error = :error WHERE message_id = :id"
)


def receipt_headers(body: bytes, secret: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "User-Agent": "sms-provider-receipts/1.0 (simulated)"}
    if secret:
        headers["X-SMS-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return headers


def report_due(
    conn: Connection, now: datetime, target_base_url: str, client: httpx.Client, secret: str | None
) -> int:
    """POST the receipts that came due (oldest first); returns how many Waypoint acknowledged."""
    rows = conn.execute(_DUE, {"now": now, "batch": BATCH_SIZE, "max_attempts": MAX_ATTEMPTS}).all()
    url = target_base_url.rstrip("/") + RECEIPT_PATH
    reported, retries = [], []
    for row in rows:
        # the status takes effect when it was due, not when this sender got round to it
        body = json.dumps({"id": row.message_id, "status": row.outcome, "at": row.report_due_at.isoformat()})
        try:
            response = client.post(url, content=body.encode(), headers=receipt_headers(body.encode(), secret))
            error = None if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        if error is None:
            reported.append({"id": row.message_id, "now": now})
        else:
            delay = BACKOFF_BASE * 2**row.report_attempts
            retries.append({"id": row.message_id, "due_at": now + delay, "error": error})
    if reported:
        conn.execute(_REPORTED, reported)
    if retries:
        conn.execute(_RETRY, retries)
    return len(reported)


class ReceiptSender:
    """The live simulator's reporter: receipts go to Waypoint when a target URL is configured."""

    def __init__(self, engine: Engine, target: str | None, secret: str | None) -> None:
        self.engine, self.target, self.secret = engine, target, secret
        self.client = httpx.Client(timeout=5.0) if target else None

    def report(self, now: datetime) -> int:
        if self.client is None:
            return 0
        with self.engine.begin() as conn:
            return report_due(conn, now, self.target, self.client, self.secret)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
