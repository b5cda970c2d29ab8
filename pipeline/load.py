"""Load validated events: COPY into a staging table, one INSERT … ON CONFLICT for identity, then the
events and the projection, all in the caller's transaction.

Identity is (source, event_id). Carrier scans also carry a semantic key — carrier, tracking number,
canonical type, UTC instant and raw code, never the free text — so a scan resent with another id or
description is recognised. Both keys live in `event_key`, outside the monthly partitions, so uniqueness
spans every month. Within a batch, and across batches in any order, the result is the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import Connection, text

from pipeline.canonical import ValidatedEvent
from pipeline.projection import project_fresh_events, projection_stage

_STAGE_COLUMNS = (
    "ordinal", "source", "event_id", "event_type", "stage", "severity", "schema_version", "occurred_at",
    "local_time", "time_zone", "utc_offset_minutes", "order_id", "facility_id", "shipment_id", "carrier",
    "tracking_number", "sequence", "attributes", "flags", "received_at", "raw_id", "batch_id", "semantic_key",
    "proj_stage", "proj_rank", "proj_terminal",
)  # fmt: skip

_CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS event_stage (
    ordinal integer, source text, event_id text, event_type text, stage text, severity text,
    schema_version smallint, occurred_at timestamptz, local_time timestamp, time_zone text,
    utc_offset_minutes smallint, order_id text, facility_id text, shipment_id text, carrier text,
    tracking_number text, sequence bigint, attributes jsonb, flags text[], received_at timestamptz,
    raw_id bigint, batch_id bigint, semantic_key bytea, proj_stage text, proj_rank smallint,
    proj_terminal boolean
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS event_fresh (LIKE event_stage) ON COMMIT DELETE ROWS;
DELETE FROM event_stage;
DELETE FROM event_fresh;
"""

# The staging tables empty themselves at commit; the DELETEs cover several loads in one transaction.

# New identities only; ORDER BY gives concurrent workers the same lock order on event_key.
_CLAIM_IDENTITIES = """
WITH claimed AS (
    INSERT INTO event_key (source, event_id, semantic_key, occurred_at)
    SELECT source, event_id, semantic_key, occurred_at FROM event_stage ORDER BY source, event_id, ordinal
    ON CONFLICT DO NOTHING
    RETURNING source, event_id
)
INSERT INTO event_fresh
SELECT DISTINCT ON (s.source, s.event_id) s.*
FROM event_stage AS s JOIN claimed AS c USING (source, event_id)
ORDER BY s.source, s.event_id, s.ordinal
"""

_INSERT_EVENTS = """
INSERT INTO event (occurred_at, source, event_id, event_type, stage, severity, schema_version, local_time,
                   time_zone, utc_offset_minutes, order_id, facility_id, shipment_id, carrier, tracking_number,
                   sequence, attributes, flags, received_at, raw_id, batch_id)
SELECT occurred_at, source, event_id, event_type, stage, severity, schema_version, local_time, time_zone,
       utc_offset_minutes, order_id, facility_id, shipment_id, carrier, tracking_number, sequence, attributes,
       flags, received_at, raw_id, batch_id
FROM event_fresh
"""


@dataclass(frozen=True)
class StagedEvent:
    """A validated event with where it came from: the inbox row and when the payload was received."""

    event: ValidatedEvent
    received_at: datetime
    raw_id: int | None = None


@dataclass(frozen=True)
class LoadReport:
    offered: int
    loaded: int
    loaded_by_raw_id: dict[int, int] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.offered - self.loaded


def semantic_key(event: ValidatedEvent) -> bytes | None:
    """Carrier scans only: the same physical scan, whatever id or description it was resent with."""
    if event.stage != "carrier" or not event.tracking_number:
        return None
    parts = (
        event.carrier or "",
        event.tracking_number,
        event.event_type,
        event.occurred_at.isoformat(),
        str(event.attributes.get("raw_code", "")),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


def load_events(
    conn: Connection, staged: Sequence[StagedEvent], *, batch_id: int | None = None
) -> LoadReport:
    """Write new events and update the projection. Duplicates are skipped, never written twice."""
    if not staged:
        return LoadReport(0, 0)
    conn.exec_driver_sql(_CREATE_STAGING)
    _copy_to_stage(conn, staged, batch_id)
    conn.execute(text(_CLAIM_IDENTITIES))
    loaded = conn.execute(text(_INSERT_EVENTS)).rowcount
    by_raw_id: dict[int, int] = {}
    if loaded:
        project_fresh_events(conn)
        by_raw_id = dict(
            conn.execute(
                text("SELECT raw_id, count(*) FROM event_fresh WHERE raw_id IS NOT NULL GROUP BY raw_id")
            ).all()
        )
    return LoadReport(offered=len(staged), loaded=loaded, loaded_by_raw_id=by_raw_id)


def _copy_to_stage(conn: Connection, staged: Sequence[StagedEvent], batch_id: int | None) -> None:
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY event_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy:
        for ordinal, item in enumerate(staged):
            event = item.event
            stage_name, rank, terminal = projection_stage(event.event_type)
            copy.write_row(
                (
                    ordinal, event.source, event.event_id, event.event_type, event.stage, event.severity,
                    event.schema_version, event.occurred_at, event.local_time, event.time_zone,
                    event.utc_offset_minutes, event.order_id, event.facility_id, event.shipment_id,
                    event.carrier, event.tracking_number, event.sequence, orjson.dumps(event.attributes).decode(),
                    list(event.flags), item.received_at, item.raw_id, batch_id, semantic_key(event),
                    stage_name, rank, terminal,
                )
            )  # fmt: skip
