"""Jobs that must run once at a time across every worker, on any machine: a PostgreSQL advisory lock.

APScheduler's job store cannot be shared between processes, so each worker schedules every job and the
lock decides who runs it; the others skip that tick.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def lock_key(name: str) -> int:
    """A stable 63-bit key for a job name (hashtext() differs between PostgreSQL versions)."""
    return zlib.crc32(f"waypoint:{name}".encode())


@contextmanager
def singleton(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True when this process holds the job's lock for the duration of the block, else False."""
    with engine.connect() as conn:
        acquired = conn.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}
        ).scalar_one()
        conn.commit()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
                conn.commit()
