"""A circuit breaker per polled source, kept in PostgreSQL (`source_breaker`) so every worker shares it.

closed    -> poll as usual; each failed poll (retries exhausted, see source_http.py) counts, a successful
             one resets the count. `failure_threshold` failures in a row open the breaker.
open      -> the source is skipped, no request is sent, until the cool-down has passed since it opened.
half_open -> after the cool-down ONE worker is let through for a trial poll (the row is locked while
             deciding, so two workers never both try). Success closes the breaker; failure re-opens it
             for another cool-down. A trial whose worker died is given up after one cool-down.

The data functions take a Connection and never commit; `call_through` is the edge that runs a poll
between its own short transactions, so the breaker's state survives the poll's failure. Times are the
database's clock, the same for every worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.settings import Settings
from pipeline.sources.source_http import SourceUnavailableError

log = structlog.get_logger(__name__)
Result = TypeVar("Result")


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 3
    cool_down: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> BreakerPolicy:
        return cls(
            settings.source_breaker_failures, timedelta(seconds=settings.source_breaker_cooldown_seconds)
        )


@dataclass(frozen=True)
class BreakerStatus:
    source: str
    state: BreakerState
    failures: int
    opened_at: datetime | None
    trial_at: datetime | None
    last_error: str | None


_ENSURE = "INSERT INTO source_breaker (source) VALUES (:source) ON CONFLICT (source) DO NOTHING"
_READ = "SELECT source, state, failures, opened_at, trial_at, last_error FROM source_breaker WHERE source = :source"
_TRIAL = """
UPDATE source_breaker SET state = 'half_open', trial_at = now(), updated_at = now()
WHERE source = :source
  AND ((state = 'open' AND opened_at <= now() - :cool_down) OR (state = 'half_open' AND trial_at <= now() - :cool_down))
RETURNING source
"""
_SUCCESS = """
UPDATE source_breaker SET state = 'closed', failures = 0, opened_at = NULL, trial_at = NULL, last_error = NULL,
                          updated_at = now()
WHERE source = :source
"""
_FAILURE = """
UPDATE source_breaker AS b
SET failures = b.failures + 1, last_error = :error, updated_at = now(), trial_at = NULL,
    state = CASE WHEN b.state = 'half_open' OR b.failures + 1 >= :threshold THEN 'open' ELSE b.state END,
    opened_at = CASE WHEN b.state = 'half_open' OR (b.state = 'closed' AND b.failures + 1 >= :threshold)
                     THEN now() ELSE b.opened_at END
WHERE source = :source
RETURNING state
"""


def admit(conn: Connection, source: str, policy: BreakerPolicy) -> bool:
    """May this worker ask `source` now? Locks the breaker row for the rest of the caller's transaction."""
    conn.execute(text(_ENSURE), {"source": source})
    state = conn.execute(text(_READ + " FOR UPDATE"), {"source": source}).one().state
    if state == BreakerState.CLOSED:
        return True
    trial = conn.execute(text(_TRIAL), {"source": source, "cool_down": policy.cool_down}).first()
    if trial is not None:
        log.info("breaker.half_open", source=source)
    return trial is not None


def record_success(conn: Connection, source: str) -> None:
    conn.execute(text(_ENSURE), {"source": source})
    conn.execute(text(_SUCCESS), {"source": source})


def record_failure(conn: Connection, source: str, policy: BreakerPolicy, error: str) -> BreakerState:
    """Count a failed poll; returns the state it leaves the breaker in."""
    conn.execute(text(_ENSURE), {"source": source})
    row = conn.execute(
        text(_FAILURE), {"source": source, "threshold": policy.failure_threshold, "error": error[:500]}
    ).one()
    return BreakerState(row.state)


def breaker_status(conn: Connection, source: str) -> BreakerStatus | None:
    row = conn.execute(text(_READ), {"source": source}).first()
    if row is None:
        return None
    return BreakerStatus(
        row.source, BreakerState(row.state), row.failures, row.opened_at, row.trial_at, row.last_error
    )


def call_through(
    engine: Engine, source: str, policy: BreakerPolicy, poll: Callable[[], Result]
) -> Result | None:
    """Run `poll` if the breaker admits it (None when skipped); `SourceUnavailableError` counts and re-raises."""
    with engine.begin() as conn:
        admitted = admit(conn, source, policy)
    if not admitted:
        log.info("breaker.skipped", source=source)
        return None
    try:
        result = poll()
    except SourceUnavailableError as error:
        with engine.begin() as conn:
            state = record_failure(conn, source, policy, str(error))
        log.warning("breaker.failure", source=source, state=str(state), error=str(error)[:200])
        raise
    with engine.begin() as conn:
        record_success(conn, source)
    return result
