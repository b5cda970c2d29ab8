"""The carriers' webhook sender: POSTs due rows of carrier.webhook_outbox to Waypoint, signed as each
carrier signs, and retries failures later with exponential backoff.

A row is due when `due_at <= now` (the simulated clock). Like real carriers, the sender gives up on a
webhook it could not deliver within WEBHOOK_RETENTION of its due time: the row is `expired` and the
receiver learns of the scan by polling (which is also how a first run backfills seeded history). 2xx marks it delivered; anything else (an
error status, a refused connection, a timeout) counts an attempt and pushes `due_at` back by
BACKOFF_BASE * 2^(attempts-1), capped at BACKOFF_CAP; after MAX_ATTEMPTS the row is failed. Rows are
claimed with SKIP LOCKED, so two senders never post the same row. The caller owns the transaction.

EasyPost-style trackers (OnTrac) send the whole tracker: the sender fills its `tracking_details` with
every scan of the parcel available when the event was created, as EasyPost does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, text

from pipeline.settings import get_settings
from simulator.sources.carriers import FORMATS

MAX_ATTEMPTS = 8
WEBHOOK_RETENTION = timedelta(hours=6)
BATCH_SIZE = 200
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
_UNSET: Any = object()

DUE_ROWS = text(
    """
    SELECT o.id, o.carrier_id, o.attempts,
           CASE WHEN o.carrier_id = ANY(:history_carriers) THEN jsonb_set(
               o.body, '{result,tracking_details}',
               coalesce(
                   (SELECT jsonb_agg(s.scan ORDER BY s.scanned_at, s.scan_seq) FROM carrier.scan s
                    WHERE s.carrier_id = o.carrier_id AND s.tracking_number = o.tracking_number
                      AND s.available_at <= o.available_at),
                   o.body #> '{result,tracking_details}'))
           ELSE o.body END AS body
    FROM carrier.webhook_outbox o
    WHERE o.status = 'pending' AND o.due_at <= :now
    ORDER BY o.due_at, o.id
    LIMIT :batch
    FOR UPDATE OF o SKIP LOCKED
    """
)
MARK_DELIVERED = text(
    "UPDATE carrier.webhook_outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = :now, "
    "last_error = NULL WHERE id = :id"
)
MARK_FAILED_ATTEMPT = text(
    "UPDATE carrier.webhook_outbox SET status = :status, attempts = attempts + 1, due_at = :due_at, "
    "last_error = :error WHERE id = :id"
)
EXPIRE_STALE = text(
    "UPDATE carrier.webhook_outbox SET status = 'expired' WHERE status = 'pending' AND due_at < :cutoff"
)
HISTORY_CARRIERS = [carrier_id for carrier_id, fmt in FORMATS.items() if fmt.webhook_carries_history]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str | None = None


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones (1 -> 30 s, 2 -> 60 s, … capped at 1 h)."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def signed_headers(carrier_id: str, body: bytes, secret: str | None) -> dict[str, str]:
    """The headers a carrier sends with `body`: content type, its signature scheme, its fixed headers."""
    fmt = FORMATS[carrier_id]
    headers = {"Content-Type": "application/json", "User-Agent": f"{carrier_id}-webhooks/1.0 (simulated)"}
    if secret is None:
        return headers
    if fmt.signature is not None:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers[fmt.signature.header] = f"{fmt.signature.prefix}{digest}"
    for name, value in fmt.webhook_headers:
        headers[name] = value.replace("{secret}", secret)
    return headers


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return Outcome(False, f"{type(error).__name__}: {error}"[:500])
    if response.is_success:
        return Outcome(True)
    return Outcome(False, f"HTTP {response.status_code}: {response.text[:200]}")


def deliver_due(
    sim_conn: Connection,
    now: datetime,
    target_base_url: str,
    client: httpx.Client,
    *,
    signing_secret: str | None = _UNSET,
    retention: timedelta = WEBHOOK_RETENTION,
) -> int:
    """POST up to BATCH_SIZE due webhooks, oldest due first; returns how many were delivered.

    `signing_secret` defaults to settings.webhook_signing_secret (None: sent unsigned). Rows due more than
    `retention` before `now` are expired, not sent.
    """
    secret = get_settings().webhook_signing_secret if signing_secret is _UNSET else signing_secret
    sim_conn.execute(EXPIRE_STALE, {"cutoff": now - retention})
    rows = sim_conn.execute(
        DUE_ROWS, {"now": now, "batch": BATCH_SIZE, "history_carriers": HISTORY_CARRIERS}
    ).all()
    delivered: list[dict] = []
    failed: list[dict] = []
    base = target_base_url.rstrip("/")
    for row in rows:
        body = json.dumps(row.body, separators=(",", ":")).encode()
        outcome = _post(
            client, f"{base}/webhooks/{row.carrier_id}", body, signed_headers(row.carrier_id, body, secret)
        )
        if outcome.delivered:
            delivered.append({"id": row.id, "now": now})
            continue
        attempts = row.attempts + 1
        failed.append(
            {
                "id": row.id,
                "status": "failed" if attempts >= MAX_ATTEMPTS else "pending",
                "due_at": now + backoff(attempts),
                "error": outcome.error,
            }
        )
    if delivered:
        sim_conn.execute(MARK_DELIVERED, delivered)
    if failed:
        sim_conn.execute(MARK_FAILED_ATTEMPT, failed)
    return len(delivered)
