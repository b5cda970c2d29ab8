"""How carriers write the time of a scan, read into one UTC instant.

Three shapes occur: an instant with an offset (FedEx, DHL: the scan location's offset; EasyPost: UTC
`Z`), a wall time without an offset in a zone the reader has to know (USPS and UPS without GMT fields:
the scan location's zone; the last-mile partner: the destination's), and UPS's split date/time fields
(read in ups.py with the same rules). Every reading:

- rejects an epoch or zero date (anything before 2000-01-01) as `invalid_timestamp`, rule `epoch`, a
  text it cannot read as rule `format`, and a wall time whose zone is unknown as rule `zone_unknown`;
- resolves a wall time with `pipeline.facility_time.localize` (DST gap: shifted forward and flagged
  `dst_gap`; fold: the first occurrence, flagged `dst_fold`);
- keeps the offset the carrier reported for the scan location (`utc_offset`), so the stored local time
  is the carrier's own reading, even where it disagrees with the zone;
- gives `key`, the time part of an event id derived from the scan: the UTC instant when the carrier wrote
  one, else the wall time exactly as written (so a later fix of the zone table does not change the ids).

Failures raise `pipeline.facility_time.TimestampError` (field, rule, message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.facility_time import TimestampError, is_rfc3339, localize, parse_rfc3339

EARLIEST_SCAN = datetime(2000, 1, 1, tzinfo=UTC)
WALL_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S")
MAX_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class ScanTime:
    instant: datetime
    key: str
    utc_offset: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def occurred_at(self) -> str:
        return self.instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def instant_time(text: object, field: str, *, local_offset: bool) -> ScanTime:
    """An RFC 3339 instant; `local_offset` says the offset is the scan location's (not just UTC)."""
    if isinstance(text, str) and text[:4].isdigit() and int(text[:4]) < EARLIEST_SCAN.year:
        raise _epoch(field, text)
    instant = parse_rfc3339(text, field)
    offset = _written_offset(str(text)) if local_offset else None
    return ScanTime(instant, compact_utc(instant), offset)


def wall_time(text: object, zone: str | None, field: str) -> ScanTime:
    """A wall time without an offset, in `zone`. A text that does carry an offset is taken as given."""
    if isinstance(text, str) and is_rfc3339(text):
        return instant_time(text, field, local_offset=True)
    wall = parse_wall(text, field)
    return localized(wall, zone, field, key=compact_wall(wall))


def parse_wall(text: object, field: str) -> datetime:
    if not isinstance(text, str) or not text.strip():
        raise TimestampError(field, "required", f"{field} is missing")
    for pattern in WALL_FORMATS:
        try:
            wall = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        if wall.year < EARLIEST_SCAN.year:
            raise _epoch(field, text)
        return wall
    if text.strip().lstrip("0-:T ") == "":
        raise _epoch(field, text)
    raise TimestampError(field, "format", f"{text!r} is not a date and time this carrier writes")


def localized(wall: datetime, zone: str | None, field: str, *, key: str) -> ScanTime:
    if zone is None:
        raise TimestampError(
            field, "zone_unknown", f"no time zone is known for the wall time {wall.isoformat()}"
        )
    local = localize(wall, zone)
    return ScanTime(local.utc, key, None, local.flags)


def offset_between(wall: datetime, instant: datetime) -> str | None:
    """The offset a wall reading and the UTC instant beside it imply (None when not a real offset)."""
    delta = wall - instant.astimezone(UTC).replace(tzinfo=None)
    minutes = int(delta.total_seconds() // 60)
    if abs(delta) > MAX_OFFSET or delta.total_seconds() % 900:
        return None
    return format_offset(minutes)


def format_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def compact_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def compact_wall(wall: datetime) -> str:
    return wall.strftime("%Y%m%dT%H%M%S")


def reject_epoch(instant: datetime, field: str, text: str) -> None:
    if instant < EARLIEST_SCAN:
        raise _epoch(field, text)


def _epoch(field: str, text: str) -> TimestampError:
    return TimestampError(field, "epoch", f"{text!r} is the epoch or a zero date, not the time of a scan")


def _written_offset(text: str) -> str:
    return "+00:00" if text.upper().endswith("Z") else text[-6:]
