"""Inferred events: what fills a lifecycle gap the source could not fill, and what retires it when the
observed event turns up after all.

An inferred event is a canonical event of source `waypoint:inferred`, flagged `inferred`, at the time of
the gap's earliest evidence (the latest the missing event can have happened), with the facility, carrier,
tracking number and shipment of that evidence. Its payload is landed in the raw inbox as already done
(the order timeline shows it like any other), it is loaded through the normal path with the projection,
and the rule that made it is kept in `event_remedy` (the types' attribute schemas admit no extra keys).
KPIs count inferred events or leave them out at the reader's choice (pipeline/kpis).

When the observed event arrives later, the quality gate retires the inferred one in the same transaction
(`retire_superseded`): the inferred row leaves `event` and `event_key`, so the KPI refresh the observed event
causes sees only the observed one. The projection keeps what it took from both (its updates only move
forward), which is why inference waits for the settle time first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from pipeline.canonical import ValidatedEvent, validate_event
from pipeline.load import StagedEvent, load_events
from pipeline.quality.findings import Finding, record_findings
from pipeline.quality.gaps import INFERRED_FLAG, Gap
from pipeline.registry import Registry
from pipeline.taxonomy import Stage, latest_definitions

INFERRED_SOURCE = "waypoint:inferred"

_LAND_DONE = text(
    "INSERT INTO raw_inbox (source, correlation_id, content_type, headers, payload, status, attempts, processed_at)"
    " VALUES (:source, :correlation_id, 'application/json', CAST(:headers AS jsonb), :payload, 'done', 1, :now)"
    " RETURNING raw_id"
)
_REMEDY = text(
    """
    INSERT INTO event_remedy (source, event_id, remedy, rule, order_id, event_type, shipment_id, occurred_at,
                              created_at)
    VALUES (:source, :event_id, 'inferred', :rule, :order_id, :event_type, :shipment_id, :occurred_at, :now)
    ON CONFLICT (source, event_id) DO NOTHING
    """
)
_OPEN_INFERRED = text(
    """
    SELECT source, event_id, order_id, event_type, shipment_id, occurred_at, rule
    FROM event_remedy
    WHERE remedy = 'inferred' AND superseded_at IS NULL
      AND order_id = ANY(:orders) AND event_type = ANY(:types)
    """
)
_DELETE_EVENT = text(
    "DELETE FROM event WHERE source = :source AND event_id = :event_id AND occurred_at = :at"
)
_DELETE_KEY = text("DELETE FROM event_key WHERE source = :source AND event_id = :event_id")
_SUPERSEDE = text(
    "UPDATE event_remedy SET superseded_at = :now, superseded_by = :by WHERE source = :source AND event_id = :event_id"
)
_CLOSE_GAP = text(
    "UPDATE backfill_gap SET state = 'closed', closed_at = :now, closed_by = 'observed'"
    " WHERE inferred_event_id = :event_id AND state = 'inferred' RETURNING source"
)


def gap_record(order_id: str, shipment_id: str | None) -> str:
    """How backfill findings name the order (and parcel) of a gap."""
    return f"{order_id}:{shipment_id or ''}"


def inferred_event_id(gap: Gap) -> str:
    """Stable, so inferring the same gap twice is a duplicate, never a second event."""
    return f"{gap.rule}:{gap.order_id}" + (f":{gap.shipment_id}" if gap.shipment_id else "")


def inferred_raw(gap: Gap) -> dict:
    """The canonical event that fills `gap`, built from its evidence."""
    evidence = gap.evidence
    raw: dict = {
        "event_id": inferred_event_id(gap),
        "source": INFERRED_SOURCE,
        "event_type": gap.missing_type,
        "occurred_at": evidence.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "order_id": gap.order_id,
        "flags": [INFERRED_FLAG],
        "attributes": {},
    }
    if evidence.facility_id:
        raw["facility_id"] = evidence.facility_id
    if evidence.shipment_id:
        raw["shipment_id"] = evidence.shipment_id
    if latest_definitions()[gap.missing_type].stage == Stage.CARRIER:
        raw["carrier"] = evidence.carrier
        raw["tracking_number"] = evidence.tracking_number
    return raw


def infer_events(
    conn: Connection, gaps: Sequence[Gap], registry: Registry, zones: Mapping[str, str], now: datetime
) -> list[str]:
    """Load an inferred event for each gap (in the caller's transaction); the event ids loaded."""
    staged, loaded_ids = [], []
    for gap in gaps:
        raw = inferred_raw(gap)
        event = validate_event(raw, registry, zones)
        raw_id = conn.execute(
            _LAND_DONE,
            {
                "source": INFERRED_SOURCE,
                "correlation_id": str(uuid.uuid4()),
                "headers": json.dumps({"rule": gap.rule, "event_id": raw["event_id"]}),
                "payload": json.dumps(raw, separators=(",", ":")).encode(),
                "now": now,
            },
        ).scalar_one()
        staged.append(StagedEvent(event, received_at=now, raw_id=raw_id))
        conn.execute(
            _REMEDY,
            {
                "source": INFERRED_SOURCE,
                "event_id": event.event_id,
                "rule": gap.rule,
                "order_id": gap.order_id,
                "event_type": gap.missing_type,
                "shipment_id": gap.shipment_id or None,
                "occurred_at": event.occurred_at,
                "now": now,
            },
        )
        loaded_ids.append(event.event_id)
    if staged:
        load_events(conn, staged)
    return loaded_ids


def retire_superseded(conn: Connection, events: Sequence[ValidatedEvent], now: datetime) -> int:
    """Remove the inferred events that these observed events replace; returns how many were retired."""
    observed = [
        event for event in events if event.source != INFERRED_SOURCE and INFERRED_FLAG not in event.flags
    ]
    if not observed:
        return 0
    candidates = (
        conn.execute(
            _OPEN_INFERRED,
            {
                "orders": sorted({event.order_id for event in observed}),
                "types": sorted({event.event_type for event in observed}),
            },
        )
        .mappings()
        .all()
    )
    retired, findings = 0, []
    for remedy in candidates:
        replacement = next((event for event in observed if _replaces(event, remedy)), None)
        if replacement is None:
            continue
        key = {"source": remedy["source"], "event_id": remedy["event_id"]}
        conn.execute(_DELETE_EVENT, {**key, "at": remedy["occurred_at"]})
        conn.execute(_DELETE_KEY, key)
        by = f"{replacement.source}:{replacement.event_id}"
        conn.execute(_SUPERSEDE, {**key, "now": now, "by": by})
        gap_source = conn.execute(_CLOSE_GAP, {"event_id": remedy["event_id"], "now": now}).scalar()
        findings.append(
            Finding(
                "backfill",
                remedy["rule"],
                gap_source or replacement.source,
                "retired",
                gap_record(remedy["order_id"], remedy["shipment_id"]),
                order_id=remedy["order_id"],
                event_id=remedy["event_id"],
                detail={"replaced_by": by, "observed_at": replacement.occurred_at.isoformat()},
            )
        )
        retired += 1
    record_findings(conn, findings, now)
    return retired


def _replaces(event: ValidatedEvent, remedy: Mapping) -> bool:
    if (event.order_id, event.event_type) != (remedy["order_id"], remedy["event_type"]):
        return False
    return remedy["shipment_id"] is None or event.shipment_id == remedy["shipment_id"]
