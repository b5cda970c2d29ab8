"""`detect_exceptions(engine, *, now)`: the job that opens, updates and auto-resolves exceptions.

Each run
1. reads the events loaded since the last run (a checkpoint on event_pk with its holes, see cursor.py;
   history is never rescanned) and applies the event rules, a batch per transaction with the checkpoint.
   An event with a rule waits while payloads received before it was loaded are still pending, from any
   feed: they may settle what it reports (the packing after a short pick, at the DC the order was
   moved to), and judging it now would open an exception only to resolve it minutes later. New
   arrivals do not count, so a busy inbox never holds an event back, and a backlog that outlasts
   `BACKLOG_WAIT` (a payload stuck in a hung worker's batch) no longer does;
2. looks for silent failures in the order-state projection (open orders only): no carrier scan after
   the label or since the last scan, ship-by approaching with nothing picked, a stage held too long;
3. goes over the unresolved exceptions: refreshes "promise at risk", and resolves those the stream shows
   are over (delivered after a delay, packed after a short pick, …) through the action service, so the
   audit log says the automation resolved it and why.

Safe with several workers: a transaction-level advisory lock lets one detector run at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.actions import Actor, perform
from pipeline.exceptions.cursor import EventCursor, read_cursor, write_cursor
from pipeline.exceptions.detection import (
    event_findings,
    promise_at_risk,
    silent_finding,
    verdict,
)
from pipeline.exceptions.order_facts import FACT_COLUMNS, facts_of, settled_findings
from pipeline.exceptions.rules import RuleBook, load_rules
from pipeline.exceptions.silent_queries import silent_candidates
from pipeline.exceptions.store import apply_finding, episodes_seen, refresh_promises, unresolved_exception
from pipeline.inbox import oldest_pending
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

CHECKPOINT = "detector:events"
DETECTOR_PLAYBOOK = "detector"
EVENT_BATCH = 20_000
GAP_TTL = timedelta(minutes=10)

_NEW_EVENTS = """
SELECT event_pk, source, event_id, event_type, occurred_at, loaded_at, order_id, facility_id, shipment_id,
       carrier, CASE WHEN event_type = ANY(:types) THEN attributes END AS attributes
FROM event
"""
_ABOVE = text(_NEW_EVENTS + " WHERE event_pk > :high ORDER BY event_pk LIMIT :limit")
_WITHIN = text(_NEW_EVENTS + " WHERE event_pk BETWEEN :low AND :high ORDER BY event_pk")
BACKLOG_WAIT = timedelta(minutes=15)

_UNRESOLVED_FACTS = text(
    f"""
    SELECT x.exception_id, x.exception_type, x.root_cause, x.state, x.detail, x.last_evidence_at,
           x.facility_id, x.carrier_id, x.shipment_id, x.promise_at_risk, x.promised_delivery_by AS known_promise,
           {FACT_COLUMNS}
    FROM order_exception AS x
    LEFT JOIN order_state AS o ON o.order_id = x.order_id
    LEFT JOIN customer_order AS c ON c.order_id = x.order_id
    LEFT JOIN shipment AS s ON s.shipment_id = x.shipment_id
    WHERE x.state <> 'resolved'
    ORDER BY x.exception_id
    """  # noqa: S608 - a constant column list, no input
)


@dataclass
class DetectionReport:
    events_read: int = 0
    opened: int = 0
    updated: int = 0
    resolved: int = 0
    already_over: int = 0  # findings not opened: the order had already moved past them
    waiting: int = 0  # events left for a later run: payloads older than their load are still pending
    skipped_locked: bool = False

    def count(self, outcome: str) -> None:
        if outcome == "opened":
            self.opened += 1
        elif outcome == "updated":
            self.updated += 1


def detect_exceptions(
    engine: Engine,
    *,
    now: datetime | None = None,
    rules: RuleBook | None = None,
    batch_size: int = EVENT_BATCH,
    max_batches: int = 100,
) -> DetectionReport:
    """One detector run (see the module docstring): event batches of `batch_size`, each committed with
    the checkpoint, then the silent rules and the unresolved exceptions in one more transaction."""
    now = now or datetime.now(UTC)
    rules = rules or load_rules()
    report = DetectionReport()
    for _ in range(max_batches):
        with engine.begin() as conn:
            if not _lock(conn):
                report.skipped_locked = True
                return report
            read = detect_from_events(conn, now=now, rules=rules, limit=batch_size, report=report)
        if read < batch_size:
            break
    with engine.begin() as conn:
        if not _lock(conn):
            report.skipped_locked = True
            return report
        detect_silent_failures(conn, now=now, rules=rules, report=report)
        settle_unresolved(conn, now=now, rules=rules, report=report)
    if report.opened or report.resolved:
        log.info(
            "exceptions.detected",
            events=report.events_read,
            opened=report.opened,
            updated=report.updated,
            resolved=report.resolved,
            already_over=report.already_over,
            waiting=report.waiting,
        )
    return report


def detect_once(conn: Connection, *, now: datetime, rules: RuleBook | None = None) -> DetectionReport:
    """All three steps in the caller's transaction, one event batch (tests, and callers that own the
    transaction). The scheduled job is `detect_exceptions`."""
    rules = rules or load_rules()
    report = DetectionReport()
    detect_from_events(conn, now=now, rules=rules, limit=EVENT_BATCH, report=report)
    detect_silent_failures(conn, now=now, rules=rules, report=report)
    settle_unresolved(conn, now=now, rules=rules, report=report)
    return report


def _lock(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(CHECKPOINT)}
        ).scalar_one()
    )


def detect_from_events(
    conn: Connection, *, now: datetime, rules: RuleBook, limit: int, report: DetectionReport
) -> int:
    """Apply the event rules to the next batch of events; returns how many were read above the checkpoint
    (fewer than `limit` when the batch is done or an event waits for an older backlog)."""
    cursor = read_cursor(conn, CHECKPOINT).expired(now, GAP_TTL)
    types = sorted(rules.event_rules)
    events = [
        dict(row)
        for gap in cursor.gaps
        for row in conn.execute(_WITHIN, {"types": types, "low": gap.low, "high": gap.high}).mappings()
    ]
    fetched = [
        dict(row)
        for row in conn.execute(_ABOVE, {"types": types, "high": cursor.high, "limit": limit}).mappings()
    ]
    above = fetched[: _first_waiting(conn, fetched, rules)]
    report.waiting += len(fetched) - len(above)
    events += above
    findings = event_findings(events, rules)
    settled = settled_findings(conn, findings, rules)
    for index, finding in enumerate(findings):
        if index in settled and unresolved_exception(conn, finding.order_id, finding.root_cause) is None:
            report.already_over += 1
            continue
        report.count(apply_finding(conn, finding, now))
    after = cursor.after([event["event_pk"] for event in events], now)
    if after != cursor or not events:
        write_cursor(conn, CHECKPOINT, after)
    report.events_read += len(events)
    return len(above)


def _first_waiting(conn: Connection, events: list[dict], rules: RuleBook) -> int:
    """The index of the first event with a rule that was loaded while older payloads were pending and
    still are (len(events) if none): it and the events after it wait for a later run."""
    ruled = [index for index, event in enumerate(events) if event["event_type"] in rules.event_rules]
    read_through = oldest_pending(conn) if ruled else None
    if read_through is None:
        return len(events)
    # The wall clock, not the run's `now`: `loaded_at` is a real instant, whatever clock the rules judge by.
    waited_since = datetime.now(UTC) - BACKLOG_WAIT
    for index in ruled:
        loaded_at = events[index]["loaded_at"]
        if read_through < loaded_at and loaded_at > waited_since:
            return index
    return len(events)


def detect_silent_failures(
    conn: Connection, *, now: datetime, rules: RuleBook, report: DetectionReport
) -> None:
    candidates = silent_candidates(conn, rules, now)
    findings = [
        finding
        for rule_name, rows in candidates.items()
        for row in rows
        if (finding := silent_finding(rule_name, row, rules, now)) is not None
    ]
    seen = episodes_seen(conn, sorted({finding.order_id for finding in findings}))
    for finding in findings:
        if (finding.order_id, finding.episode) not in seen:
            report.count(apply_finding(conn, finding, now))


def settle_unresolved(conn: Connection, *, now: datetime, rules: RuleBook, report: DetectionReport) -> None:
    """Refresh promise-at-risk of every unresolved exception and resolve the ones that are over."""
    detector = Actor.automation(DETECTOR_PLAYBOOK)
    promises: list[tuple[int, bool, datetime | None]] = []
    for row in conn.execute(_UNRESOLVED_FACTS).mappings().all():
        facts = facts_of(row)
        reason = verdict(row, facts, rules)
        if reason is not None:
            perform(conn, detector, "resolve", row["exception_id"], note=reason, now=now)
            report.resolved += 1
            continue
        limits = rules.thresholds_for(row["facility_id"], row["carrier_id"])
        at_risk = promise_at_risk(row["root_cause"], row["detail"], facts, limits, now)
        if (at_risk, facts.promised_delivery_by) != (row["promise_at_risk"], row["known_promise"]):
            promises.append((row["exception_id"], at_risk, facts.promised_delivery_by))
    refresh_promises(conn, promises)


def reset_checkpoint(conn: Connection) -> None:
    """Forget the read position (tests, and a deliberate re-detection after a rules change)."""
    write_cursor(conn, CHECKPOINT, EventCursor())
