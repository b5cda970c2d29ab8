"""Durable read positions of polled sources. A poller lands a page and moves its checkpoint in the same
transaction, so after a crash it resumes exactly where the committed inbox ends: no gap, no repeat."""

from __future__ import annotations

from sqlalchemy import Connection, text


def read_position(conn: Connection, source: str, *, lock: bool = False) -> str | None:
    """The stored position, optionally locked for this transaction (one poller per source at a time)."""
    sql = "SELECT position FROM source_checkpoint WHERE source = :source"
    return conn.execute(text(sql + (" FOR UPDATE" if lock else "")), {"source": source}).scalar()


def write_position(conn: Connection, source: str, position: str) -> None:
    conn.execute(
        text(
            "INSERT INTO source_checkpoint (source, position, updated_at) VALUES (:source, :position, now())"
            " ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = now()"
        ),
        {"source": source, "position": position},
    )
