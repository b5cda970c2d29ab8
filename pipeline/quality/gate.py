"""The quality gate: what the drain runs between normalizing a batch and loading it, in its transaction.

1. Invalid timestamps (pipeline/quality/timestamps.py): events whose time a rule rejects are corrected
   when that is safe — the event is loaded with the corrected time and the flag `time_corrected`, the
   original time kept in `event_remedy` — or held back for quarantine (reason `invalid_timestamp`, the
   rule named). Each decision is a quality finding.
2. Inferred events that an observed event in this batch replaces are retired (pipeline/quality/inference.py).

It reads when the batch's orders were placed and, for sources with a sequence, the watermark of the rows
before the batch; it writes findings and remedies, and hands back the new watermarks for the caller to
save (`save_watermarks`) last in its transaction: every worker draining the same source updates the same
watermark row, and that row stays locked from the update to the commit. A handful of indexed statements
per batch, whatever its size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from pipeline.canonical import ValidatedEvent
from pipeline.facility_time import to_local
from pipeline.load import StagedEvent
from pipeline.quality.findings import Finding, record_findings
from pipeline.quality.inference import retire_superseded
from pipeline.quality.rulebook import TimestampLimits, timestamp_limits
from pipeline.quality.timestamps import TimedEvent, TimeVerdict, judge_times
from pipeline.sources.base import Rejection

TIME_CORRECTED = "time_corrected"
GATE_PREFIX = "quality gate: "  # starts the message of every quarantine row the gate writes

_PLACED = text("SELECT order_id, placed_at FROM customer_order WHERE order_id = ANY(:orders)")
_WATERMARKS = text(
    "SELECT source, last_sequence, recent_times FROM sequence_watermark WHERE source = ANY(:sources) ORDER BY source"
)
_SAVE_WATERMARK = text(
    """
    INSERT INTO sequence_watermark AS w (source, last_sequence, recent_times, updated_at)
    VALUES (:source, :last_sequence, CAST(:recent_times AS timestamptz[]), :now)
    ON CONFLICT (source) DO UPDATE SET last_sequence = excluded.last_sequence,
        recent_times = excluded.recent_times, updated_at = excluded.updated_at
    WHERE excluded.last_sequence > w.last_sequence
    """
)
_QUARANTINED_BEFORE = text(
    "SELECT finding_key FROM quality_finding WHERE finding_key = ANY(:keys) AND action = 'quarantined'"
)
_REMEDY = text(
    """
    INSERT INTO event_remedy (source, event_id, remedy, rule, order_id, event_type, shipment_id,
                              original_occurred_at, occurred_at, created_at)
    SELECT * FROM unnest(CAST(:sources AS text[]), CAST(:event_ids AS text[]), CAST(:remedies AS text[]),
                         CAST(:rules AS text[]), CAST(:orders AS text[]), CAST(:types AS text[]),
                         CAST(:shipments AS text[]), CAST(:originals AS timestamptz[]),
                         CAST(:corrected AS timestamptz[]), CAST(:created AS timestamptz[]))
    ON CONFLICT (source, event_id) DO NOTHING
    """
)


@dataclass(frozen=True)
class HeldEvent:
    """An event the gate keeps out of the load, and the quarantine rejection that says why."""

    source: str
    raw_id: int | None
    rejection: Rejection


@dataclass
class GateResult:
    kept: list[StagedEvent]
    held: list[HeldEvent] = field(default_factory=list)
    # Held events quarantined before: a carrier poll resends a parcel's whole history, bad scan included.
    # They are not quarantined again; the drain counts them as duplicates.
    repeated: list[HeldEvent] = field(default_factory=list)
    corrected: int = 0
    retired: int = 0
    # Per sequenced source: (highest sequence, the accepted times of its last rows), for save_watermarks.
    watermarks: dict[str, tuple[int, list[datetime]]] = field(default_factory=dict)


def screen_batch(
    conn: Connection,
    staged: Sequence[StagedEvent],
    *,
    now: datetime | None = None,
    limits: TimestampLimits | None = None,
) -> GateResult:
    """Judge the batch's times, correct or hold back what a rule rejects, retire replaced inferences. The
    new watermarks are in the result, for `save_watermarks`."""
    if not staged:
        return GateResult([])
    now = now or datetime.now(UTC)
    limits = limits or timestamp_limits()
    events = [_timed(index, item) for index, item in enumerate(staged)]
    placed = dict(conn.execute(_PLACED, {"orders": sorted({e.order_id for e in events})}).all())
    before = _watermarks(conn, events, limits)
    judgement = judge_times(events, placed, before, limits)
    result = GateResult([])
    findings: list[Finding] = []
    corrections: list[tuple[ValidatedEvent, TimeVerdict]] = []
    for index, item in enumerate(staged):
        verdict = judgement.verdicts.get(index)
        if verdict is None:
            result.kept.append(item)
            continue
        findings.append(_finding(item.event, verdict))
        if verdict.action == "quarantined":
            result.held.append(HeldEvent(item.event.source, item.raw_id, _rejection(item.event, verdict)))
            continue
        if verdict.occurred_at != item.event.occurred_at:
            corrections.append((item.event, verdict))
            item = item._replace(event=corrected_event(item.event, verdict.occurred_at))
        result.kept.append(item)
    result.corrected = len(corrections)
    _drop_repeats(conn, result)
    record_findings(conn, findings, now)
    _save_remedies(conn, corrections, now)
    result.watermarks = judgement.tails
    result.retired = retire_superseded(conn, [item.event for item in result.kept], now)
    return result


def save_watermarks(conn: Connection, result: GateResult, now: datetime) -> None:
    """Move each sequenced source's watermark forward (never back). Call it last before the commit."""
    for source, (last_sequence, times) in sorted(result.watermarks.items()):
        conn.execute(
            _SAVE_WATERMARK,
            {"source": source, "last_sequence": last_sequence, "recent_times": times, "now": now},
        )


def corrected_event(event: ValidatedEvent, occurred_at: datetime) -> ValidatedEvent:
    """The event at its corrected time: local wall clock recomputed, flagged `time_corrected`."""
    local = to_local(occurred_at, event.time_zone) if event.time_zone else None
    return dataclasses.replace(
        event,
        occurred_at=occurred_at,
        local_time=local.local_wall if local else event.local_time,
        utc_offset_minutes=local.offset_minutes if local else event.utc_offset_minutes,
        flags=tuple(sorted({*event.flags, TIME_CORRECTED, *(local.flags if local else ())})),
    )


def _timed(index: int, item: StagedEvent) -> TimedEvent:
    event = item.event
    return TimedEvent(  # positional, in TimedEvent's order: one per event, and keywords cost a third more
        index, event.source, event.event_type, event.order_id, event.occurred_at, item.received_at,
        event.sequence, event.flags, event.time_zone, event.local_time,
    )  # fmt: skip


def _watermarks(
    conn: Connection, events: Sequence[TimedEvent], limits: TimestampLimits
) -> dict[str, list[datetime]]:
    """Per sequenced source, the times of the rows before this batch — when the batch continues the log."""
    first: dict[str, int] = {}
    for event in events:
        if event.sequence is not None:
            first[event.source] = min(event.sequence, first.get(event.source, event.sequence))
    first = {source: sequence for source, sequence in first.items() if limits.sequence.covers(source)}
    if not first:
        return {}
    rows = conn.execute(_WATERMARKS, {"sources": sorted(first)}).all()
    return {row.source: list(row.recent_times) for row in rows if row.last_sequence < first[row.source]}


def _finding(event: ValidatedEvent, verdict: TimeVerdict) -> Finding:
    detail = {"message": verdict.message, "occurred_at": event.occurred_at.isoformat()}
    if verdict.occurred_at != event.occurred_at:
        detail["corrected_to"] = verdict.occurred_at.isoformat()
    return Finding(
        "timestamp",
        verdict.rule,
        event.source,
        verdict.action,
        event.event_id,
        order_id=event.order_id,
        event_id=event.event_id,
        detail={**detail, "event_type": event.event_type},
    )


def _rejection(event: ValidatedEvent, verdict: TimeVerdict) -> Rejection:
    record = {
        "source": event.source,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "order_id": event.order_id,
        "occurred_at": event.occurred_at.isoformat(),
        "sequence": event.sequence,
    }
    return Rejection(
        "invalid_timestamp", GATE_PREFIX + verdict.message, "occurred_at", verdict.rule, record=record
    )


def _save_remedies(
    conn: Connection, corrections: Sequence[tuple[ValidatedEvent, TimeVerdict]], now: datetime
) -> None:
    if not corrections:
        return
    events = [event for event, _ in corrections]
    conn.execute(
        _REMEDY,
        {
            "sources": [e.source for e in events],
            "event_ids": [e.event_id for e in events],
            "remedies": ["time_corrected"] * len(events),
            "rules": [verdict.rule for _, verdict in corrections],
            "orders": [e.order_id for e in events],
            "types": [e.event_type for e in events],
            "shipments": [e.shipment_id for e in events],
            "originals": [e.occurred_at for e in events],
            "corrected": [verdict.occurred_at for _, verdict in corrections],
            "created": [now] * len(events),
        },
    )


def _drop_repeats(conn: Connection, result: GateResult) -> None:
    """Move the held events the gate quarantined in an earlier batch to `repeated`."""
    if not result.held:
        return
    keys = {_finding_key(held): held for held in result.held}
    before = set(conn.execute(_QUARANTINED_BEFORE, {"keys": sorted(keys)}).scalars())
    result.repeated = [held for key, held in keys.items() if key in before]
    result.held = [held for held in result.held if _finding_key(held) not in before]


def _finding_key(held: HeldEvent) -> str:
    record = held.rejection.record
    return f"timestamp|{held.rejection.rule}|{record['source']}|{record['event_id']}"
