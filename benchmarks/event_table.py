"""Why the events table is partitioned by month: the same rows, partitioned and flat, same indexes.

Loads N synthetic events spread over twelve months (17 per order, an order's events close together in
time, as real ones are), copies them into an unpartitioned twin with identical indexes, and times the
queries the product runs: an order's timeline, a week's deliveries, the last hour's packing, and
dropping the oldest month (retention). Set WAYPOINT_BENCH_EVENTS to scale (the design target is a year
at twice today's volume: about 50 million events).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from benchmarks.scratch import scratch_database
from db.engine import make_engine

EVENT_TYPES = [
    "ORDER_RECEIVED",
    "ORDER_ALLOCATED",
    "ORDER_RELEASED",
    "PICK_STARTED",
    "ITEM_PICKED",
    "PICK_COMPLETED",
    "PACK_STARTED",
    "PACK_COMPLETED",
    "LABEL_PRINTED",
    "STAGED_OUTBOUND",
    "CARRIER_PICKUP",
    "ARRIVED_AT_HUB",
    "DEPARTED_HUB",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
    "SURVEY_RESPONDED",
]

LOAD = """
INSERT INTO event (occurred_at, source, event_id, event_type, stage, severity, schema_version, order_id,
                   facility_id, attributes, received_at)
SELECT ts, 'bench', 'e' || g, (CAST(:types AS text[]))[1 + g % 17], 'fulfillment', 'info', 1, 'SO-' || (g / 17),
       CASE WHEN g % 2 = 0 THEN 'DC-RNO' ELSE 'DC-CMH' END, jsonb_build_object('operator_id', g % 97), ts
FROM generate_series(:first, :last) AS g,
     LATERAL (SELECT now() - interval '365 days' + (g::float8 / :total) * interval '365 days' AS ts) AS t
"""

QUERIES = {
    "order timeline (no time bound)": "SELECT * FROM {t} WHERE order_id = :order_id ORDER BY occurred_at",
    "order timeline (bounded by order date)": (
        "SELECT * FROM {t} WHERE order_id = :order_id AND occurred_at >= :since ORDER BY occurred_at"
    ),
    "deliveries in the last 7 days": (
        "SELECT count(*) FROM {t} WHERE event_type = 'DELIVERED' AND occurred_at >= now() - interval '7 days'"
    ),
    "packing in the last hour per facility": (
        "SELECT facility_id, count(*) FROM {t} WHERE event_type = 'PACK_COMPLETED' "
        "AND occurred_at >= now() - interval '1 hour' GROUP BY facility_id"
    ),
}


@dataclass
class Timing:
    query: str
    partitioned_p50: float
    partitioned_p95: float
    flat_p50: float
    flat_p95: float


def _load(conn: Connection, total: int, chunk: int = 1_000_000) -> None:
    for first in range(1, total + 1, chunk):
        last = min(first + chunk - 1, total)
        conn.execute(text(LOAD), {"types": EVENT_TYPES, "first": first, "last": last, "total": total})
        conn.commit()
        print(f"  loaded {last:,} / {total:,} events", flush=True)


def _make_flat_twin(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE event_flat (LIKE event INCLUDING DEFAULTS)"))
    conn.execute(text("INSERT INTO event_flat SELECT * FROM event"))
    conn.execute(text("ALTER TABLE event_flat ADD PRIMARY KEY (event_pk, occurred_at)"))
    conn.execute(text("CREATE INDEX ON event_flat (order_id, occurred_at)"))
    conn.execute(text("CREATE INDEX ON event_flat (event_type, occurred_at)"))
    conn.execute(text("ANALYZE event; ANALYZE event_flat"))
    conn.commit()


def _percentiles(run: Callable[[], None], repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def _time_queries(conn: Connection, total: int, repeats: int) -> list[Timing]:
    rng = random.Random(7)
    orders = [f"SO-{rng.randrange(total // 17)}" for _ in range(repeats)]
    # The app knows when an order was placed (order_state), so it can bound the timeline query.
    since = {
        order: conn.execute(
            text("SELECT min(occurred_at) - interval '1 day' FROM event_flat WHERE order_id = :o"),
            {"o": order},
        ).scalar()
        for order in orders
    }
    timings = []
    for name, sql in QUERIES.items():
        results = {}
        for table in ("event", "event_flat"):
            statement = text(sql.format(t=table))
            params = iter([{"order_id": order, "since": since[order]} for order in orders])
            results[table] = _percentiles(
                lambda statement=statement, params=params: conn.execute(statement, next(params)).all(),
                repeats,
            )
        timings.append(Timing(name, *results["event"], *results["event_flat"]))
    return timings


def _retention(conn: Connection) -> tuple[float, float]:
    oldest = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'event'::regclass AND c.relname ~ '^event_[0-9]{4}_[0-9]{2}$' "
            "AND EXISTS (SELECT 1 FROM event WHERE tableoid = c.oid) ORDER BY c.relname LIMIT 1"
        )
    ).scalar_one()
    partition = conn.dialect.identifier_preparer.quote(oldest)
    bound = conn.execute(text(f"SELECT max(occurred_at) FROM {partition}")).scalar_one()  # noqa: S608
    started = time.perf_counter()
    conn.execute(text(f"ALTER TABLE event DETACH PARTITION {partition}"))
    conn.execute(text(f"DROP TABLE {partition}"))
    conn.commit()
    drop_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    conn.execute(text("DELETE FROM event_flat WHERE occurred_at <= :b"), {"b": bound})
    conn.commit()
    delete_ms = (time.perf_counter() - started) * 1000
    return drop_ms, delete_ms


def main() -> None:
    total = int(os.environ.get("WAYPOINT_BENCH_EVENTS", "5000000"))
    repeats = int(os.environ.get("WAYPOINT_BENCH_REPEATS", "200"))
    print(f"events table: {total:,} events over 12 months, {repeats} runs per query")
    with scratch_database() as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            _load(conn, total)
            _make_flat_twin(conn)
            sizes = conn.execute(
                text(
                    "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'event'::regclass"
                )
            ).scalar_one()
            timings = _time_queries(conn, total, repeats)
            drop_ms, delete_ms = _retention(conn)
        engine.dispose()
    print(f"\n  partitioned size: {sizes}")
    print(f"  {'query':<42} {'partitioned p50/p95 ms':>24} {'flat p50/p95 ms':>18}")
    for t in timings:
        print(
            f"  {t.query:<42} {t.partitioned_p50:>11.2f} / {t.partitioned_p95:<10.2f} "
            f"{t.flat_p50:>8.2f} / {t.flat_p95:<8.2f}"
        )
    print(
        f"  retire the oldest month: dropping a partition takes {drop_ms:.0f} ms, removing the rows from the flat table {delete_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
