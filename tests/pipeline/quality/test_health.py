"""Pipeline health: each threshold fires on its crafted figures and stays silent on healthy ones; a stopped
source raises a PIPELINE_HEALTH exception within its freshness limit (controlled clock) and the same job
resolves it once the source speaks again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from pipeline.quality.health import SourceInputs, assess, expected_rate, freshness_limit_minutes
from pipeline.quality.health_job import check_once, subject
from pipeline.quality.rulebook import health_rules

RULES = health_rules()
LIMITS = RULES.default
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
HOUR = NOW.replace(minute=0)


def steady_history(per_hour: int, days: int = 14) -> dict[datetime, int]:
    return {HOUR - timedelta(hours=h): per_hour for h in range(1, days * 24)}


def healthy(**changes) -> SourceInputs:
    history = steady_history(60)
    base = dict(source="wms:DC-RNO", hourly_received=history, first_hour=min(history),
                last_received_at=NOW - timedelta(minutes=1), window_normalized=500, window_quarantined=2,
                window_duplicates=3, latency_p50_ms=800.0, latency_p95_ms=2500.0, missing_events=3,
                open_orders=400)  # fmt: skip
    return SourceInputs(**{**base, **changes})


def test_expected_rate_prefers_the_same_hour_of_the_week() -> None:
    history = steady_history(10)
    for weeks in (1, 2):
        history[HOUR - timedelta(days=7 * weeks)] = 300  # this hour of the week is busy
    rate, basis = expected_rate(history, min(history), NOW, RULES.history_days)
    assert rate == 300 and basis.startswith("same hour of the week")
    assert expected_rate({}, None, NOW, RULES.history_days) == (None, "no history")


def test_freshness_limit_follows_the_rate_within_its_bounds() -> None:
    assert freshness_limit_minutes(60, LIMITS) == pytest.approx(7.0)  # 7 payload intervals of a minute
    assert freshness_limit_minutes(6000, LIMITS) == LIMITS.min_limit_minutes
    assert freshness_limit_minutes(1, LIMITS) == LIMITS.max_limit_minutes
    assert freshness_limit_minutes(0.1, LIMITS) is None  # a quiet hour: silence is no breach


def test_healthy_figures_breach_nothing() -> None:
    health = assess(healthy(), LIMITS, NOW, RULES.history_days)
    assert (health.status, health.breaches) == ("ok", ())


@pytest.mark.parametrize(
    ("changes", "breach"),
    [
        ({"last_received_at": NOW - timedelta(minutes=30)}, "freshness"),
        ({"latency_p95_ms": 120_000.0}, "latency"),
        ({"window_quarantined": 100}, "quarantine_rate"),
        ({"window_duplicates": 400}, "duplicate_rate"),
        ({"missing_events": 90}, "missing_events"),
    ],
)
def test_each_threshold_fires_on_its_case(changes: dict, breach: str) -> None:
    health = assess(healthy(**changes), LIMITS, NOW, RULES.history_days)
    assert health.status == "breach" and health.breaches == (breach,)


def test_rates_need_enough_records_to_judge() -> None:
    few = healthy(window_normalized=10, window_quarantined=8, window_duplicates=0)
    assert assess(few, LIMITS, NOW, RULES.history_days).breaches == ()


def test_per_source_overrides_apply() -> None:
    assert RULES.limits_for("carrier:ups").quarantine_rate_max == 0.15
    assert RULES.limits_for("wms:DC-RNO").quarantine_rate_max == LIMITS.quarantine_rate_max


def seed_counters(conn: Connection, source: str, per_hour: int, last_received_at: datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO source_counter (source, hour, received, normalized, last_received_at)"
            " SELECT :source, h, :n, :n, CASE WHEN h = date_trunc('hour', CAST(:last AS timestamptz))"
            " THEN CAST(:last AS timestamptz) ELSE h + interval '59 minutes' END"
            " FROM generate_series(date_trunc('hour', CAST(:first AS timestamptz)), CAST(:last AS timestamptz),"
            " interval '1 hour') AS h"
        ),
        {
            "source": source,
            "n": per_hour,
            "first": last_received_at - timedelta(days=15),
            "last": last_received_at,
        },
    )


def received(conn: Connection, source: str, at: datetime) -> None:
    conn.execute(
        text("UPDATE source_counter SET received = received + 1, last_received_at = :at"
             " WHERE source = :source AND hour = date_trunc('hour', CAST(:at AS timestamptz))"),
        {"source": source, "at": at},
    )  # fmt: skip


def health_exceptions(conn: Connection) -> list[tuple]:
    return [tuple(row) for row in conn.execute(text(
        "SELECT order_id, exception_type, root_cause, state FROM order_exception WHERE root_cause = 'pipeline_health'"
    ))]  # fmt: skip


def test_a_stopped_source_raises_a_freshness_alert_within_its_limit_then_resolves(conn: Connection) -> None:
    stopped_at = datetime(2026, 11, 20, 14, 2, tzinfo=UTC)
    seed_counters(conn, "wms:DC-RNO", 60, stopped_at)  # a payload a minute: a 7-minute freshness limit

    still_ok = check_once(conn, now=stopped_at + timedelta(minutes=6))
    assert [h.status for h in still_ok.sources] == ["ok"] and health_exceptions(conn) == []

    alert = check_once(conn, now=stopped_at + timedelta(minutes=8))

    (health,) = alert.sources
    assert health.breaches == ("freshness",) and health.freshness_limit_minutes == pytest.approx(7.0)
    assert alert.opened == 1
    assert health_exceptions(conn) == [(subject("wms:DC-RNO"), "PIPELINE_HEALTH", "pipeline_health", "open")]
    again = check_once(conn, now=stopped_at + timedelta(minutes=9))
    assert again.opened == 0 and len(health_exceptions(conn)) == 1  # one exception per source, updated

    received(conn, "wms:DC-RNO", stopped_at + timedelta(minutes=10))
    recovered = check_once(conn, now=stopped_at + timedelta(minutes=11))

    assert recovered.resolved == 1
    assert health_exceptions(conn)[0][3] == "resolved"
    samples = (
        conn.execute(text("SELECT status FROM pipeline_health_sample ORDER BY measured_at")).scalars().all()
    )
    assert samples == ["ok", "breach", "breach", "ok"]


def test_orders_waiting_on_the_next_event_are_counted_against_their_source(conn: Connection) -> None:
    conn.execute(text(
        "INSERT INTO order_state (order_id, facility_id, stage, stage_rank, status, stage_entered_at,"
        " first_event_at, last_event_at) SELECT 'SO-4' || lpad(n::text, 7, '0'), 'DC-RNO', 'packed', 60,"
        " 'PACK_COMPLETED', :at, :at, :at FROM generate_series(1, 40) AS n"
    ), {"at": NOW - timedelta(hours=20)})  # fmt: skip
    seed_counters(conn, "wms:DC-RNO", 60, NOW - timedelta(minutes=1))
    (health,) = check_once(conn, now=NOW).sources
    assert health.missing_events == 40 and "missing_events" in health.breaches
