"""`GET /metrics`: Prometheus text, read from the tables at each scrape (several API processes agree).

- per source, summed over every hour of `source_counter`: `waypoint_source_received_total`,
  `…_normalized_total`, `…_quarantined_total`, `…_duplicates_total`, `…_ingest_lag_seconds_total`
  (received → loaded, summed over loaded events; divide by normalized for the mean) and the gauges
  `waypoint_source_ingest_lag_max_seconds` (worst payload of the current hour) and
  `waypoint_source_last_received_timestamp_seconds`;
- `waypoint_inbox_pending`: payloads landed and not yet drained (the backlog);
- `waypoint_quarantine_open{source,reason}`: quarantined records not yet resolved;
- pipeline health per source, from the latest sample of the health job (pipeline/quality/health_job.py):
  `waypoint_source_health_breach{source}` (1 while a threshold is breached), `…_breach_kind{source,breach}`,
  `waypoint_source_silent_seconds`, `…_freshness_limit_seconds`, `…_expected_payloads_per_hour`,
  `…_ingest_latency_p50_seconds`, `…_ingest_latency_p95_seconds`, `…_quarantine_rate`, `…_duplicate_rate`,
  `…_missing_events` (orders waiting on its next event);
- `waypoint_quality_findings{area,rule,source,action}`: what the data-quality checks found and did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Connection, Engine, text
from starlette.concurrency import run_in_threadpool

from api import tracking_metrics
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
_LATEST_HEALTH = """
SELECT DISTINCT ON (source) source, status, breaches, silent_minutes, freshness_limit_minutes, expected_per_hour,
       latency_p50_ms, latency_p95_ms, quarantine_rate, duplicate_rate, missing_events
FROM pipeline_health_sample WHERE measured_at >= now() - interval '1 day'
ORDER BY source, measured_at DESC
"""
_FINDINGS = "SELECT area, rule, source, action, count(*) FROM quality_finding GROUP BY 1, 2, 3, 4"
# (metric suffix, help, column, scale to the unit in the name)
_HEALTH_GAUGES = (
    ("silent_seconds", "Time since the source's last payload", "silent_minutes", 60.0),
    ("freshness_limit_seconds", "How long the source may stay silent now", "freshness_limit_minutes", 60.0),
    ("expected_payloads_per_hour", "Payloads expected in this hour", "expected_per_hour", 1.0),
    ("ingest_latency_p50_seconds", "Received-to-visible latency, median", "latency_p50_ms", 0.001),
    ("ingest_latency_p95_seconds", "Received-to-visible latency, 95th percentile", "latency_p95_ms", 0.001),
    ("quarantine_rate", "Share of recent records quarantined", "quarantine_rate", 1.0),
    ("duplicate_rate", "Share of recent records that were duplicates", "duplicate_rate", 1.0),
    ("missing_events", "Orders waiting too long on the source's next event", "missing_events", 1.0),
)


@dataclass(frozen=True)
class Snapshot:
    sources: list
    pending: int
    quarantine: list[tuple[str, str, int]]
    health: list = field(default_factory=list)
    findings: list = field(default_factory=list)


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
        yield from self._health()

    def _health(self) -> Iterator[Metric]:
        breach = GaugeMetricFamily("waypoint_source_health_breach", "1 while the source breaches a health threshold",
                                   labels=["source"])  # fmt: skip
        kinds = GaugeMetricFamily("waypoint_source_health_breach_kind", "1 per threshold the source breaches",
                                  labels=["source", "breach"])  # fmt: skip
        gauges = [
            (GaugeMetricFamily(f"waypoint_source_{name}", text, labels=["source"]), column, scale)
            for name, text, column, scale in _HEALTH_GAUGES
        ]
        for row in self.snapshot.health:
            breach.add_metric([row.source], 1.0 if row.status == "breach" else 0.0)
            for kind in row.breaches or ():
                kinds.add_metric([row.source, kind], 1.0)
            for family, column, scale in gauges:
                value = getattr(row, column)
                if value is not None:
                    family.add_metric([row.source], float(value) * scale)
        yield breach
        yield kinds
        yield from (family for family, _, _ in gauges)
        findings = GaugeMetricFamily("waypoint_quality_findings", "Data-quality findings by what was done",
                                     labels=["area", "rule", "source", "action"])  # fmt: skip
        for area, rule, source, action, count in self.snapshot.findings:
            findings.add_metric([area, rule, source, action], float(count))
        yield findings


def read_snapshot(conn: Connection) -> Snapshot:
    return Snapshot(
        sources=list(conn.execute(text(_SOURCE_TOTALS))),
        pending=pending_count(conn),
        quarantine=counts_by_reason(conn),
        health=list(conn.execute(text(_LATEST_HEALTH))),
        findings=[tuple(row) for row in conn.execute(text(_FINDINGS))],
    )


def render(snapshot: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    snapshot = await run_in_threadpool(_snapshot, request.app.state.engine)
    return Response(
        render(snapshot) + generate_latest(tracking_metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST
    )


def _snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        return read_snapshot(conn)
