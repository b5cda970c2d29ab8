"""Drain the inbox: claim pending payloads, normalize, load, quarantine, count — one transaction per batch.

Bad data never raises here: it becomes quarantine rows. What raises is the database (a lost connection,
a deadlock), and then the whole batch rolls back and is claimed again: retryable errors are retried,
permanent ones are quarantined at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import Connection, text

from pipeline.counters import BatchTallies, record_tallies
from pipeline.inbox import InboxRow, claim_pending, mark_done, read_rows
from pipeline.load import StagedEvent, load_events
from pipeline.normalize import normalize_payload
from pipeline.quality.gate import save_watermarks, screen_batch
from pipeline.quarantine import quarantine, resolve_payload
from pipeline.registry import Registry
from pipeline.sources import UnknownSourceError, adapter_for
from pipeline.sources.base import ParseContext, Rejection, ShipmentRef

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BatchReport:
    payloads: int
    events: int
    loaded: int
    quarantined: int

    @property
    def duplicates(self) -> int:
        return self.events - self.loaded


def drain_batch(
    conn: Connection,
    registry: Registry,
    zones: Mapping[str, str],
    *,
    limit: int = 100,
    max_bytes: int | None = None,
) -> BatchReport:
    """Claim up to `limit` pending payloads (within `max_bytes`) and process them. The caller commits
    (or the claim is released)."""
    rows = claim_pending(conn, limit, max_bytes)
    if not rows:
        return BatchReport(0, 0, 0, 0)
    return process_rows(conn, rows, registry, zones)


def process_rows(
    conn: Connection, rows: Sequence[InboxRow], registry: Registry, zones: Mapping[str, str]
) -> BatchReport:
    """Normalize and load inbox rows (claimed, or picked for a replay) and mark them done."""
    batch_id = rows[0].raw_id
    shipments = shipments_for(conn, rows)
    staged: list[StagedEvent] = []
    tallies = BatchTallies()
    quarantined = 0
    for row in rows:
        tally = tallies[row.source]
        tally.received += 1
        tally.last_received_at = max(filter(None, (tally.last_received_at, row.received_at)))
        with structlog.contextvars.bound_contextvars(correlation_id=row.correlation_id, source=row.source):
            events, rejections = _normalize(row, registry, zones, shipments)
            staged.extend(StagedEvent(event, row.received_at, row.raw_id) for event in events)
            quarantined += quarantine(conn, row.source, row.raw_id, row.payload, rejections)
            tally.quarantined += len(rejections)
            if rejections:
                log.info(
                    "payload.quarantined",
                    raw_id=row.raw_id,
                    reasons=sorted({r.reason_code for r in rejections}),
                )
    gate = screen_batch(conn, staged)  # invalid timestamps, inferred events replaced (issue #7)
    staged = gate.kept
    inbox_source = {row.raw_id: row.source for row in rows}
    for held in gate.held:
        source = inbox_source.get(held.raw_id, held.source)
        quarantined += quarantine(conn, source, held.raw_id, b"", [held.rejection])
        tallies[source].quarantined += 1
    for repeat in gate.repeated:  # quarantined before: a resent copy is a duplicate
        tallies[inbox_source.get(repeat.raw_id, repeat.source)].duplicates += 1
    report = load_events(conn, staged, batch_id=batch_id)
    loaded_at = datetime.now(UTC)
    by_raw = report.loaded_by_raw_id
    offered, latest = _offered_by_raw_id(staged)
    for row in rows:
        tally = tallies[row.source]
        tally.normalized += by_raw.get(row.raw_id, 0)
        tally.duplicates += offered.get(row.raw_id, 0) - by_raw.get(row.raw_id, 0)
        tally.add_lag(row.received_at, loaded_at, by_raw.get(row.raw_id, 0))
        if row.raw_id in latest:
            tally.last_event_at = max(filter(None, (tally.last_event_at, latest[row.raw_id])))
    # Rows every worker updates (per-source counters and watermarks) come last: locked until the commit.
    record_tallies(conn, tallies, loaded_at)
    save_watermarks(conn, gate, loaded_at)
    mark_done(conn, [row.raw_id for row in rows], batch_id)
    return BatchReport(len(rows), len(staged), report.loaded, quarantined)


def _offered_by_raw_id(
    staged: Sequence[StagedEvent],
) -> tuple[dict[int | None, int], dict[int | None, datetime]]:
    """Per inbox row: how many events it offered to the load, and the latest time among them."""
    offered: dict[int | None, int] = {}
    latest: dict[int | None, datetime] = {}
    for item in staged:
        raw_id, at = item.raw_id, item.event.occurred_at
        offered[raw_id] = offered.get(raw_id, 0) + 1
        if raw_id not in latest or at > latest[raw_id]:
            latest[raw_id] = at
    return offered, latest


def replay(
    conn: Connection, raw_ids: Sequence[int], registry: Registry, zones: Mapping[str, str]
) -> BatchReport:
    """Re-normalize inbox payloads after a fix: old quarantine rows close, what is still wrong reopens."""
    rows = read_rows(conn, raw_ids)
    if not rows:
        return BatchReport(0, 0, 0, 0)
    for row in rows:
        resolve_payload(conn, row.raw_id, "replayed")
    return process_rows(conn, rows, registry, zones)


def _normalize(
    row: InboxRow, registry: Registry, zones: Mapping[str, str], shipments: Mapping[str, ShipmentRef]
) -> tuple[list, list[Rejection]]:
    context = ParseContext(row.source, row.received_at, zones, shipments)
    try:
        result = normalize_payload(row.payload, context, registry)
    except UnknownSourceError as error:
        return [], [Rejection("unknown_source", str(error), "source", "known_source")]
    except Exception as error:  # noqa: BLE001 - an adapter bug must not block the inbox; the payload is kept
        log.exception("adapter.failed", raw_id=row.raw_id)
        return [], [Rejection("adapter_error", f"{type(error).__name__}: {error}")]
    return result.events, result.rejections


def shipments_for(conn: Connection, rows: Sequence[InboxRow]) -> dict[str, ShipmentRef]:
    """The shipments behind the tracking numbers in these payloads (carrier scans carry no order id)."""
    numbers: set[str] = set()
    for row in rows:
        try:
            numbers |= adapter_for(row.source).tracking_numbers(row.payload)
        except Exception:  # noqa: BLE001 - the normalizer reports the same payload's problem properly
            continue
    if not numbers:
        return {}
    found = conn.execute(
        text(
            "SELECT s.tracking_number, s.order_id, s.shipment_id, s.facility_id, o.destination_time_zone"
            " FROM shipment AS s LEFT JOIN customer_order AS o USING (order_id)"
            " WHERE s.tracking_number = ANY(:numbers)"
        ),
        {"numbers": sorted(numbers)},
    )
    return {
        r.tracking_number: ShipmentRef(r.order_id, r.shipment_id, r.facility_id, r.destination_time_zone)
        for r in found
    }
