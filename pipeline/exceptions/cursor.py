"""How far the detector has read the event stream: the highest `event_pk` seen, and the holes below it.

`event_pk` is taken when a load inserts its rows, not when it commits, so a reader may see 205 before
a slower worker commits 150. Reading "above the highest seen" alone would skip 150 for ever; rescanning
history would be slow. So the cursor remembers the holes it stepped over (as ranges, with when each was
first noticed) and asks for them again on every run until they appear or `gap_ttl` passes: a hole older
than any load transaction is a rolled-back insert that will never commit. Each event is read once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

MAX_GAP_RANGES = 200

_READ = text("SELECT position FROM exception_checkpoint WHERE name = :name FOR UPDATE")
_WRITE = text(
    "INSERT INTO exception_checkpoint (name, position, updated_at) VALUES (:name, CAST(:position AS jsonb), now())"
    " ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()"
)


@dataclass(frozen=True)
class GapRange:
    low: int
    high: int
    seen: datetime


@dataclass(frozen=True)
class EventCursor:
    high: int = 0
    gaps: tuple[GapRange, ...] = field(default_factory=tuple)

    @classmethod
    def from_document(cls, document: dict[str, Any] | None) -> EventCursor:
        if not document:
            return cls()
        gaps = tuple(
            GapRange(int(lo), int(hi), datetime.fromisoformat(seen)) for lo, hi, seen in document["gaps"]
        )
        return cls(int(document["high"]), gaps)

    def to_document(self) -> dict[str, Any]:
        return {"high": self.high, "gaps": [[g.low, g.high, g.seen.isoformat()] for g in self.gaps]}

    def expired(self, now: datetime, ttl: timedelta) -> EventCursor:
        """Without the holes first seen longer than `ttl` ago."""
        return EventCursor(self.high, tuple(g for g in self.gaps if now - g.seen < ttl))

    def after(self, read: Sequence[int], now: datetime) -> EventCursor:
        """The cursor once the event pks `read` are processed: new holes remembered, filled ones dropped."""
        seen = sorted(set(read))
        gaps: list[GapRange] = []
        for gap in self.gaps:
            gaps.extend(_remaining(gap, seen))
        high = self.high
        for pk in seen:
            if pk > high + 1:
                gaps.append(GapRange(high + 1, pk - 1, now))
            high = max(high, pk)
        gaps.sort(key=lambda g: g.low)
        return EventCursor(high, tuple(gaps[-MAX_GAP_RANGES:]))


def _remaining(gap: GapRange, seen: Sequence[int]) -> list[GapRange]:
    """The parts of `gap` that `seen` (sorted) did not fill."""
    parts, low = [], gap.low
    for pk in seen:
        if pk < low:
            continue
        if pk > gap.high:
            break
        if pk > low:
            parts.append(GapRange(low, pk - 1, gap.seen))
        low = pk + 1
    if low <= gap.high:
        parts.append(GapRange(low, gap.high, gap.seen))
    return parts


def read_cursor(conn: Connection, name: str) -> EventCursor:
    """The stored cursor, locked for this transaction (one detector at a time moves it)."""
    return EventCursor.from_document(conn.execute(_READ, {"name": name}).scalar())


def write_cursor(conn: Connection, name: str, cursor: EventCursor) -> None:
    conn.execute(_WRITE, {"name": name, "position": json.dumps(cursor.to_document())})
