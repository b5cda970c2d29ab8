"""Reads of the KPI rollups: the only way pages and the CLI get KPI figures.

The rollups are summed in PostgreSQL down to one row per KPI and day for the chosen facility, carrier and
channel, so a read returns at most KPIs × days rows (about 550 for 60 days). For results that small,
fetching with the connection's own driver (psycopg, parameters bound) and building the polars frame from
the rows is faster than a columnar reader: connectorx cannot bind parameters, and an ADBC driver would
add a second connection pool for a few hundred rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, text

from pipeline.kpis.definitions import KPI_KEYS, KPIS
from pipeline.kpis.figures import SUMS_SCHEMA
from pipeline.kpis.rollups import STATE_NAME

# A carrier or channel filter narrows numerators; it narrows denominators too, except where the
# denominator belongs to no carrier or channel (shifts worked).
_DAILY_SUMS = """
SELECT kpi, day,
       coalesce(sum(numerator) FILTER (WHERE narrowed), 0) AS numerator,
       coalesce(sum(denominator) FILTER (WHERE narrowed OR kpi = ANY(:facility_wide)), 0) AS denominator,
       coalesce(sum(inferred_events) FILTER (WHERE narrowed), 0) AS inferred_events
FROM (
    SELECT r.*, (CAST(:carrier AS text) IS NULL OR r.carrier_id = :carrier)
                AND (CAST(:channel AS text) IS NULL OR r.channel = :channel) AS narrowed
    FROM kpi_rollup AS r
    WHERE r.day BETWEEN :first_day AND :last_day AND r.with_inferred = :with_inferred
      AND (CAST(:facility AS text) IS NULL OR r.facility_id = :facility)
) AS scoped
GROUP BY kpi, day
HAVING coalesce(sum(denominator) FILTER (WHERE narrowed OR kpi = ANY(:facility_wide)), 0) > 0
    OR coalesce(sum(numerator) FILTER (WHERE narrowed), 0) > 0
ORDER BY kpi, day
"""

# The primary key leads with the day: each KPI's first day is the first index entry that carries it.
_HISTORY_STARTS = """
SELECT k.kpi, (SELECT min(r.day) FROM kpi_rollup AS r WHERE r.kpi = k.kpi) AS first_day
FROM unnest(CAST(:kpis AS text[])) AS k(kpi)
"""


@dataclass(frozen=True)
class KpiScope:
    """Which figures: one facility, carrier and channel or all (None), counting inferred events or not."""

    facility_id: str | None = None
    carrier_id: str | None = None
    channel: str | None = None
    include_inferred: bool = True


def daily_sums(conn: Connection, first_day: date, last_day: date, scope: KpiScope) -> pl.DataFrame:
    """Per KPI and day in scope: numerator, denominator and inferred events (figures.SUMS_SCHEMA)."""
    rows = conn.execute(
        text(_DAILY_SUMS),
        {
            "first_day": first_day,
            "last_day": last_day,
            "with_inferred": scope.include_inferred,
            "facility": scope.facility_id,
            "carrier": scope.carrier_id,
            "channel": scope.channel,
            "facility_wide": [item.key for item in KPIS if item.denominator_ignores_carrier_and_channel],
        },
    ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=SUMS_SCHEMA, orient="row")


def history_starts(conn: Connection) -> dict[str, date]:
    """The first day each KPI has figures for (KPIs with none are left out)."""
    rows = conn.execute(text(_HISTORY_STARTS), {"kpis": list(KPI_KEYS)}).all()
    return {key: first for key, first in rows if first is not None}


def rollup_span(conn: Connection) -> tuple[date, date] | None:
    """The first and last day the rollups hold, or None before the first refresh."""
    first, last = conn.execute(text("SELECT min(day), max(day) FROM kpi_rollup")).one()
    return (first, last) if first is not None else None


def last_refreshed_at(conn: Connection) -> datetime | None:
    return conn.execute(
        text("SELECT refreshed_at FROM kpi_refresh_state WHERE name = :name"), {"name": STATE_NAME}
    ).scalar_one_or_none()
