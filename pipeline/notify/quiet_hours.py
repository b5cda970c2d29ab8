"""Quiet hours in the customer's own time zone: a message due at night waits until the morning there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time  # may be earlier than start: the quiet time runs over midnight

    def covers(self, wall: time) -> bool:
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


def parse_quiet_hours(text: str) -> QuietHours | None:
    """'21:00-08:00' -> QuietHours; '' -> None (no quiet hours)."""
    if not text:
        return None
    start, _, end = text.partition("-")
    return QuietHours(time.fromisoformat(start), time.fromisoformat(end))


def next_send_time(at: datetime, zone: str | None, quiet: QuietHours | None) -> datetime:
    """`at`, or the end of the quiet hours it falls in, in zone `zone` (UTC when the zone is unknown)."""
    if quiet is None:
        return at
    tz = ZoneInfo(zone) if zone else UTC
    local = at.astimezone(tz)
    if not quiet.covers(local.time()):
        return at
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)
    # A wall time that does not exist (a DST gap) resolves to the later side of the gap.
    ends = datetime.combine(day, quiet.end, tzinfo=tz)
    return max(ends.astimezone(UTC), at)
