"""Data of the Live flow page: one facility's open orders per stage, this hour's throughput, the queue
30 minutes ago and the orders at risk of missing their ship-by.

Every read goes to the order_state projection through its partial index of open orders by facility
and stage (ix_order_state_open_by_stage) and to the per-minute flow snapshots; no event history is
scanned. The results are a few dozen rows, so they come through the pooled psycopg
connection with bound parameters, straight into polars: connectorx cannot bind parameters and opens a
connection per read, which alone costs more than these queries (the stage read on the seeded scale:
connectorx 24 ms median, psycopg 3 ms).

Results are cached for a few seconds, keyed by a clock rounded to that step: any number of floor
screens refreshing every 10 s cost one read per facility and step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
import streamlit as st
from sqlalchemy import Connection, Engine, text

from dashboard.database import engine_for, main_database_url
from dashboard.flow_thresholds import FLOOR_STAGES, LIVE_FLOW_STAGES, flow_thresholds
from db.master_data import facility

CACHE_STEP_SECONDS = 5
# A snapshot this close to the start of the growth window stands for it (the worker writes one a minute).
SNAPSHOT_TOLERANCE = timedelta(minutes=5)
UTC_INSTANT = pl.Datetime("us", "UTC")

STAGE_SCHEMA: dict[str, pl.DataType] = {
    "stage": pl.String(),
    "orders": pl.Int64(),
    "oldest_entered_at": UTC_INSTANT,
    "median_entered_at": UTC_INSTANT,
}
AT_RISK_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(),
    "stage": pl.String(),
    "stage_entered_at": UTC_INSTANT,
    "ship_by": UTC_INSTANT,
    "on_hold": pl.Boolean(),
}

STAGE_FIGURES = text(
    """
    SELECT stage, count(*) AS orders, min(stage_entered_at) AS oldest_entered_at,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY stage_entered_at) AS median_entered_at
    FROM order_state
    WHERE NOT is_terminal AND facility_id = :facility_id AND stage = ANY(:stages)
    GROUP BY stage
    """
)

# Orders packed or shipped in a closed-open hour. Open orders only (the partial index by facility): an
# order that is cancelled, delivered or collected within the hour it was packed or shipped drops out.
HOUR_THROUGHPUT = text(
    """
    SELECT count(*) FILTER (WHERE packed_at >= :hour_start AND packed_at < :hour_end) AS packed,
           count(*) FILTER (WHERE carrier_pickup_at >= :hour_start AND carrier_pickup_at < :hour_end) AS shipped
    FROM order_state
    WHERE NOT is_terminal AND facility_id = :facility_id
      AND (packed_at >= :hour_start OR carrier_pickup_at >= :hour_start)
    """
)

# The facility's floor orders due by the horizon, oldest ship-by first, with the count of them all. The
# CTE keeps ORDER BY ship_by … LIMIT from steering the planner onto ix_order_state_open_ship_by: that
# index leads with the in-transit orders (open, and the oldest ship-by of all), so for this question the
# facility's floor stages in ix_order_state_open_by_stage are the smaller read (5 ms against 26 ms for
# DC-CMH on the seeded scale).
AT_RISK = text(
    """
    WITH due AS MATERIALIZED (
        SELECT order_id, stage, stage_entered_at, ship_by, on_hold
        FROM order_state
        WHERE NOT is_terminal AND facility_id = :facility_id AND stage = ANY(:stages) AND ship_by <= :horizon
    )
    SELECT order_id, stage, stage_entered_at, ship_by, on_hold,
           count(*) OVER () AS total, count(*) FILTER (WHERE ship_by < :now) OVER () AS late
    FROM due
    ORDER BY ship_by, order_id
    LIMIT :rows
    """
)

SNAPSHOT_BEFORE = text(
    """
    SELECT taken_at, counts
    FROM flow_snapshot
    WHERE facility_id = :facility_id AND taken_at <= :at AND taken_at > :not_before
    ORDER BY taken_at DESC
    LIMIT 1
    """
)

FEED_LAST_EVENT = text(
    """
    SELECT max(last_event_at) AS last_event_at
    FROM source_counter
    WHERE source = :source AND hour >= :since
    """
)


@dataclass(frozen=True)
class LiveFlowData:
    facility_id: str
    as_of: datetime  # UTC
    stages: pl.DataFrame  # STAGE_SCHEMA: one row per live-flow stage, zero orders included
    earlier_at: datetime | None  # the snapshot the growth is measured from; None: no snapshot yet
    earlier_counts: dict[str, int] | None
    hour_start: datetime  # facility-local, aware
    packed_this_hour: int
    shipped_this_hour: int
    at_risk: pl.DataFrame  # AT_RISK_SCHEMA, ship_by ascending, at most `at_risk_rows`
    at_risk_total: int
    at_risk_late: int
    feed_source: str
    feed_last_event_at: datetime | None


def cache_step(now: datetime) -> datetime:
    """`now` rounded down to the cache step: the key shared by every screen reading at about this time."""
    return now - timedelta(seconds=now.second % CACHE_STEP_SECONDS, microseconds=now.microsecond)


def local_hour_start(facility_id: str, now: datetime) -> datetime:
    """The start of the facility-local clock hour that contains `now` (aware, in the facility's zone)."""
    local = now.astimezone(facility(facility_id).zone)
    return local.replace(minute=0, second=0, microsecond=0)


def feed_source(facility_id: str) -> str:
    """The source whose events move this facility's orders through the floor."""
    return f"wms:{facility_id}" if facility(facility_id).kind == "dc" else "stores"


def load_live_flow(engine: Engine, facility_id: str, now: datetime) -> LiveFlowData:
    """Everything the live flow shows for `facility_id` at `now` (UTC), without Streamlit."""
    with engine.connect() as conn:
        return read_live_flow(conn, facility_id, now)


def read_live_flow(conn: Connection, facility_id: str, now: datetime) -> LiveFlowData:
    settings = flow_thresholds()
    hour_start = local_hour_start(facility_id, now)
    stages = _stage_figures(conn, facility_id)
    earlier = conn.execute(
        SNAPSHOT_BEFORE,
        {
            "facility_id": facility_id,
            "at": now - timedelta(minutes=settings.growth_window_minutes),
            "not_before": now - timedelta(minutes=settings.growth_window_minutes) - SNAPSHOT_TOLERANCE,
        },
    ).first()
    hour_end = (hour_start.astimezone(UTC) + timedelta(hours=1)).astimezone(hour_start.tzinfo)
    throughput = conn.execute(
        HOUR_THROUGHPUT, {"facility_id": facility_id, "hour_start": hour_start, "hour_end": hour_end}
    ).one()
    risk_rows = conn.execute(
        AT_RISK,
        {
            "facility_id": facility_id,
            "now": now,
            "horizon": now + timedelta(hours=settings.at_risk_within_hours),
            "stages": list(FLOOR_STAGES),
            "rows": settings.at_risk_rows,
        },
    ).all()
    source = feed_source(facility_id)
    feed_last = conn.execute(FEED_LAST_EVENT, {"source": source, "since": now - timedelta(hours=24)}).scalar()
    return LiveFlowData(
        facility_id=facility_id,
        as_of=now,
        stages=stages,
        earlier_at=earlier.taken_at if earlier else None,
        earlier_counts={stage: int(earlier.counts.get(stage, 0)) for stage in LIVE_FLOW_STAGES}
        if earlier
        else None,
        hour_start=hour_start,
        packed_this_hour=throughput.packed,
        shipped_this_hour=throughput.shipped,
        at_risk=pl.DataFrame([row[:5] for row in risk_rows], schema=AT_RISK_SCHEMA, orient="row"),
        at_risk_total=risk_rows[0].total if risk_rows else 0,
        at_risk_late=risk_rows[0].late if risk_rows else 0,
        feed_source=source,
        feed_last_event_at=feed_last,
    )


def _stage_figures(conn: Connection, facility_id: str) -> pl.DataFrame:
    found = {
        row.stage: row
        for row in conn.execute(STAGE_FIGURES, {"facility_id": facility_id, "stages": list(LIVE_FLOW_STAGES)})
    }
    rows = [
        (stage, found[stage].orders, found[stage].oldest_entered_at, found[stage].median_entered_at)
        if stage in found
        else (stage, 0, None, None)
        for stage in LIVE_FLOW_STAGES
    ]
    return pl.DataFrame(rows, schema=STAGE_SCHEMA, orient="row")


def live_flow(facility_id: str, now: datetime | None = None) -> LiveFlowData:
    """The page's entry: the cached read for the current cache step."""
    return _cached(main_database_url(), facility_id, cache_step(now or datetime.now(UTC)))


@st.cache_data(ttl=timedelta(seconds=30), max_entries=256, show_spinner=False)
def _cached(main_url: str, facility_id: str, as_of: datetime) -> LiveFlowData:
    return load_live_flow(engine_for(main_url), facility_id, as_of)
