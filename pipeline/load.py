"""Load validated events: COPY them to a staging table, claim their identities in one INSERT … ON
CONFLICT, drop the rows whose identity was taken before, then write the events and the projection from
what is left, all in the caller's transaction.

Identity is (source, event_id). Carrier scans also carry a semantic key — carrier, tracking number,
canonical type, UTC instant and raw code, never the free text — so a scan resent with another id or
description is recognised. Both keys live in `event_key`, outside the monthly partitions, so uniqueness
spans every month. Within a batch, and across batches in any order, the result is the same.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import orjson
from psycopg import Copy
from psycopg.types.json import JsonbBinaryDumper
from sqlalchemy import Connection, text

from pipeline.canonical import ValidatedEvent
from pipeline.projection import project_fresh_events, projection_stage

# Column and PostgreSQL type, in COPY order (the COPY is binary, see `binary_copy`).
_FRESH_COLUMNS = (
    ("source", "text"), ("event_id", "text"), ("event_type", "text"), ("stage", "text"), ("severity", "text"),
    ("schema_version", "int2"), ("occurred_at", "timestamptz"), ("local_time", "timestamp"),
    ("time_zone", "text"), ("utc_offset_minutes", "int2"), ("order_id", "text"), ("facility_id", "text"),
    ("shipment_id", "text"), ("carrier", "text"), ("tracking_number", "text"), ("sequence", "int8"),
    ("attributes", "jsonb"), ("flags", "text[]"), ("received_at", "timestamptz"), ("raw_id", "int8"),
    ("batch_id", "int8"), ("proj_stage", "text"), ("proj_rank", "int2"), ("proj_terminal", "bool"),
    ("semantic_key", "bytea"),
)  # fmt: skip
_FRESH_TARGET = f"event_fresh ({', '.join(name for name, _ in _FRESH_COLUMNS)})"

# The staging table empties itself at commit; the DELETE covers several loads in one transaction. After
# the claim it holds exactly this load's new events, which the projection reads (pipeline/projection.py).
_CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS event_fresh (
    source text, event_id text, event_type text, stage text, severity text, schema_version smallint,
    occurred_at timestamptz, local_time timestamp, time_zone text, utc_offset_minutes smallint, order_id text,
    facility_id text, shipment_id text, carrier text, tracking_number text, sequence bigint, attributes jsonb,
    flags text[], received_at timestamptz, raw_id bigint, batch_id bigint, proj_stage text, proj_rank smallint,
    proj_terminal boolean, semantic_key bytea
) ON COMMIT DELETE ROWS;
DELETE FROM event_fresh;
"""

# New identities only; ORDER BY gives concurrent workers the same lock order on event_key. Identities
# are unique in the staging table (repeats within a batch are dropped before the COPY). When every
# identity was new (the common case) the one-time filter skips the anti-join altogether.
_CLAIM_IDENTITIES = text(
    """
    WITH claimed AS (
        INSERT INTO event_key (source, event_id, semantic_key, occurred_at)
        SELECT source, event_id, semantic_key, occurred_at FROM event_fresh ORDER BY source, event_id
        ON CONFLICT DO NOTHING
        RETURNING source, event_id
    )
    DELETE FROM event_fresh AS s
    WHERE (SELECT count(*) FROM claimed) < :offered
      AND NOT EXISTS (SELECT 1 FROM claimed AS c WHERE c.source = s.source AND c.event_id = s.event_id)
    RETURNING s.raw_id
    """
)

_INSERT_EVENTS = text(
    """
    INSERT INTO event (occurred_at, source, event_id, event_type, stage, severity, schema_version, local_time,
                       time_zone, utc_offset_minutes, order_id, facility_id, shipment_id, carrier, tracking_number,
                       sequence, attributes, flags, received_at, raw_id, batch_id)
    SELECT occurred_at, source, event_id, event_type, stage, severity, schema_version, local_time, time_zone,
           utc_offset_minutes, order_id, facility_id, shipment_id, carrier, tracking_number, sequence, attributes,
           flags, received_at, raw_id, batch_id
    FROM event_fresh
    """
)


class StagedEvent(NamedTuple):
    """A validated event with where it came from: the inbox row and when the payload was received. A named
    tuple, not a frozen dataclass: one is made for every event of every batch."""

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
    firsts = _first_of_each_identity(staged)
    conn.exec_driver_sql(_CREATE_STAGING)
    _copy_fresh(conn, firsts, batch_id)
    taken_before = Counter(conn.execute(_CLAIM_IDENTITIES, {"offered": len(firsts)}).scalars())
    loaded = len(firsts) - taken_before.total()
    if loaded:
        conn.execute(_INSERT_EVENTS)
        project_fresh_events(conn)
    offered = Counter(item.raw_id for item in firsts)
    by_raw_id = {
        raw_id: count - taken_before[raw_id]
        for raw_id, count in offered.items()
        if raw_id is not None and count > taken_before[raw_id]
    }
    return LoadReport(offered=len(staged), loaded=loaded, loaded_by_raw_id=by_raw_id)


def _first_of_each_identity(staged: Sequence[StagedEvent]) -> list[StagedEvent]:
    """A repeat of an identity within the batch is a duplicate whatever the table holds: the first stays."""
    firsts: dict[tuple[str, str], StagedEvent] = {}
    for item in staged:
        firsts.setdefault((item.event.source, item.event.event_id), item)
    return list(firsts.values())


@contextmanager
def binary_copy(conn: Connection, target: str, types: Sequence[str]) -> Iterator[Copy]:
    """`COPY target FROM STDIN` in the binary format: PostgreSQL's text form of a timestamp costs more
    to write in Python and to parse on the server than the whole rest of a row. `types` are the columns'
    PostgreSQL types, in order (a binary COPY has no casts); jsonb is serialized by orjson."""
    cursor = conn.connection.driver_connection.cursor()
    cursor.adapters.register_dumper(dict, _OrjsonJsonbDumper)
    with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        yield copy


def _copy_fresh(conn: Connection, fresh: Sequence[StagedEvent], batch_id: int | None) -> None:
    with binary_copy(conn, _FRESH_TARGET, [kind for _, kind in _FRESH_COLUMNS]) as copy:
        for item in fresh:
            event = item.event
            stage_name, rank, terminal = projection_stage(event.event_type)
            copy.write_row(
                (
                    event.source, event.event_id, event.event_type, event.stage, event.severity,
                    event.schema_version, event.occurred_at, event.local_time, event.time_zone,
                    event.utc_offset_minutes, event.order_id, event.facility_id, event.shipment_id,
                    event.carrier, event.tracking_number, event.sequence, event.attributes,
                    list(event.flags), item.received_at, item.raw_id, batch_id, stage_name, rank, terminal,
                    semantic_key(event),
                )
            )  # fmt: skip


class _OrjsonJsonbDumper(JsonbBinaryDumper):
    """jsonb in COPY's binary form, serialized by orjson (several times faster than the json module)."""

    _dumps = orjson.dumps
