"""Data of the Source activity page: the simulator's own activity counters, read from its database.

The counters are kept by the simulator (simulator/activity.py) as totals and per-minute buckets, so
both reads answer in milliseconds whatever the history. Results are cached for a few seconds and keyed
by a clock rounded to that step: any number of floor screens refreshing every 10 s cost one read per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
import streamlit as st

from dashboard.database import engine_for, main_database_url
from dashboard.source_health import SERIES_SCHEMA, SUMMARY_SCHEMA
from simulator.activity import activity_series, activity_summary
from simulator.databases import sim_database_url
from simulator.engine import is_seeded

CACHE_STEP_SECONDS = 5


@dataclass(frozen=True)
class SourceActivityData:
    as_of: datetime
    summary: pl.DataFrame  # SUMMARY_SCHEMA
    series: pl.DataFrame  # SERIES_SCHEMA, minutes in [as_of - chart window, as_of]


def cache_step(now: datetime) -> datetime:
    """`now` rounded down to the cache step: the key shared by every session reading at about this time."""
    return now - timedelta(seconds=now.second % CACHE_STEP_SECONDS, microseconds=now.microsecond)


def load_source_activity(chart_minutes: int, now: datetime | None = None) -> SourceActivityData | None:
    """Activity so far and per minute over the last `chart_minutes`; None until the simulator has
    committed its first seed (a first `waypoint run` may still be seeding)."""
    as_of = cache_step(now or datetime.now(UTC))
    return _read(main_database_url(), as_of, chart_minutes)


@st.cache_data(ttl=timedelta(seconds=30), max_entries=64, show_spinner=False)
def _read(main_url: str, as_of: datetime, chart_minutes: int) -> SourceActivityData | None:
    if not is_seeded(main_url):
        return None
    since = as_of - timedelta(minutes=chart_minutes)
    with engine_for(sim_database_url(main_url)).connect() as conn:
        activities = activity_summary(conn, as_of)
        buckets = activity_series(conn, since, as_of)
    summary = pl.DataFrame(
        [
            (
                a.source,
                a.facility_id,
                a.events_total,
                a.events_last_hour,
                a.events_per_minute,
                a.last_event_at,
            )
            for a in activities
        ],
        schema=SUMMARY_SCHEMA,
        orient="row",
    )
    series = pl.DataFrame(list(buckets), schema=SERIES_SCHEMA, orient="row")
    return SourceActivityData(as_of=as_of, summary=summary, series=series)
