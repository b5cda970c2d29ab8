"""Per-source counters, hour by hour: received, normalized, quarantined, duplicates, ingest lag.

Written in the same transaction as the batch they count, so the Data Health page and /metrics never
disagree with the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text


@dataclass
class SourceTally:
    received: int = 0
    normalized: int = 0
    quarantined: int = 0
    duplicates: int = 0
    lag_ms_sum: int = 0
    lag_ms_max: int = 0
    last_event_at: datetime | None = None
    last_received_at: datetime | None = None

    def add_lag(self, received_at: datetime, loaded_at: datetime, events: int) -> None:
        lag = max(0, int((loaded_at - received_at).total_seconds() * 1000))
        self.lag_ms_sum += lag * events
        self.lag_ms_max = max(self.lag_ms_max, lag)


@dataclass
class BatchTallies:
    by_source: dict[str, SourceTally] = field(default_factory=dict)

    def __getitem__(self, source: str) -> SourceTally:
        return self.by_source.setdefault(source, SourceTally())


_UPSERT = """
INSERT INTO source_counter AS c (source, hour, received, normalized, quarantined, duplicates, lag_ms_sum,
                                 lag_ms_max, last_event_at, last_received_at)
VALUES (:source, date_trunc('hour', :now), :received, :normalized, :quarantined, :duplicates, :lag_ms_sum,
        :lag_ms_max, :last_event_at, :last_received_at)
ON CONFLICT (source, hour) DO UPDATE SET
    received = c.received + excluded.received,
    normalized = c.normalized + excluded.normalized,
    quarantined = c.quarantined + excluded.quarantined,
    duplicates = c.duplicates + excluded.duplicates,
    lag_ms_sum = c.lag_ms_sum + excluded.lag_ms_sum,
    lag_ms_max = greatest(c.lag_ms_max, excluded.lag_ms_max),
    last_event_at = greatest(c.last_event_at, excluded.last_event_at),
    last_received_at = greatest(c.last_received_at, excluded.last_received_at)
"""


def record_tallies(conn: Connection, tallies: BatchTallies, now: datetime) -> None:
    rows = [
        {"source": source, "now": now, **vars(tally)} for source, tally in sorted(tallies.by_source.items())
    ]
    if rows:
        conn.execute(text(_UPSERT), rows)


def source_totals(conn: Connection, since: datetime) -> Iterable:
    return (
        conn.execute(
            text(
                "SELECT source, sum(received) AS received, sum(normalized) AS normalized,"
                " sum(quarantined) AS quarantined, sum(duplicates) AS duplicates,"
                " max(last_event_at) AS last_event_at, max(last_received_at) AS last_received_at,"
                " CASE WHEN sum(normalized) > 0 THEN sum(lag_ms_sum) / sum(normalized) END AS mean_lag_ms"
                " FROM source_counter WHERE hour >= date_trunc('hour', CAST(:since AS timestamptz)) GROUP BY source ORDER BY source"
            ),
            {"since": since},
        )
        .mappings()
        .all()
    )
