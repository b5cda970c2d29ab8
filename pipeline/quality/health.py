"""Pipeline health per source, as pure functions of what the tables say (health_job.py reads them).

- Freshness: how long since the source's last payload, against the rate expected for this hour, learned
  from `source_counter`: the median payloads of the same hour of the week over the last weeks, else of the
  same hour of the day over the last 7 days, else of every hour of the last 24 (medians, so one backlog
  hour does not set the pace). Stale means silent longer than `silence_factor` payload intervals at that
  rate (about a one-in-a-thousand silence for a source that keeps its rate), clamped to [min, max]
  minutes. A source expected to send less than `quiet_below_per_hour` is not judged on silence.
- Missing expected events: orders in a stage longer than its threshold without the next event, counted
  against the source that should report it; a breach when more than `missing_events_max_share` of the
  source's open orders (and at least `missing_events_min_count`).
- Ingest latency p50 and p95: received (landed in the inbox) to loaded (visible), over recent loads.
- Quarantine and duplicate rates over the recent counter hours, judged once there are enough records.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.quality.rulebook import HealthLimits

BREACH_LABELS = {
    "freshness": "silent for longer than expected",
    "latency": "slow to load",
    "quarantine_rate": "quarantining too much",
    "duplicate_rate": "resending too much",
    "missing_events": "orders waiting on its next event",
}


@dataclass(frozen=True)
class SourceInputs:
    """What the tables say about one source now."""

    source: str
    hourly_received: Mapping[datetime, int]  # payloads per counter hour (hours without a row: none came)
    first_hour: datetime | None  # the first counter hour of the source: no history before it
    last_received_at: datetime | None
    window_normalized: int = 0
    window_quarantined: int = 0
    window_duplicates: int = 0
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    loaded_recently: int = 0
    missing_events: int = 0
    open_orders: int = 0


@dataclass(frozen=True)
class SourceHealth:
    source: str
    status: str  # ok | breach | no_data
    expected_per_hour: float | None
    expected_basis: str
    received_last_hour: int
    silent_minutes: float | None
    freshness_limit_minutes: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    quarantine_rate: float | None
    duplicate_rate: float | None
    missing_events: int
    open_orders: int
    breaches: tuple[str, ...] = ()
    limits: dict = field(default_factory=dict)


def expected_rate(
    hourly: Mapping[datetime, int], first_hour: datetime | None, now: datetime, history_days: int
) -> tuple[float | None, str]:
    """Payloads expected in the hour that holds `now`, and on what basis; (None, 'no history') without one."""
    if first_hour is None:
        return None, "no history"
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    weekly = _past_hours(this_hour, timedelta(days=7), history_days // 7, first_hour)
    if len(weekly) >= 2:
        return _median_of(hourly, weekly), f"same hour of the week, {len(weekly)} weeks"
    daily = _past_hours(this_hour, timedelta(days=1), 7, first_hour)
    if len(daily) >= 3:
        return _median_of(hourly, daily), f"same hour of the day, {len(daily)} days"
    recent = _past_hours(this_hour, timedelta(hours=1), 24, first_hour)
    if recent:
        return _median_of(hourly, recent), f"last {len(recent)} hours"
    return None, "no history"


def freshness_limit_minutes(expected_per_hour: float | None, limits: HealthLimits) -> float | None:
    """How long the source may stay silent; None when nothing is expected of it this hour."""
    if expected_per_hour is None or expected_per_hour < limits.quiet_below_per_hour:
        return None
    minutes = limits.silence_factor * 60.0 / expected_per_hour
    return min(max(minutes, limits.min_limit_minutes), limits.max_limit_minutes)


def assess(inputs: SourceInputs, limits: HealthLimits, now: datetime, history_days: int) -> SourceHealth:
    """The source's figures, and which thresholds they breach."""
    expected, basis = expected_rate(inputs.hourly_received, inputs.first_hour, now, history_days)
    limit = freshness_limit_minutes(expected, limits)
    silent = (now - inputs.last_received_at).total_seconds() / 60 if inputs.last_received_at else None
    offered = inputs.window_normalized + inputs.window_duplicates + inputs.window_quarantined
    quarantine_rate = inputs.window_quarantined / offered if offered else None
    arrived = inputs.window_normalized + inputs.window_duplicates
    duplicate_rate = inputs.window_duplicates / arrived if arrived else None
    breaches = []
    if limit is not None and silent is not None and silent > limit:
        breaches.append("freshness")
    if inputs.latency_p95_ms is not None and inputs.latency_p95_ms > limits.latency_p95_max_ms:
        breaches.append("latency")
    enough_offered = offered >= limits.min_records_for_rates and quarantine_rate is not None
    if enough_offered and quarantine_rate > limits.quarantine_rate_max:  # type: ignore[operator]
        breaches.append("quarantine_rate")
    enough_arrived = arrived >= limits.min_records_for_rates and duplicate_rate is not None
    if enough_arrived and duplicate_rate > limits.duplicate_rate_max:  # type: ignore[operator]
        breaches.append("duplicate_rate")
    allowed_missing = max(
        limits.missing_events_min_count, limits.missing_events_max_share * inputs.open_orders
    )
    if inputs.missing_events > allowed_missing:
        breaches.append("missing_events")
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    status = "breach" if breaches else ("no_data" if inputs.first_hour is None else "ok")
    return SourceHealth(
        source=inputs.source,
        status=status,
        expected_per_hour=expected,
        expected_basis=basis,
        received_last_hour=int(inputs.hourly_received.get(this_hour, 0)),
        silent_minutes=silent,
        freshness_limit_minutes=limit,
        latency_p50_ms=inputs.latency_p50_ms,
        latency_p95_ms=inputs.latency_p95_ms,
        quarantine_rate=quarantine_rate,
        duplicate_rate=duplicate_rate,
        missing_events=inputs.missing_events,
        open_orders=inputs.open_orders,
        breaches=tuple(breaches),
        limits={
            "latency_p95_max_ms": limits.latency_p95_max_ms,
            "quarantine_rate_max": limits.quarantine_rate_max,
            "duplicate_rate_max": limits.duplicate_rate_max,
            "missing_events_allowed": allowed_missing,
        },
    )


def breach_summary(health: SourceHealth) -> str:
    """One line for people: what is wrong with the source, with the figures."""
    parts = []
    for breach in health.breaches:
        if breach == "freshness":
            parts.append(
                f"silent {health.silent_minutes:.0f} min (limit {health.freshness_limit_minutes:.0f} min)"
            )
        elif breach == "latency":
            parts.append(f"ingest latency p95 {health.latency_p95_ms / 1000:.1f} s")
        elif breach == "quarantine_rate":
            parts.append(f"quarantine rate {health.quarantine_rate:.1%}")
        elif breach == "duplicate_rate":
            parts.append(f"duplicate rate {health.duplicate_rate:.1%}")
        elif breach == "missing_events":
            parts.append(f"{health.missing_events} orders waiting on its next event")
    return f"{health.source}: " + "; ".join(parts) if parts else f"{health.source}: healthy"


def _past_hours(this_hour: datetime, step: timedelta, count: int, first_hour: datetime) -> list[datetime]:
    hours = [this_hour - step * n for n in range(1, count + 1)]
    return [hour for hour in hours if hour >= first_hour]


def _median_of(hourly: Mapping[datetime, int], hours: list[datetime]) -> float:
    return float(statistics.median(hourly.get(hour, 0) for hour in hours))
