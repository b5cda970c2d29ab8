"""`check_pipeline_health(engine, *, now)`: the job that measures every source's health (health.py), keeps
a sample per source and run (the Data Health page's history, /metrics), and raises a PIPELINE_HEALTH
exception in the exception queue while a source breaches a threshold — resolved by the same job, through
the action service, once the source is healthy again.

A health exception belongs to no order: its `order_id` is the subject `pipeline:<source>` (one unresolved
exception per source, by the queue's own uniqueness rule); it carries the source's facility or carrier
so the queue's filters find it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.actions import Actor, perform
from pipeline.exceptions.detection import Finding as ExceptionFinding
from pipeline.exceptions.rules import RuleBook, load_rules
from pipeline.exceptions.store import apply_finding
from pipeline.quality.health import SourceHealth, SourceInputs, assess, breach_summary
from pipeline.quality.health_queries import (
    COUNTERS,
    LATENCY,
    LATEST_STATUS,
    MISSING_EVENTS,
    OPEN_HEALTH_EXCEPTIONS,
    PRUNE,
    SAVE_SAMPLE,
)
from pipeline.quality.rulebook import HealthRules, health_rules
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

EXCEPTION_TYPE = "PIPELINE_HEALTH"
PLAYBOOK = "pipeline_health"
SUBJECT_PREFIX = "pipeline:"
LOCK_NAME = "quality:pipeline_health"


@dataclass
class HealthReport:
    sources: list[SourceHealth] = field(default_factory=list)
    opened: int = 0
    resolved: int = 0
    skipped_locked: bool = False

    @property
    def breaching(self) -> list[str]:
        return [health.source for health in self.sources if health.status == "breach"]


def check_pipeline_health(engine: Engine, *, now: datetime | None = None) -> HealthReport:
    """Measure, keep the samples, raise and resolve health exceptions: one transaction."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        if not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(LOCK_NAME)}
        ).scalar_one():
            return HealthReport(skipped_locked=True)
        report = check_once(conn, now=now)
    if report.breaching or report.resolved:
        log.info(
            "pipeline_health.checked",
            breaching=report.breaching,
            opened=report.opened,
            resolved=report.resolved,
        )
    return report


def check_once(
    conn: Connection,
    *,
    now: datetime,
    rules: HealthRules | None = None,
    exception_rules: RuleBook | None = None,
) -> HealthReport:
    """The whole check in the caller's transaction."""
    rules = rules or health_rules()
    report = HealthReport(sources=measure(conn, now=now, rules=rules))
    previous = {row.source: row for row in conn.execute(LATEST_STATUS, {"now": now})}
    for health in report.sources:
        started = _breach_started(health, previous.get(health.source), now)
        conn.execute(SAVE_SAMPLE, _sample(health, now, started))
    _raise_and_resolve(conn, report, previous, now, exception_rules or load_rules())
    conn.execute(PRUNE, {"before": now - timedelta(days=rules.keep_samples_days)})
    return report


def measure(conn: Connection, *, now: datetime, rules: HealthRules) -> list[SourceHealth]:
    """Every source's health now (sources seen in source_counter over the history window)."""
    since = now - timedelta(days=rules.history_days)
    hourly: dict[str, dict[datetime, int]] = defaultdict(dict)
    window: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    last: dict[str, datetime] = {}
    window_start = now - timedelta(minutes=rules.rate_window_minutes)
    for row in conn.execute(COUNTERS, {"since": since, "now": now}):
        hourly[row.source][row.hour] = int(row.received)
        if row.hour >= window_start.replace(minute=0, second=0, microsecond=0):
            for index, value in enumerate((row.normalized, row.quarantined, row.duplicates)):
                window[row.source][index] += int(value)
        if row.last_received_at is not None and row.last_received_at <= now:
            last[row.source] = max(row.last_received_at, last.get(row.source, row.last_received_at))
    latency = {
        row.source: row
        for row in conn.execute(
            LATENCY, {"since": now - timedelta(minutes=rules.latency_window_minutes), "now": now}
        )
    }
    stages = sorted(rules.stage_minutes)
    missing = {
        row.source: row
        for row in conn.execute(
            MISSING_EVENTS,
            {"now": now, "stages": stages, "minutes": [rules.stage_minutes[stage] for stage in stages]},
        )
    }
    results = []
    for source in sorted(set(hourly) | set(missing)):
        normalized, quarantined, duplicates = window[source]
        lat, miss = latency.get(source), missing.get(source)
        inputs = SourceInputs(
            source=source,
            hourly_received=hourly[source],
            first_hour=min(hourly[source]) if hourly[source] else None,
            last_received_at=last.get(source),
            window_normalized=normalized,
            window_quarantined=quarantined,
            window_duplicates=duplicates,
            latency_p50_ms=float(lat.p50_ms) if lat else None,
            latency_p95_ms=float(lat.p95_ms) if lat else None,
            loaded_recently=int(lat.loaded) if lat else 0,
            missing_events=int(miss.missing) if miss else 0,
            open_orders=int(miss.open_orders) if miss else 0,
        )
        results.append(assess(inputs, rules.limits_for(source), now, rules.history_days))
    return results


def subject(source: str) -> str:
    """The `order_id` a source's health exception is filed under."""
    return f"{SUBJECT_PREFIX}{source}"


def _breach_started(health: SourceHealth, previous: Any, now: datetime) -> datetime | None:
    if health.status != "breach":
        return None
    if previous is not None and previous.status == "breach" and previous.breach_started_at:
        return datetime.fromisoformat(previous.breach_started_at)
    return now


def _sample(health: SourceHealth, now: datetime, started: datetime | None) -> dict[str, Any]:
    detail = {
        "expected_basis": health.expected_basis,
        "open_orders": health.open_orders,
        "limits": health.limits,
        "summary": breach_summary(health),
    }
    if started is not None:
        detail["breach_started_at"] = started.isoformat()
    return {
        "source": health.source,
        "measured_at": now,
        "status": health.status,
        "expected_per_hour": health.expected_per_hour,
        "received_last_hour": health.received_last_hour,
        "silent_minutes": health.silent_minutes,
        "freshness_limit_minutes": health.freshness_limit_minutes,
        "latency_p50_ms": health.latency_p50_ms,
        "latency_p95_ms": health.latency_p95_ms,
        "quarantine_rate": health.quarantine_rate,
        "duplicate_rate": health.duplicate_rate,
        "missing_events": health.missing_events,
        "breaches": list(health.breaches),
        "detail": json.dumps(detail),
    }


def _raise_and_resolve(
    conn: Connection, report: HealthReport, previous: dict, now: datetime, rules: RuleBook
) -> None:
    rule = rules.rule(EXCEPTION_TYPE)
    unresolved = {row.order_id: row.exception_id for row in conn.execute(OPEN_HEALTH_EXCEPTIONS)}
    for health in report.sources:
        key = subject(health.source)
        if health.status == "breach":
            started = _breach_started(health, previous.get(health.source), now) or now
            outcome = apply_finding(
                conn, _exception_finding(health, started, rule.severity, rule.root_cause), now
            )
            report.opened += outcome == "opened"
        elif key in unresolved and health.status == "ok":
            note = f"The source is healthy again: {breach_summary(health)}"
            perform(conn, Actor.automation(PLAYBOOK), "resolve", unresolved[key], note=note, now=now)
            report.resolved += 1


def _exception_finding(
    health: SourceHealth, started: datetime, severity: str, root_cause: str
) -> ExceptionFinding:
    kind, _, name = health.source.partition(":")
    facts = {
        "source": health.source,
        "breaches": list(health.breaches),
        "summary": breach_summary(health),
        "silent_minutes": health.silent_minutes,
        "freshness_limit_minutes": health.freshness_limit_minutes,
        "latency_p95_ms": health.latency_p95_ms,
        "quarantine_rate": health.quarantine_rate,
        "duplicate_rate": health.duplicate_rate,
        "missing_events": health.missing_events,
    }
    return ExceptionFinding(
        exception_type=EXCEPTION_TYPE,
        root_cause=root_cause,
        severity=severity,
        order_id=subject(health.source),
        occurred_at=started,
        evidence={"rule": EXCEPTION_TYPE, "observed_at": started.isoformat(), **facts},
        facility_id=name if kind == "wms" else None,
        carrier_id=name if kind == "carrier" else None,
        detail=facts,
        episode=f"{EXCEPTION_TYPE}:{health.source}:{started.isoformat()}",
    )
