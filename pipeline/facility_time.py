"""Facility-local time: from wall clocks to UTC instants and back, and strict RFC 3339 parsing.

The UTC instant is the truth; the wall clock, the IANA zone and the offset are kept beside it for
people. Sources that report a wall time without an offset (WMS change logs, the store tool, the
last-mile partner) are interpreted in the zone of the facility or destination with this rule:

- **DST gap** (spring forward, e.g. 2026-03-08 02:30 in America/Los_Angeles does not exist): the wall
  time is read with the offset in effect *before* the transition, i.e. it is shifted forward by the
  length of the gap (02:30 PST = 10:30Z = 03:30 PDT). This is Python's `fold=0` reading, normalized.
  The result is flagged `dst_gap`.
- **DST fold** (fall back, e.g. 2026-11-01 01:30 happens twice): the FIRST occurrence is taken, the
  earlier instant, still on daylight time (`fold=0`: 01:30 PDT = 08:30Z). The result is flagged
  `dst_fold`.

`to_local` goes the other way, from an instant to the wall clock; it flags `dst_fold` when the wall time
it returns is one of the two occurrences of a repeated hour, because reading that wall time back alone
cannot tell which one was meant. Everything here is pure (zoneinfo only).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DST_GAP = "dst_gap"
DST_FOLD = "dst_fold"

_RFC3339 = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?"
    r"(?P<offset>[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?"
)


class LocalizedTime(NamedTuple):
    """One instant seen from one zone. `local_wall` = `utc` + `offset_minutes`, as a naive wall clock.
    A named tuple rather than a frozen dataclass: every event with a known zone makes one."""

    utc: datetime
    local_wall: datetime
    zone: str
    offset_minutes: int
    flags: tuple[str, ...] = ()


class TimestampError(ValueError):
    """A timestamp that is not RFC 3339 with an offset. Names the field and the rule it broke."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message} (rule: {rule})")
        self.field = field
        self.rule = rule
        self.message = message


@lru_cache(maxsize=1024)
def zone_info(zone: str) -> ZoneInfo:
    """The zone for an IANA name; `ValueError` naming it when there is no such zone. Cached: every event
    asks for its facility's zone."""
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {zone!r}") from error


def localize(wall: datetime, zone: str) -> LocalizedTime:
    """Interpret a naive wall-clock time in `zone` (gap: shift forward; fold: first occurrence)."""
    if wall.tzinfo is not None:
        raise ValueError(f"localize expects a naive wall-clock time, got {wall.isoformat()}")
    tz = zone_info(zone)
    first = wall.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    local = utc.astimezone(tz)
    if local.replace(tzinfo=None) != wall:
        flags: tuple[str, ...] = (DST_GAP,)
    elif first.utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
        flags = (DST_FOLD,)
    else:
        flags = ()
    return LocalizedTime(utc, local.replace(tzinfo=None), zone, _minutes(local.utcoffset()), flags)


def to_local(utc: datetime, zone: str) -> LocalizedTime:
    """The wall clock and offset in `zone` at an aware instant."""
    if utc.tzinfo is None:
        raise ValueError(f"to_local expects an aware instant, got naive {utc.isoformat()}")
    utc = utc.astimezone(UTC)
    reading = _zone_reading(zone, int(utc.timestamp()) // _QUARTER_HOUR)
    if reading is None:  # the offset or the ambiguity changes inside this quarter-hour
        reading = _reading_at(utc, zone_info(zone))
    offset, minutes, flags = reading
    return LocalizedTime(utc, (utc + offset).replace(tzinfo=None), zone, minutes, flags)


_QUARTER_HOUR = 900


def _reading_at(utc: datetime, tz: ZoneInfo) -> tuple[timedelta, int, tuple[str, ...]]:
    """(offset, offset in minutes, flags) of `tz` at an instant: `dst_fold` when its wall time repeats."""
    local = utc.astimezone(tz)
    offset = local.utcoffset() or timedelta(0)
    ambiguous = local.replace(fold=1 - local.fold).utcoffset() != offset
    return offset, _minutes(offset), (DST_FOLD,) if ambiguous else ()


@lru_cache(maxsize=8192)
def _zone_reading(zone: str, quarter: int) -> tuple[timedelta, int, tuple[str, ...]] | None:
    """The reading shared by every instant of one quarter-hour, or None when it is not shared.

    No zone changes offset twice within a quarter-hour, and the instants whose wall time repeats span
    at least an hour around a change, so readings equal at the quarter's first and last microsecond
    hold for every instant between. Events cluster in time, so each facility's zone is read a few times
    per quarter-hour, not once per event.
    """
    tz = zone_info(zone)
    start = datetime.fromtimestamp(quarter * _QUARTER_HOUR, UTC)
    first = _reading_at(start, tz)
    last = _reading_at(start + timedelta(seconds=_QUARTER_HOUR, microseconds=-1), tz)
    return first if first == last else None


def is_rfc3339(value: str) -> bool:
    """True for an RFC 3339 date-time WITH an offset (`Z` or ±hh:mm)."""
    match = _RFC3339.fullmatch(value)
    return bool(match and match.group("offset") and _calendar_valid(value))


def parse_rfc3339(value: object, field: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime.

    Rules: `type` (not a string), `offset_required` (a wall time without `Z` or ±hh:mm: which zone it
    meant cannot be known, so it is refused rather than guessed), `rfc3339` (anything else).
    """
    if not isinstance(value, str):
        raise TimestampError(
            field, "type", f"expected an RFC 3339 timestamp string, got {type(value).__name__}"
        )
    match = _RFC3339.fullmatch(value)
    if match is not None and match.group("offset"):
        try:  # the pattern checked the shape; a day the month does not have (02-30) fails here
            return datetime.fromisoformat(value.upper()).astimezone(UTC)
        except ValueError:
            match = None
    if match is None or not _calendar_valid(value):
        raise TimestampError(field, "rfc3339", f"{value!r} is not an RFC 3339 timestamp")
    raise TimestampError(field, "offset_required", f"timestamp {value!r} has no UTC offset")


def _calendar_valid(value: str) -> bool:
    try:
        datetime.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _minutes(offset: timedelta | None) -> int:
    return int(offset.total_seconds() // 60) if offset is not None else 0
