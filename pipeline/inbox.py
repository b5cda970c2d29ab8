"""The raw inbox: every payload exactly as received, written before anything interprets it.

Workers claim pending rows with FOR UPDATE SKIP LOCKED inside the transaction that normalizes and loads
them and marks them done, so a worker that dies mid-batch releases its claim by dying: the transaction
rolls back and another worker takes the rows. Rows are never deleted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class InboxRow:
    raw_id: int
    source: str
    received_at: datetime
    correlation_id: str
    content_type: str
    headers: dict
    payload: bytes


@dataclass(frozen=True)
class Arrival:
    """A payload as a source delivered it, before it is landed."""

    source: str
    payload: bytes
    headers: dict | None = None
    content_type: str = "application/json"
    correlation_id: str | None = None


_LAND = """
INSERT INTO raw_inbox (source, correlation_id, content_type, headers, payload)
VALUES (:source, :correlation_id, :content_type, CAST(:headers AS jsonb), :payload)
RETURNING raw_id
"""

_CLAIM = """
SELECT raw_id, octet_length(payload) AS size
FROM raw_inbox
WHERE status = 'pending'
ORDER BY raw_id
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""

_RECLAIM = """
SELECT raw_id FROM raw_inbox WHERE raw_id = ANY(:ids) AND status = 'pending' ORDER BY raw_id
FOR UPDATE SKIP LOCKED
"""

_READ = """
SELECT raw_id, source, received_at, correlation_id, content_type, headers, payload
FROM raw_inbox WHERE raw_id = ANY(:ids) ORDER BY raw_id
"""


def land(conn: Connection, arrival: Arrival) -> int:
    """Write one payload to the inbox; returns its raw_id. The caller commits."""
    return conn.execute(text(_LAND), _params(arrival)).scalar_one()


def land_many(conn: Connection, arrivals: Sequence[Arrival]) -> list[int]:
    return [land(conn, arrival) for arrival in arrivals]


def claim_pending(conn: Connection, limit: int, max_bytes: int | None = None) -> list[InboxRow]:
    """Lock up to `limit` pending payloads, oldest first, skipping rows other workers hold, and return
    the first of them that fit in `max_bytes` (always at least one).

    The byte budget keeps a batch of large polled pages from holding up a webhook behind it. Which rows
    fit is only known once they are locked (SKIP LOCKED decides which ones this worker gets), so they
    are locked inside a savepoint: when the budget cuts the batch short, rolling back to it releases
    every lock, and only the rows that fit are locked again. The rows beyond the budget are left to the
    other workers at once instead of staying locked, unused, until this batch commits.
    """
    claim = conn.begin_nested()
    offered = conn.execute(text(_CLAIM), {"limit": limit}).all()
    chosen = _within_budget(offered, max_bytes)
    if len(chosen) == len(offered):
        claim.commit()
    else:
        claim.rollback()
        # Another worker may take some of them in between; it then has them and this batch is smaller.
        chosen = list(conn.execute(text(_RECLAIM), {"ids": chosen}).scalars())
    if not chosen:
        return []
    return [_row(r) for r in conn.execute(text(_READ), {"ids": chosen}).all()]


def _within_budget(offered: Sequence[tuple[int, int]], max_bytes: int | None) -> list[int]:
    """The ids of the oldest rows whose payloads fit in `max_bytes` together, and at least the first."""
    chosen, total = [], 0
    for raw_id, size in offered:
        if chosen and max_bytes is not None and total + size > max_bytes:
            break
        chosen.append(raw_id)
        total += size
    return chosen


def oldest_pending(conn: Connection) -> datetime | None:
    """When the oldest payload still pending was received (the database's clock), None with none pending.

    The drain takes the inbox oldest first, so everything received before this instant has been read:
    readers that judge by what the stream shows (the detector, gap inference) wait until it passes the
    moment they care about."""
    return conn.execute(text("SELECT min(received_at) FROM raw_inbox WHERE status = 'pending'")).scalar_one()


def mark_done(conn: Connection, raw_ids: Sequence[int], batch_id: int) -> None:
    conn.execute(
        text(
            "UPDATE raw_inbox SET status = 'done', processed_at = now(), batch_id = :batch WHERE raw_id = ANY(:ids)"
        ),
        {"ids": list(raw_ids), "batch": batch_id},
    )


def read_rows(conn: Connection, raw_ids: Sequence[int]) -> list[InboxRow]:
    """Inbox rows by id, locked for this transaction (replays, `waypoint ingest`)."""
    rows = conn.execute(
        text(
            "SELECT raw_id, source, received_at, correlation_id, content_type, headers, payload FROM raw_inbox"
            " WHERE raw_id = ANY(:ids) ORDER BY raw_id FOR UPDATE"
        ),
        {"ids": list(raw_ids)},
    ).all()
    return [_row(r) for r in rows]


def pending_count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM raw_inbox WHERE status = 'pending'")).scalar_one()


def _row(r) -> InboxRow:
    return InboxRow(
        r.raw_id, r.source, r.received_at, r.correlation_id, r.content_type, r.headers, bytes(r.payload)
    )


def _params(arrival: Arrival) -> dict:
    return {
        "source": arrival.source,
        "correlation_id": arrival.correlation_id or str(uuid.uuid4()),
        "content_type": arrival.content_type,
        "headers": json.dumps(arrival.headers or {}),
        "payload": arrival.payload,
    }


def wake_drain(conn: Connection, source: str) -> None:
    """NOTIFY raw_inbox: a drain waiting on LISTEN wakes as soon as this transaction commits."""
    conn.execute(text("SELECT pg_notify('raw_inbox', :source)"), {"source": source})
