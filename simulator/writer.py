"""Writes generated batches into the source databases in `available_at` order.

Rows that are visible by the simulated clock (`until`) go into their tables with COPY, oldest first, so
identity columns such as the WMS change-log `seq` increase with availability; batches are flushed up to a
horizon as they arrive (no later batch can hold an earlier row). Rows not yet visible go to `sim.pending`
as COPY lines, and the activity they will cause to `sim.pending_activity`. Activity statistics are
maintained in the simulator database's transaction. The caller owns every transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

import polars as pl
import psycopg
from psycopg import sql

from simulator.generation import SIM_DATABASE, UTC_US, Batch, Target
from simulator.row_lines import copy_payload, csv_lines

COPY_CHUNK_ROWS = 200_000
MINUTE_RETENTION = timedelta(hours=24)
ACTIVITY_SCHEMA = {
    "available_at": UTC_US,
    "source": pl.String(),
    "facility_id": pl.String(),
    "events": pl.Int32(),
}


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...], lines: pl.Series) -> None:
    schema, _, name = table.partition(".")
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(schema, name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, lines.len(), COPY_CHUNK_ROWS):
            copy.write(copy_payload(lines.slice(start, COPY_CHUNK_ROWS)))


class ParallelCopier:
    """Bulk mode: each target table gets its own connection and thread, so COPYs into different tables run
    side by side (the database does most of the seed's work). Each table's COPYs stay in order. The
    connections' transactions are committed by `commit`, before the caller commits the world row."""

    def __init__(self, connect: Callable[[str], psycopg.Connection]) -> None:
        self.connect = connect
        self.lanes: dict[Target, tuple[psycopg.Connection, ThreadPoolExecutor]] = {}
        self.jobs: list[Future] = []

    def submit(self, target: Target, lines: pl.Series) -> None:
        if target not in self.lanes:
            self.lanes[target] = (self.connect(target.database), ThreadPoolExecutor(max_workers=1))
        conn, lane = self.lanes[target]
        self.jobs.append(lane.submit(copy_rows, conn, target.table, target.columns, lines))

    def commit(self) -> None:
        try:
            for job in self.jobs:
                job.result()
            for conn, _ in self.lanes.values():
                conn.commit()
        finally:
            self.close()

    def close(self) -> None:
        for conn, lane in self.lanes.values():
            lane.shutdown(wait=True, cancel_futures=True)
            conn.close()
        self.lanes = {}


class SourceWriter:
    def __init__(
        self,
        connections: dict[str, psycopg.Connection],
        until: datetime,
        copier: ParallelCopier | None = None,
    ) -> None:
        self.connections = connections
        self.copier = copier
        self.until = until
        self.buffers: dict[Target, list[pl.DataFrame]] = {}
        self.activity: list[pl.DataFrame] = []
        self.written: Counter[str] = Counter()
        self.pending_rows = 0
        self.truth_rows = 0

    def add(self, batch: Batch) -> None:
        for target, frame in batch.lines.items():
            self.buffers.setdefault(target, []).append(frame)
        self.activity.append(batch.activity)
        self.truth_rows += batch.truth_rows

    def take_due_pending(self) -> None:
        """Move pending rows and activity that are due by `until` into the buffers (deleting them)."""
        sim = self.connections[SIM_DATABASE]
        with sim.cursor() as cursor:
            cursor.execute(
                "DELETE FROM sim.pending WHERE available_at <= %s "
                "RETURNING target_database, target_table, columns, available_at, line",
                (self.until,),
            )
            rows = cursor.fetchall()
            cursor.execute(
                "DELETE FROM sim.pending_activity WHERE available_at <= %s "
                "RETURNING available_at, source, facility_id, events",
                (self.until,),
            )
            activity = cursor.fetchall()
        if rows:
            frame = pl.DataFrame(
                rows,
                schema={
                    "database": pl.String,
                    "table": pl.String,
                    "columns": pl.String,
                    "available_at": UTC_US,
                    "line": pl.String,
                },
                orient="row",
            )
            for (database, table, columns), part in frame.group_by(
                "database", "table", "columns", maintain_order=True
            ):
                target = Target(database, table, tuple(columns.split(",")))
                self.buffers.setdefault(target, []).insert(0, part.select("available_at", "line"))
        if activity:
            self.activity.insert(0, pl.DataFrame(activity, schema=ACTIVITY_SCHEMA, orient="row"))

    def flush(self, horizon: datetime | None = None) -> None:
        """Write every buffered row visible before `horizon` (and by `until`), oldest first."""
        limit = self.until if horizon is None else min(horizon, self.until)
        for target, frames in self.buffers.items():
            if not frames:
                continue
            frame = pl.concat(frames) if len(frames) > 1 else frames[0]
            visible = pl.col("available_at") <= limit if horizon is None else pl.col("available_at") < limit
            due = frame.filter(visible).sort("available_at", maintain_order=True)
            self.buffers[target] = [frame.filter(~visible)]
            if due.height:
                if self.copier is not None and target.table not in ("sim.pending", "sim.pending_activity"):
                    self.copier.submit(target, due["line"])
                else:
                    copy_rows(self.connections[target.database], target.table, target.columns, due["line"])
                self.written[f"{target.database}/{target.table}"] += due.height

    def finish(self) -> None:
        """Write what is visible by `until`, keep the rest pending, and count the activity."""
        self.flush()
        self._keep_pending()
        self._count_activity()

    def _keep_pending(self) -> None:
        parts = []
        for target, frames in self.buffers.items():
            later = pl.concat(frames) if len(frames) > 1 else frames[0] if frames else None
            if later is None or later.height == 0:
                continue
            parts.append(
                later.select(
                    target_database=pl.lit(target.database),
                    target_table=pl.lit(target.table),
                    columns=pl.lit(",".join(target.columns)),
                    available_at="available_at",
                    line="line",
                )
            )
        self.buffers = {}
        if parts:
            pending = pl.concat(parts).sort("available_at", maintain_order=True)
            self.pending_rows = pending.height
            copy_rows(
                self.connections[SIM_DATABASE], "sim.pending", tuple(pending.columns), csv_lines(pending)
            )

    def _count_activity(self) -> None:
        if not self.activity:
            return
        activity = pl.concat(self.activity)
        self.activity = []
        sim = self.connections[SIM_DATABASE]
        later = activity.filter(pl.col("available_at") > self.until)
        if later.height:
            copy_rows(sim, "sim.pending_activity", tuple(later.columns), csv_lines(later))
        seen = activity.filter(pl.col("available_at") <= self.until)
        if seen.height == 0:
            return
        totals = seen.group_by("source", "facility_id").agg(
            events_total=pl.col("events").sum().cast(pl.Int64), last_event_at=pl.col("available_at").max()
        )
        sim.cursor().executemany(
            """
            INSERT INTO sim.activity_total AS t (source, facility_id, events_total, last_event_at)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (source, facility_id) DO UPDATE SET
                events_total = t.events_total + EXCLUDED.events_total,
                last_event_at = greatest(t.last_event_at, EXCLUDED.last_event_at)
            """,
            totals.select("source", "facility_id", "events_total", "last_event_at").rows(),
        )
        recent = (
            seen.filter(pl.col("available_at") > self.until - MINUTE_RETENTION)
            .group_by(
                minute=pl.col("available_at").dt.truncate("1m"), source="source", facility_id="facility_id"
            )
            .agg(events=pl.col("events").sum().cast(pl.Int32))
        )
        sim.cursor().executemany(
            """
            INSERT INTO sim.activity_minute AS m (minute, source, facility_id, events) VALUES (%s, %s, %s, %s)
            ON CONFLICT (minute, source, facility_id) DO UPDATE SET events = m.events + EXCLUDED.events
            """,
            recent.select("minute", "source", "facility_id", "events").rows(),
        )
        sim.execute("DELETE FROM sim.activity_minute WHERE minute < %s", (self.until - MINUTE_RETENTION,))
