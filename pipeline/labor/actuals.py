"""Labor actuals from the event stream: who worked each process in each hour, and how much they did.

A person is active on a process in an hour when an event of the process's `operator_events`
(pipeline/labor/standards.json) carries their `operator_id` in that UTC hour. Work done is counted in
the process's driver from its `volume_events`: order lines (one per ITEM_PICKED or PICK_SHORT),
orders (distinct orders labelled) or units (the ordered units of each distinct order packed).
Productivity is work done per operator-hour, an operator counting one full hour in every hour they
were seen: a lower bound on their true pace, the same way every day, so days compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, text

from pipeline.kpis.calendar import ShiftWindow
from pipeline.labor.history import UTC_HOUR
from pipeline.labor.staffing import HOUR
from pipeline.labor.standards import PROCESSES, LaborStandards, labor_standards

# date_bin with a UTC origin: whole UTC hours whatever the session's TimeZone is.
_OPERATORS = text(
    """
    SELECT DISTINCT date_bin('1 hour', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour_start, e.attributes->>'operator_id' AS operator_id
    FROM event AS e
    WHERE e.facility_id = :facility_id AND e.event_type = ANY(:event_types)
      AND e.occurred_at >= :start AND e.occurred_at < :end AND e.attributes ? 'operator_id'
    """
)
_VOLUME = {
    "lines": text(
        """
        SELECT date_bin('1 hour', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour_start, count(*)::float8 AS volume
        FROM event AS e
        WHERE e.facility_id = :facility_id AND e.event_type = ANY(:event_types)
          AND e.occurred_at >= :start AND e.occurred_at < :end
        GROUP BY 1
        """
    ),
    "orders": text(
        """
        SELECT date_bin('1 hour', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour_start, count(DISTINCT e.order_id)::float8 AS volume
        FROM event AS e
        WHERE e.facility_id = :facility_id AND e.event_type = ANY(:event_types)
          AND e.occurred_at >= :start AND e.occurred_at < :end
        GROUP BY 1
        """
    ),
    "units": text(
        """
        WITH done AS (
            SELECT DISTINCT date_bin('1 hour', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour_start, e.order_id
            FROM event AS e
            WHERE e.facility_id = :facility_id AND e.event_type = ANY(:event_types)
              AND e.occurred_at >= :start AND e.occurred_at < :end
        )
        SELECT d.hour_start, coalesce(sum(l.qty), 0)::float8 AS volume
        FROM done AS d LEFT JOIN order_line AS l USING (order_id)
        GROUP BY 1
        """
    ),
}

OPERATOR_SCHEMA = {"hour_start": UTC_HOUR, "process": pl.String, "operator_id": pl.String}
VOLUME_SCHEMA = {"hour_start": UTC_HOUR, "process": pl.String, "volume": pl.Float64}
HOURLY_SCHEMA = {
    "hour_start": UTC_HOUR,
    "process": pl.String,
    "operators": pl.Int64,
    "volume": pl.Float64,
    "productivity": pl.Float64,
}


def active_operators(
    conn: Connection,
    facility_id: str,
    start: datetime,
    end: datetime,
    standards: LaborStandards | None = None,
) -> pl.DataFrame:
    """(hour_start, process, operator_id): each person seen at work on a process in a UTC hour."""
    standards = standards or labor_standards()
    rows = []
    for process in PROCESSES:
        event_types = list(standards.processes[process].operator_events)
        found = conn.execute(
            _OPERATORS, {"facility_id": facility_id, "event_types": event_types, "start": start, "end": end}
        ).all()
        rows.extend((row.hour_start, process, row.operator_id) for row in found)
    return pl.DataFrame(rows, schema=OPERATOR_SCHEMA, orient="row")


def processed_volume(
    conn: Connection,
    facility_id: str,
    start: datetime,
    end: datetime,
    standards: LaborStandards | None = None,
) -> pl.DataFrame:
    """(hour_start, process, volume): work done per UTC hour, in each process's driver."""
    standards = standards or labor_standards()
    rows = []
    for process in PROCESSES:
        definition = standards.processes[process]
        found = conn.execute(
            _VOLUME[definition.driver],
            {
                "facility_id": facility_id,
                "event_types": list(definition.volume_events),
                "start": start,
                "end": end,
            },
        ).all()
        rows.extend((row.hour_start, process, row.volume) for row in found)
    return pl.DataFrame(rows, schema=VOLUME_SCHEMA, orient="row")


def hourly_actuals(operators: pl.DataFrame, volume: pl.DataFrame) -> pl.DataFrame:
    """Per hour and process: distinct operators, work done and work per operator-hour (null when
    nobody was seen)."""
    people = operators.group_by("hour_start", "process").agg(
        pl.col("operator_id").n_unique().alias("operators")
    )
    return (
        people.join(volume, on=["hour_start", "process"], how="full", coalesce=True)
        .with_columns(pl.col("operators").fill_null(0).cast(pl.Int64), pl.col("volume").fill_null(0.0))
        .with_columns(
            productivity=pl.when(pl.col("operators") > 0).then(pl.col("volume") / pl.col("operators"))
        )
        .select(list(HOURLY_SCHEMA))
        .cast(HOURLY_SCHEMA)  # type: ignore[arg-type]
        .sort("hour_start", "process")
    )


def shift_actuals(
    operators: pl.DataFrame, volume: pl.DataFrame, windows: Sequence[ShiftWindow]
) -> pl.DataFrame:
    """Per shift and process: distinct people seen within the shift's window, their operator-hours,
    the work done and work per operator-hour. Work outside every shift window is not counted; an
    hour split between two shifts counts its people in both and shares its work by the overlap."""
    hours = pl.concat([operators["hour_start"], volume["hour_start"]]).unique().sort()
    shares = window_overlaps(hours, windows)
    people = (
        operators.join(shares, on="hour_start")
        .group_by("day", "shift", "process")
        .agg(
            pl.col("operator_id").n_unique().alias("operators"),
            pl.struct("hour_start", "operator_id").n_unique().cast(pl.Float64).alias("operator_hours"),
        )
    )
    done = (
        volume.join(shares, on="hour_start")
        .group_by("day", "shift", "process")
        .agg((pl.col("volume") * pl.col("fraction")).sum().alias("volume"))
    )
    return (
        people.join(done, on=["day", "shift", "process"], how="full", coalesce=True)
        .with_columns(
            pl.col("operators").fill_null(0).cast(pl.Int64),
            pl.col("operator_hours").fill_null(0.0),
            pl.col("volume").fill_null(0.0),
        )
        .with_columns(
            productivity=pl.when(pl.col("operator_hours") > 0).then(
                pl.col("volume") / pl.col("operator_hours")
            )
        )
        .sort("day", "shift", "process")
    )


def window_overlaps(hours: Iterable[datetime], windows: Sequence[ShiftWindow]) -> pl.DataFrame:
    """(hour_start, day, shift, fraction): the share of each hour inside each shift window it meets."""
    rows = []
    for start in hours:
        for window in windows:
            overlap = (min(start + HOUR, window.ends_at) - max(start, window.starts_at)) / HOUR
            if overlap > 0:
                rows.append((start, window.day, window.shift, overlap))
    return pl.DataFrame(
        rows,
        schema={"hour_start": UTC_HOUR, "day": pl.Date, "shift": pl.String, "fraction": pl.Float64},
        orient="row",
    )
