"""Data of the Data Health page: the pipeline-health samples the worker writes every minute
(pipeline/quality/health_job.py), the open PIPELINE_HEALTH exceptions, and the quality report
(pipeline/quality/report.py). `load_data_health(engine, …)` is the plain function; the page calls the cached
wrapper, keyed by the database URL and a clock rounded to the worker's sampling step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
import streamlit as st
from sqlalchemy import Engine, text

from dashboard.database import engine_for, main_database_url
from pipeline.quality.report import QualityReport, build_report

CACHE_TTL = timedelta(seconds=30)
HISTORY_HOURS = 24

SAMPLE_SCHEMA = {
    "source": pl.String,
    "measured_at": pl.Datetime("us", "UTC"),
    "status": pl.String,
    "expected_per_hour": pl.Float64,
    "received_last_hour": pl.Int64,
    "silent_minutes": pl.Float64,
    "freshness_limit_minutes": pl.Float64,
    "latency_p50_ms": pl.Float64,
    "latency_p95_ms": pl.Float64,
    "quarantine_rate": pl.Float64,
    "duplicate_rate": pl.Float64,
    "missing_events": pl.Int64,
    "breaches": pl.List(pl.String),
    "summary": pl.String,
}
_SAMPLES = text(
    """
    SELECT source, measured_at, status, expected_per_hour, received_last_hour, silent_minutes,
           freshness_limit_minutes, latency_p50_ms, latency_p95_ms, quarantine_rate, duplicate_rate,
           missing_events, breaches, detail->>'summary' AS summary
    FROM pipeline_health_sample
    WHERE measured_at >= :since
    ORDER BY source, measured_at
    """
)
_OPEN_EXCEPTIONS = text(
    "SELECT count(*) FROM order_exception WHERE root_cause = 'pipeline_health' AND state <> 'resolved'"
)


@dataclass(frozen=True)
class DataHealth:
    samples: pl.DataFrame  # SAMPLE_SCHEMA, the last HISTORY_HOURS
    open_exceptions: int
    report: QualityReport

    @property
    def latest(self) -> pl.DataFrame:
        """Each source's latest sample."""
        if self.samples.is_empty():
            return self.samples
        return self.samples.sort("measured_at").group_by("source", maintain_order=True).last().sort("source")


def load_data_health(engine: Engine, now: datetime, *, hours: int = HISTORY_HOURS) -> DataHealth:
    with engine.connect() as conn:
        rows = conn.execute(_SAMPLES, {"since": now - timedelta(hours=hours)}).all()
        open_exceptions = int(conn.execute(_OPEN_EXCEPTIONS).scalar_one())
        report = build_report(conn, examples=3)
    samples = pl.DataFrame([tuple(row) for row in rows], schema=SAMPLE_SCHEMA, orient="row")
    return DataHealth(samples, open_exceptions, report)


def data_health(now: datetime | None = None) -> DataHealth:
    """The page's data, cached per minute."""
    as_of = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    return _cached(main_database_url(), as_of)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def _cached(url: str, as_of: datetime) -> DataHealth:
    return load_data_health(engine_for(url), as_of)


def status_table(latest: pl.DataFrame) -> pl.DataFrame:
    """The table of each source's latest figures, in people's words."""
    return latest.select(
        pl.col("source").alias("Source"),
        pl.col("status")
        .replace_strict({"ok": "Healthy", "breach": "Breach", "no_data": "No data"})
        .alias("Status"),
        pl.col("summary").alias("What is wrong"),
        pl.col("expected_per_hour").round(1).alias("Expected / h"),
        pl.col("received_last_hour").alias("Received this hour"),
        pl.col("silent_minutes").round(1).alias("Silent (min)"),
        pl.col("freshness_limit_minutes").round(1).alias("Limit (min)"),
        (pl.col("latency_p50_ms") / 1000).round(2).alias("Latency p50 (s)"),
        (pl.col("latency_p95_ms") / 1000).round(2).alias("Latency p95 (s)"),
        (pl.col("quarantine_rate") * 100).round(2).alias("Quarantined %"),
        (pl.col("duplicate_rate") * 100).round(2).alias("Duplicates %"),
        pl.col("missing_events").alias("Orders waiting"),
    )


def findings_table(report: QualityReport) -> pl.DataFrame:
    schema = {
        "Area": pl.String,
        "Rule": pl.String,
        "Source": pl.String,
        "Action": pl.String,
        "Findings": pl.Int64,
    }
    rows = [(c["area"], c["rule"], c["source"], c["action"], c["findings"]) for c in report.counts]
    return pl.DataFrame(rows, schema=schema, orient="row")
