"""Backfill missing events of active orders: `backfill_gaps(engine, settings, *, database_url, now)`, the job.

Each run
1. finds the lifecycle gaps (gaps.json, pipeline/quality/gaps.py) of orders with evidence in the last
   `lookback_days`, keeps them in `backfill_gap`, and closes the tracked gaps that are gone (the missing
   event arrived, by itself or from a re-fetch);
2. asks the source again about each new gap (pipeline/quality/refetch.py) — state `refetched`;
3. fills each gap still there `infer_after_minutes` after its re-fetch, once the inbox holds nothing landed
   before that re-fetch (so the re-fetched records have had their chance), with an inferred event
   (pipeline/quality/inference.py) — state `inferred`.
Every step is a quality finding (area `backfill`). Runs are serialized by a transaction-level advisory lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.inbox import oldest_pending
from pipeline.quality.findings import Finding, record_findings
from pipeline.quality.gaps import Gap, OrderEvent, gaps_of_orders
from pipeline.quality.inference import gap_record, infer_events, inferred_event_id
from pipeline.quality.refetch import SourceAccess, refetch
from pipeline.quality.rulebook import GapRules, gap_rules
from pipeline.registry import Registry
from pipeline.settings import Settings
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

LOCK_NAME = "quality:backfill"

_CANDIDATES = text(
    """
    SELECT DISTINCT e.order_id
    FROM event AS e
    WHERE e.event_type = ANY(:evidence) AND e.occurred_at >= :since AND e.occurred_at <= :settled
      AND NOT ('inferred' = ANY(e.flags))
      AND NOT EXISTS (
          SELECT 1 FROM event AS m
          WHERE m.order_id = e.order_id AND m.event_type = :missing AND m.occurred_at >= :floor
            AND (:scope = 'order' OR m.shipment_id = e.shipment_id))
    LIMIT :limit
    """
)
_TRACKED = text("SELECT order_id FROM backfill_gap WHERE state IN ('open', 'refetched')")
_ORDER_EVENTS = text(
    "SELECT source, event_id, event_type, occurred_at, order_id, facility_id, shipment_id, carrier,"
    " tracking_number, flags FROM event WHERE order_id = ANY(:orders)"
)
_TRACK = text(
    """
    INSERT INTO backfill_gap (order_id, rule, shipment_id, missing_type, source, state, found_at)
    SELECT *, 'open', CAST(:now AS timestamptz)
    FROM unnest(CAST(:orders AS text[]), CAST(:rules AS text[]), CAST(:shipments AS text[]),
                CAST(:types AS text[]), CAST(:sources AS text[]))
    ON CONFLICT (order_id, rule, shipment_id) DO NOTHING
    """
)
_STATES = text(
    "SELECT order_id, rule, shipment_id, state, refetched_at FROM backfill_gap WHERE order_id = ANY(:orders)"
)
_CLOSE = text(
    """
    UPDATE backfill_gap SET state = 'closed', closed_at = :now,
           closed_by = CASE WHEN state = 'refetched' THEN 'refetch' ELSE 'observed' END
    WHERE order_id = :order_id AND rule = :rule AND shipment_id = :shipment_id
    """
)
_REFETCHED = text(
    """
    UPDATE backfill_gap SET state = 'refetched', refetched_at = :now, refetch_outcome = :outcome
    WHERE order_id = :order_id AND rule = :rule AND shipment_id = :shipment_id AND state = 'open'
    """
)
_INFERRED = text(
    """
    UPDATE backfill_gap SET state = 'inferred', inferred_at = :now, inferred_event_id = :event_id
    WHERE order_id = :order_id AND rule = :rule AND shipment_id = :shipment_id AND state = 'refetched'
    """
)


@dataclass(frozen=True)
class TrackedGap:
    gap: Gap
    state: str
    refetched_at: datetime | None


@dataclass
class BackfillReport:
    found: int = 0
    closed: int = 0
    refetched: int = 0
    inferred: int = 0
    skipped_locked: bool = False
    by_rule: Counter = field(default_factory=Counter)


def backfill_gaps(
    engine: Engine,
    settings: Settings,
    *,
    database_url: str,
    now: datetime | None = None,
    access: SourceAccess | None = None,
    rules: GapRules | None = None,
) -> BackfillReport:
    """One backfill run (see the module docstring)."""
    now = now or datetime.now(UTC)
    rules = rules or gap_rules()
    report = BackfillReport()
    with engine.begin() as conn:
        if not _lock(conn):
            report.skipped_locked = True
            return report
        tracked = track_gaps(conn, now=now, rules=rules, report=report)
    owned = access is None
    access = access or SourceAccess(settings, database_url)
    try:
        for item in [item for item in tracked if item.state == "open"][: rules.max_gaps_per_run]:
            outcome = refetch(
                engine, access, item.gap.source, item.gap.order_id, item.gap.shipment_id, item.gap.rule
            )
            with engine.begin() as conn:
                mark_refetched(conn, item.gap, outcome, now)
            report.refetched += 1
    finally:
        if owned:
            access.close()
    with engine.begin() as conn:
        report.inferred = infer_due(conn, tracked, now=now, rules=rules)
    if report.found or report.inferred or report.closed:
        log.info("backfill.done", found=report.found, closed=report.closed, refetched=report.refetched,
                 inferred=report.inferred, by_rule=dict(report.by_rule))  # fmt: skip
    return report


def track_gaps(
    conn: Connection, *, now: datetime, rules: GapRules, report: BackfillReport
) -> list[TrackedGap]:
    """Find the gaps of candidate orders and of the tracked ones, record new gaps, close those gone."""
    orders = candidate_orders(conn, now=now, rules=rules) | set(conn.execute(_TRACKED).scalars())
    if not orders:
        return []
    events = [
        OrderEvent.from_row(row) for row in conn.execute(_ORDER_EVENTS, {"orders": sorted(orders)}).mappings()
    ]
    settled = now - timedelta(minutes=rules.settle_minutes)
    gaps = gaps_of_orders(events, rules, settled_before=settled)
    if gaps:
        conn.execute(
            _TRACK,
            {
                "orders": [gap.order_id for gap in gaps],
                "rules": [gap.rule for gap in gaps],
                "shipments": [gap.shipment_id for gap in gaps],
                "types": [gap.missing_type for gap in gaps],
                "sources": [gap.source for gap in gaps],
                "now": now,
            },
        )
    states = {
        (row.order_id, row.rule, row.shipment_id): row
        for row in conn.execute(_STATES, {"orders": sorted(orders)})
    }
    current = {(gap.order_id, gap.rule, gap.shipment_id): gap for gap in gaps}
    for key, row in states.items():
        if row.state in ("open", "refetched") and key not in current:
            conn.execute(_CLOSE, {"order_id": key[0], "rule": key[1], "shipment_id": key[2], "now": now})
            report.closed += 1
    tracked = [TrackedGap(gap, states[key].state, states[key].refetched_at) for key, gap in current.items()]
    report.found = len(tracked)
    report.by_rule.update(gap.rule for gap in gaps)
    return tracked


def candidate_orders(conn: Connection, *, now: datetime, rules: GapRules) -> set[str]:
    """Orders with observed evidence of a rule in the lookback and none of its missing type."""
    since = now - timedelta(days=rules.lookback_days)
    found: set[str] = set()
    for rule in rules.rules.values():
        found |= set(
            conn.execute(
                _CANDIDATES,
                {
                    "evidence": list(rule.evidence),
                    "missing": rule.missing,
                    "scope": rule.scope,
                    "since": since,
                    "settled": now - timedelta(minutes=rules.settle_minutes),
                    "floor": since - timedelta(days=30),
                    "limit": rules.max_gaps_per_run,
                },
            ).scalars()
        )
    return found


def mark_refetched(conn: Connection, gap: Gap, outcome: str, now: datetime) -> None:
    key = {"order_id": gap.order_id, "rule": gap.rule, "shipment_id": gap.shipment_id}
    conn.execute(_REFETCHED, {**key, "now": now, "outcome": outcome})
    record_findings(conn, [_finding(gap, "refetched", {"outcome": outcome})], now)


def infer_due(
    conn: Connection,
    tracked: Sequence[TrackedGap],
    *,
    now: datetime,
    rules: GapRules,
    registry: Registry | None = None,
) -> int:
    """Infer the missing event of every refetched gap whose re-fetch has had its chance."""
    read_through = oldest_pending(conn)
    due_before = now - timedelta(minutes=rules.infer_after_minutes)
    due = [
        item.gap
        for item in tracked
        if item.state == "refetched"
        and item.refetched_at is not None
        and item.refetched_at <= due_before
        and (read_through is None or item.refetched_at < read_through)
    ][: rules.max_gaps_per_run]
    if not due:
        return 0
    registry = registry or Registry.from_database(conn)
    zones = dict(conn.execute(text("SELECT facility_id, time_zone FROM facility")).all())
    infer_events(conn, due, registry, zones, now)
    for gap in due:
        key = {"order_id": gap.order_id, "rule": gap.rule, "shipment_id": gap.shipment_id}
        conn.execute(_INFERRED, {**key, "now": now, "event_id": inferred_event_id(gap)})
    findings = [
        _finding(
            gap,
            "inferred",
            {
                "event_id": inferred_event_id(gap),
                "inferred_from": f"{gap.evidence.source}:{gap.evidence.event_id}",
                "occurred_at": gap.evidence.occurred_at.isoformat(),
            },
        )
        for gap in due
    ]
    record_findings(conn, findings, now)
    return len(due)


def _finding(gap: Gap, action: str, detail: dict) -> Finding:
    return Finding(
        "backfill",
        gap.rule,
        gap.source,
        action,
        gap_record(gap.order_id, gap.shipment_id),
        order_id=gap.order_id,
        detail={"missing": gap.missing_type, **detail},
    )


def _lock(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(LOCK_NAME)}
        ).scalar_one()
    )
