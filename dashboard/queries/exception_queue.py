"""Data of the Exception queue page: the unresolved exceptions, most urgent first, counts per root cause,
"N new since you opened", one exception for its action panel, and where its short lines could come from.

The queue SQL is pipeline/exceptions/queue.py's, shared with `waypoint exceptions list`, so both agree
on the order. Reads go through the partial index of unresolved exceptions and are at most a few hundred
rows: they come through the pooled psycopg connection with bound parameters, straight into polars
(connectorx cannot bind parameters and opens a connection per read, which costs more than the query).

`load_exception_queue` and `count_new_since` are plain functions of an engine, for the page-load
benchmark. The page holds the queue it read in the person's session until they refresh, change a filter
or act (rows must not move under a selection); the "new since" count is cached for a few seconds; one
exception is read afresh right before it is acted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy import Engine, text

from dashboard.database import engine_for, main_database_url
from pipeline.exceptions.queue import QUEUE_SQL, new_since, queue_parameters
from pipeline.exceptions.reallocation import (
    Candidate,
    current_facility,
    lines_to_move,
    reallocation_candidates,
)
from pipeline.exceptions.store import get_exception

SNAPSHOT_KEY = "exception_queue_snapshot"
NEW_COUNT_TTL = timedelta(seconds=5)
QUEUE_LIMIT = 500
UTC_INSTANT = pl.Datetime("us", "UTC")

QUEUE_SCHEMA: dict[str, pl.DataType] = {
    "exception_id": pl.Int64(),
    "exception_type": pl.String(),
    "root_cause": pl.String(),
    "severity": pl.String(),
    "state": pl.String(),
    "order_id": pl.String(),
    "facility_id": pl.String(),
    "carrier_id": pl.String(),
    "occurred_at": UTC_INSTANT,
    "opened_at": UTC_INSTANT,
    "promise_at_risk": pl.Boolean(),
    "promised_delivery_by": UTC_INSTANT,
    "evidence_count": pl.Int64(),
    "assigned_to": pl.String(),
    "automation": pl.String(),
    "suggested_label": pl.String(),
    "order_stage": pl.String(),
}

_COUNTS = text(
    """
    SELECT root_cause, count(*) AS exceptions, count(*) FILTER (WHERE severity = 'critical') AS critical,
           count(*) FILTER (WHERE promise_at_risk) AS at_risk, count(*) FILTER (WHERE state = 'escalated') AS escalated
    FROM order_exception
    WHERE state <> 'resolved'
      AND (CAST(:facility_id AS text) IS NULL OR facility_id = :facility_id)
      AND (CAST(:carrier_id AS text) IS NULL OR carrier_id = :carrier_id)
      AND (CAST(:exception_type AS text) IS NULL OR exception_type = :exception_type)
    GROUP BY root_cause
    """
)


@dataclass(frozen=True)
class QueueFilters:
    facility_id: str | None = None
    carrier_id: str | None = None
    exception_type: str | None = None

    def as_params(self) -> dict[str, Any]:
        return {
            "facility_id": self.facility_id,
            "carrier_id": self.carrier_id,
            "exception_type": self.exception_type,
        }


@dataclass(frozen=True)
class QueueData:
    as_of: datetime
    rows: pl.DataFrame  # QUEUE_SCHEMA, most urgent first, at most QUEUE_LIMIT rows
    counts: pl.DataFrame  # root_cause, exceptions, critical, at_risk, escalated: every unresolved one


def load_exception_queue(engine: Engine, filters: QueueFilters, *, limit: int = QUEUE_LIMIT) -> QueueData:
    params = queue_parameters(**filters.as_params(), limit=limit)
    with engine.connect() as conn:
        result = conn.execute(text(QUEUE_SQL), params).mappings().all()
        counts = conn.execute(_COUNTS, filters.as_params()).all()
    rows = pl.DataFrame(
        [[row[name] for name in QUEUE_SCHEMA] for row in result], schema=QUEUE_SCHEMA, orient="row"
    )
    count_frame = pl.DataFrame(
        [tuple(row) for row in counts],
        schema={
            "root_cause": pl.String(),
            "exceptions": pl.Int64(),
            "critical": pl.Int64(),
            "at_risk": pl.Int64(),
            "escalated": pl.Int64(),
        },
        orient="row",
    )
    return QueueData(as_of=datetime.now(UTC), rows=rows, counts=count_frame)


def count_new_since(engine: Engine, since: datetime, filters: QueueFilters) -> int:
    with engine.connect() as conn:
        return new_since(conn, since, **filters.as_params())


def load_exception(engine: Engine, exception_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        return get_exception(conn, exception_id)


def load_reallocation_choice(engine: Engine, exception: dict[str, Any]) -> Candidate | None:
    """The facility a re-allocation would move the lines to now, if any has the stock."""
    with engine.connect() as conn:
        lines = lines_to_move(conn, exception)
        candidates = reallocation_candidates(conn, lines, current_facility(conn, exception))
    return candidates[0] if candidates else None


def exception_queue(filters: QueueFilters, opened_at: datetime) -> QueueData:
    """The queue as it was when the person opened (or refreshed) the page with these filters, held in
    their session: rows never move under a selection. Refresh, a filter change or an action reads anew."""
    held = st.session_state.get(SNAPSHOT_KEY)
    if held is not None and held[0] == (filters, opened_at):
        return held[1]
    data = load_exception_queue(engine_for(main_database_url()), filters)
    st.session_state[SNAPSHOT_KEY] = ((filters, opened_at), data)
    return data


def new_since_opened(since: datetime, filters: QueueFilters) -> int:
    return _new_since(main_database_url(), since, filters)


def one_exception(exception_id: int) -> dict[str, Any] | None:
    return load_exception(engine_for(main_database_url()), exception_id)


def reallocation_choice(exception: dict[str, Any]) -> Candidate | None:
    return load_reallocation_choice(engine_for(main_database_url()), exception)


def forget_cached_queue() -> None:
    """After an action or a refresh: the next run reads the queue and the count afresh."""
    st.session_state.pop(SNAPSHOT_KEY, None)
    _new_since.clear()


@st.cache_data(ttl=NEW_COUNT_TTL, max_entries=64, show_spinner=False)
def _new_since(url: str, since: datetime, filters: QueueFilters) -> int:
    return count_new_since(engine_for(url), since, filters)
