"""The demand history the forecast learns from: orders a facility received per hour, with their order
lines and units, read from the event stream (ORDER_RECEIVED per facility, lines and units from
order_line). Every hour of the period is present, with zeros when nothing came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from sqlalchemy import Connection, text

METRICS: tuple[str, ...] = ("orders", "lines", "units")
UTC_HOUR = pl.Datetime("us", "UTC")

# date_bin with a UTC origin: whole UTC hours whatever the session's TimeZone is.
_HOURLY_DEMAND = text(
    """
    WITH received AS (
        SELECT DISTINCT ON (order_id) order_id, occurred_at
        FROM event
        WHERE event_type = 'ORDER_RECEIVED' AND facility_id = :facility_id
          AND occurred_at >= :start AND occurred_at < :end
        ORDER BY order_id, occurred_at
    ), sizes AS (
        SELECT l.order_id, count(*) AS lines, sum(l.qty) AS units
        FROM order_line AS l JOIN received USING (order_id)
        GROUP BY l.order_id
    )
    SELECT date_bin('1 hour', r.occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour_start,
           count(*) AS orders, coalesce(sum(s.lines), 0) AS lines, coalesce(sum(s.units), 0) AS units
    FROM received AS r LEFT JOIN sizes AS s USING (order_id)
    GROUP BY 1
    ORDER BY 1
    """
)


def hour_grid(start: datetime, end: datetime) -> pl.DataFrame:
    """Every whole UTC hour from `start` (included) to `end` (excluded), as column hour_start."""
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(hours=1)
    if first >= end:
        return pl.DataFrame(schema={"hour_start": UTC_HOUR})
    return pl.DataFrame(
        {
            "hour_start": pl.datetime_range(
                first, end.astimezone(UTC), "1h", closed="left", time_zone="UTC", eager=True
            )
        }
    ).with_columns(pl.col("hour_start").cast(UTC_HOUR))


def hourly_demand(conn: Connection, facility_id: str, start: datetime, end: datetime) -> pl.DataFrame:
    """Orders, lines and units received at `facility_id` in each UTC hour of [start, end)."""
    rows = conn.execute(_HOURLY_DEMAND, {"facility_id": facility_id, "start": start, "end": end}).all()
    observed = pl.DataFrame(
        [(row.hour_start, row.orders, row.lines, row.units) for row in rows],
        schema={"hour_start": UTC_HOUR, "orders": pl.Float64, "lines": pl.Float64, "units": pl.Float64},
        orient="row",
    )
    return (
        hour_grid(start, end)
        .join(observed, on="hour_start", how="left")
        .with_columns(pl.col(metric).fill_null(0.0) for metric in METRICS)
    )
