"""Quarantine: what could not become a canonical event, with the reason, the field and the rule.

Nothing is dropped. Replaying a quarantined record re-normalizes the whole inbox payload it came from
(events already loaded are recognised as duplicates), resolves the old quarantine rows of that payload,
and quarantines again whatever is still wrong — so after a mapping fix the open quarantine is exactly
what is still broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from pipeline.normalize import record_bytes
from pipeline.sources.base import Rejection


@dataclass(frozen=True)
class QuarantinedRecord:
    quarantine_id: int
    raw_id: int | None
    record_index: int | None
    source: str
    reason_code: str
    field: str | None
    rule: str | None
    message: str
    record: bytes
    lookup_key: str | None
    quarantined_at: datetime
    replay_count: int
    resolved_at: datetime | None
    resolution: str | None


_INSERT = """
INSERT INTO quarantine (raw_id, record_index, source, reason_code, field, rule, message, record, lookup_key)
VALUES (:raw_id, :record_index, :source, :reason_code, :field, :rule, :message, :record, :lookup_key)
"""


def quarantine(
    conn: Connection, source: str, raw_id: int | None, payload: bytes, rejections: Sequence[Rejection]
) -> int:
    """Keep each rejection with the bytes that caused it. The caller owns the transaction."""
    if not rejections:
        return 0
    conn.execute(
        text(_INSERT),
        [
            {
                "raw_id": raw_id,
                "record_index": r.record_index,
                "source": source,
                "reason_code": r.reason_code,
                "field": r.field,
                "rule": r.rule,
                "message": r.message,
                "record": record_bytes(r.record, payload),
                "lookup_key": _lookup_key(r),
            }
            for r in rejections
        ],
    )
    return len(rejections)


def open_records(
    conn: Connection, *, source: str | None = None, reason: str | None = None, limit: int = 50
) -> list[QuarantinedRecord]:
    rows = conn.execute(
        text(
            "SELECT * FROM quarantine WHERE resolved_at IS NULL"
            " AND (CAST(:source AS text) IS NULL OR source = :source)"
            " AND (CAST(:reason AS text) IS NULL OR reason_code = :reason)"
            " ORDER BY quarantine_id DESC LIMIT :limit"
        ),
        {"source": source, "reason": reason, "limit": limit},
    ).mappings()
    return [QuarantinedRecord(**row) for row in rows]


def get_record(conn: Connection, quarantine_id: int) -> QuarantinedRecord | None:
    row = (
        conn.execute(text("SELECT * FROM quarantine WHERE quarantine_id = :id"), {"id": quarantine_id})
        .mappings()
        .first()
    )
    return QuarantinedRecord(**row) if row else None


def counts_by_reason(conn: Connection) -> list[tuple[str, str, int]]:
    return [
        (r.source, r.reason_code, r.n)
        for r in conn.execute(
            text(
                "SELECT source, reason_code, count(*) AS n FROM quarantine WHERE resolved_at IS NULL"
                " GROUP BY source, reason_code ORDER BY n DESC"
            )
        )
    ]


def resolve_payload(conn: Connection, raw_id: int, resolution: str) -> int:
    """Close every open quarantine row of one inbox payload before it is replayed."""
    return conn.execute(
        text(
            "UPDATE quarantine SET resolved_at = now(), resolution = :resolution, replay_count = replay_count + 1"
            " WHERE raw_id = :raw_id AND resolved_at IS NULL"
        ),
        {"raw_id": raw_id, "resolution": resolution},
    ).rowcount


def parked_payloads_now_matched(conn: Connection, limit: int = 500) -> list[int]:
    """Inbox payloads with parked carrier scans whose tracking number a label has since introduced."""
    return list(
        conn.execute(
            text(
                "SELECT DISTINCT q.raw_id FROM quarantine AS q JOIN shipment AS s ON s.tracking_number = q.lookup_key"
                " WHERE q.resolved_at IS NULL AND q.reason_code = 'unmatched_tracking_number'"
                " AND q.raw_id IS NOT NULL ORDER BY q.raw_id LIMIT :limit"
            ),
            {"limit": limit},
        ).scalars()
    )


def _lookup_key(rejection: Rejection) -> str | None:
    if rejection.reason_code == "unmatched_tracking_number" and isinstance(rejection.record, dict):
        return rejection.record.get("tracking_number")
    return None
