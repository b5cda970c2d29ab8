"""Activity of the simulated source systems for the dashboard: how many records each source has shown so far,
in the last hour and per minute. Read from aggregate tables (sim.activity_total, sim.activity_minute) that
the engine maintains as it writes rows, so the answers stay fast however long history grows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import Connection, text

RATE_WINDOW = timedelta(minutes=5)

SUMMARY_SQL = """
SELECT t.source, t.facility_id, t.events_total, t.last_event_at,
       coalesce(sum(m.events) FILTER (WHERE m.minute >= :hour_ago), 0) AS last_hour,
       coalesce(sum(m.events) FILTER (WHERE m.minute >= :rate_since), 0) AS last_five
FROM sim.activity_total t
LEFT JOIN sim.activity_minute m
       ON m.source = t.source AND m.facility_id = t.facility_id AND m.minute >= :hour_ago AND m.minute <= :now
GROUP BY t.source, t.facility_id, t.events_total, t.last_event_at
ORDER BY t.source, t.facility_id
"""

SERIES_SQL = """
SELECT minute, source, sum(events)::bigint AS events
FROM sim.activity_minute
WHERE minute >= date_trunc('minute', CAST(:since AS timestamptz)) AND minute <= :now
GROUP BY minute, source
ORDER BY minute, source
"""


@dataclass(frozen=True)
class SourceActivity:
    source: str
    facility_id: str | None
    events_total: int
    events_last_hour: int
    events_per_minute: float
    last_event_at: datetime


def _rows(sim_conn: Connection | psycopg.Connection, query: str, params: dict) -> list[tuple]:
    if isinstance(sim_conn, psycopg.Connection):
        named = query
        for key in params:
            named = named.replace(f":{key}", f"%({key})s")
        return sim_conn.execute(named, params).fetchall()
    return [tuple(row) for row in sim_conn.execute(text(query), params)]


def activity_summary(sim_conn: Connection | psycopg.Connection, now: datetime) -> list[SourceActivity]:
    """Per source and facility: records so far, in the last hour, per minute over the last 5 minutes.

    Counts are as of the simulator's own clock; `now` only bounds the "last hour" and rate windows.
    """
    params = {"now": now, "hour_ago": now - timedelta(hours=1), "rate_since": now - RATE_WINDOW}
    return [
        SourceActivity(
            source=source,
            facility_id=facility or None,
            events_total=int(total),
            events_last_hour=int(last_hour),
            events_per_minute=round(int(last_five) / (RATE_WINDOW.total_seconds() / 60), 2),
            last_event_at=last_at,
        )
        for source, facility, total, last_at, last_hour, last_five in _rows(sim_conn, SUMMARY_SQL, params)
    ]


def activity_series(
    sim_conn: Connection | psycopg.Connection, since: datetime, now: datetime
) -> list[tuple[datetime, str, int]]:
    """Records per minute and source in [since, now], for a chart."""
    return [
        (minute, source, int(events))
        for minute, source, events in _rows(sim_conn, SERIES_SQL, {"since": since, "now": now})
    ]
