"""`GET /metrics`: Prometheus text, read from the tables at each scrape (several API processes agree).

- per source, summed over every hour of `source_counter`: `waypoint_source_received_total`,
  `…_normalized_total`, `…_quarantined_total`, `…_duplicates_total`, `…_ingest_lag_seconds_total`
  (received → loaded, summed over loaded events; divide by normalized for the mean) and the gauges
  `waypoint_source_ingest_lag_max_seconds` (worst payload of the current hour) and
  `waypoint_source_last_received_timestamp_seconds`;
- `waypoint_inbox_pending`: payloads landed and not yet drained (the backlog);
- `waypoint_quarantine_open{source,reason}`: quarantined records not yet resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Connection, Engine, text
from starlette.concurrency import run_in_threadpool

from pipeline.inbox import pending_count
from pipeline.quarantine import counts_by_reason

router = APIRouter(tags=["operations"])

_SOURCE_TOTALS = """
SELECT source, sum(received) AS received, sum(normalized) AS normalized, sum(quarantined) AS quarantined,
       sum(duplicates) AS duplicates, sum(lag_ms_sum) AS lag_ms_sum,
       max(lag_ms_max) FILTER (WHERE hour = date_trunc('hour', now())) AS lag_ms_max_this_hour,
       max(last_received_at) AS last_received_at
FROM source_counter GROUP BY source ORDER BY source
"""
_COUNTERS = ("received", "normalized", "quarantined", "duplicates")


@dataclass(frozen=True)
class Snapshot:
    sources: list
    pending: int
    quarantine: list[tuple[str, str, int]]


class SnapshotCollector:
    """A prometheus_client collector over one snapshot of the tables."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        families = {
            name: CounterMetricFamily(
                f"waypoint_source_{name}", f"Per-source {name} count", labels=["source"]
            )
            for name in _COUNTERS
        }
        lag = CounterMetricFamily(
            "waypoint_source_ingest_lag_seconds",
            "Received-to-loaded lag summed over loaded events",
            labels=["source"],
        )
        lag_max = GaugeMetricFamily(
            "waypoint_source_ingest_lag_max_seconds",
            "Worst received-to-loaded lag this hour",
            labels=["source"],
        )
        last = GaugeMetricFamily(
            "waypoint_source_last_received_timestamp_seconds",
            "When the source last sent a payload",
            labels=["source"],
        )
        for row in self.snapshot.sources:
            for name in _COUNTERS:
                families[name].add_metric([row.source], float(getattr(row, name) or 0))
            lag.add_metric([row.source], float(row.lag_ms_sum or 0) / 1000)
            lag_max.add_metric([row.source], float(row.lag_ms_max_this_hour or 0) / 1000)
            if row.last_received_at is not None:
                last.add_metric([row.source], row.last_received_at.timestamp())
        yield from families.values()
        yield from (lag, lag_max, last)
        yield GaugeMetricFamily(
            "waypoint_inbox_pending", "Payloads landed and not yet drained", value=self.snapshot.pending
        )
        open_records = GaugeMetricFamily(
            "waypoint_quarantine_open", "Quarantined records not yet resolved", labels=["source", "reason"]
        )
        for source, reason, count in self.snapshot.quarantine:
            open_records.add_metric([source, reason], count)
        yield open_records


def read_snapshot(conn: Connection) -> Snapshot:
    return Snapshot(
        sources=list(conn.execute(text(_SOURCE_TOTALS))),
        pending=pending_count(conn),
        quarantine=counts_by_reason(conn),
    )


def render(snapshot: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    snapshot = await run_in_threadpool(_snapshot, request.app.state.engine)
    return Response(render(snapshot), media_type=CONTENT_TYPE_LATEST)


def _snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        return read_snapshot(conn)
