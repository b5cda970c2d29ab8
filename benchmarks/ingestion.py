"""Ingestion throughput: the whole pipeline against a raw COPY of the same rows, in one run.

The pipeline path: N canonical events landed as JSON Lines payloads, then drained by two worker
processes (the machine's two cores): parse, validate against the registry, dedupe, COPY to staging,
INSERT … ON CONFLICT, project order state, count. The baseline: the same rows, already shaped, COPYed
by one process into a scratch copy of the events table with the same indexes, in COPY's binary format
(the one the pipeline's own COPY uses, and the faster of the two) and, for reference, in its text
format. Goal: ratio >= 0.5 of the binary COPY.

The ratio compares rates: the pipeline's runs from its first batch to the last worker's exit, like the
COPY's runs from its first row. Starting a worker process (the interpreter, imports, the registry) is a
cost a long-running worker pays once; it is printed beside, not counted in the rate.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import orjson
from sqlalchemy import text

from benchmarks.canonical_stream import jsonl_payloads
from benchmarks.scratch import scratch_database
from db.engine import make_engine
from pipeline.inbox import Arrival, land
from pipeline.load import binary_copy

EVENT_COLUMNS = (
    "occurred_at, source, event_id, event_type, stage, severity, schema_version, local_time, time_zone, "
    "utc_offset_minutes, order_id, facility_id, shipment_id, carrier, tracking_number, sequence, attributes, "
    "flags, received_at, raw_id, batch_id"
)


def _run_workers(url: str, count: int) -> float:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WAYPOINT_LOG_LEVEL": "WARNING",
        "WAYPOINT_DRAIN_BATCH_SIZE": "20",
    }
    started = time.perf_counter()
    workers = [
        subprocess.Popen([sys.executable, "-m", "pipeline.cli.main", "pipeline", "run", "--once"], env=env)
        for _ in range(count)
    ]
    for worker in workers:
        worker.wait()
    return time.perf_counter() - started


# The event table's column types in EVENT_COLUMNS order, which a binary COPY must be told.
EVENT_TYPES = (
    "timestamptz", "text", "text", "text", "text", "text", "int2", "timestamp", "text", "int2", "text", "text",
    "text", "text", "text", "int8", "jsonb", "text[]", "timestamptz", "int8", "int8",
)  # fmt: skip


def _raw_copy(engine, rows: list[tuple], *, binary: bool) -> float:
    """Seconds to COPY `rows` into a fresh scratch copy of `event` (attributes as a dict for the binary
    format, as JSON text for the text format)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS event_scratch")
        conn.exec_driver_sql(
            "CREATE TABLE event_scratch (LIKE event INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
    target = f"event_scratch ({EVENT_COLUMNS})"
    with engine.begin() as conn:
        started = time.perf_counter()
        if binary:  # exactly as the loader COPYs
            copying = binary_copy(conn, target, EVENT_TYPES)
        else:
            copying = conn.connection.driver_connection.cursor().copy(f"COPY {target} FROM STDIN")
        with copying as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def main() -> None:
    total = int(os.environ.get("WAYPOINT_BENCH_INGEST_EVENTS", "300000"))
    workers = int(os.environ.get("WAYPOINT_BENCH_WORKERS", "2"))
    print(f"ingestion: {total:,} canonical events, {workers} worker processes vs one raw COPY")
    with scratch_database() as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            for payload in jsonl_payloads(total):
                land(conn, Arrival("canonical:bench", payload))
        total_seconds = _run_workers(url, workers)
        with engine.connect() as conn:
            # processed_at is each batch's transaction start: the first one is when draining began.
            pipeline_seconds = conn.execute(
                text("SELECT extract(epoch FROM clock_timestamp() - min(processed_at))::float FROM raw_inbox")
            ).scalar_one()
            loaded = conn.execute(text("SELECT count(*) FROM event")).scalar_one()
            rows = [tuple(r) for r in conn.execute(text(f"SELECT {EVENT_COLUMNS} FROM event"))]  # noqa: S608
        attributes = EVENT_COLUMNS.split(", ").index("attributes")
        rows_as_text = [
            (*r[:attributes], orjson.dumps(r[attributes]).decode(), *r[attributes + 1 :]) for r in rows
        ]
        # Each format twice, alternating, and the faster of each: a first COPY into a new table pays for
        # growing files and WAL the second finds ready, and the baseline should be the best raw rate.
        binary_seconds, text_seconds = float("inf"), float("inf")
        for _ in range(2):
            binary_seconds = min(binary_seconds, _raw_copy(engine, rows, binary=True))
            text_seconds = min(text_seconds, _raw_copy(engine, rows_as_text, binary=False))
        engine.dispose()
    pipeline_rate, copy_rate = loaded / pipeline_seconds, len(rows) / binary_seconds
    text_rate = len(rows) / text_seconds
    print(
        f"  pipeline: {loaded:,} events in {pipeline_seconds:.1f}s = {pipeline_rate:,.0f} events/s"
        f" (plus {total_seconds - pipeline_seconds:.1f}s starting the worker processes)"
    )
    print(f"  raw COPY, binary: {len(rows):,} rows in {binary_seconds:.1f}s = {copy_rate:,.0f} rows/s")
    print(f"  raw COPY, text:   {len(rows):,} rows in {text_seconds:.1f}s = {text_rate:,.0f} rows/s")
    print(
        f"  ratio pipeline / raw binary COPY = {pipeline_rate / copy_rate:.2f} (goal >= 0.5);"
        f" with the start-up counted {loaded / total_seconds / copy_rate:.2f};"
        f" against the text COPY {pipeline_rate / text_rate:.2f}"
    )


if __name__ == "__main__":
    main()
