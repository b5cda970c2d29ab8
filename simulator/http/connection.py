"""Database access shared by the simulated APIs: a read-only connection per request, and time formats."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Connection


def sim_connection(request: Request) -> Iterator[Connection]:
    """A connection to the simulator database for one request (FastAPI dependency)."""
    with request.app.state.sim_engine.connect() as conn:
        yield conn


def utc_text(instant: datetime | None) -> str | None:
    """`2026-09-01T17:00:00Z`."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix_seconds(instant: datetime) -> int:
    return int(instant.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
