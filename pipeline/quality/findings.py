"""Writing quality findings: one row per (area, rule, source, record), the latest decision winning, so a
replayed payload or a second backfill run never counts the same problem twice. The caller owns the
transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

_UPSERT = text(
    """
    INSERT INTO quality_finding (finding_key, area, rule, source, action, order_id, event_id, detail, found_at)
    SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:areas AS text[]), CAST(:rules AS text[]),
                         CAST(:sources AS text[]), CAST(:actions AS text[]), CAST(:orders AS text[]),
                         CAST(:events AS text[]), CAST(:details AS jsonb[]), CAST(:found AS timestamptz[]))
    ON CONFLICT (finding_key) DO UPDATE SET action = excluded.action, detail = excluded.detail
    WHERE (quality_finding.action, quality_finding.detail) IS DISTINCT FROM (excluded.action, excluded.detail)
    """
)


@dataclass(frozen=True)
class Finding:
    """`record` names what was found within the source: an event id, an order and shipment, a SKU."""

    area: str
    rule: str
    source: str
    action: str
    record: str
    order_id: str | None = None
    event_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.area}|{self.rule}|{self.source}|{self.record}"


def record_findings(conn: Connection, findings: Sequence[Finding], now: datetime) -> None:
    """Insert new findings; a finding seen before keeps its first time and takes the latest action."""
    unique = list({finding.key: finding for finding in findings}.values())
    if not unique:
        return
    conn.execute(
        _UPSERT,
        {
            "keys": [finding.key for finding in unique],
            "areas": [finding.area for finding in unique],
            "rules": [finding.rule for finding in unique],
            "sources": [finding.source for finding in unique],
            "actions": [finding.action for finding in unique],
            "orders": [finding.order_id for finding in unique],
            "events": [finding.event_id for finding in unique],
            "details": [json.dumps(finding.detail, default=str) for finding in unique],
            "found": [now] * len(unique),
        },
    )
