"""Facility wall-clock times without an offset (WMS change logs, the store tool), read into UTC instants.

The reading is the one rule of pipeline.facility_time: the wall time is interpreted in the facility's
IANA zone; a time inside a DST gap is shifted forward and flagged `dst_gap`, a time in the repeated
autumn hour is taken at its first occurrence and flagged `dst_fold`. The flags travel in the envelope's
`flags` so the stored event says what was decided.

An epoch or zero date (anything before 2000-01-01, the same bound the carrier readers use) is refused
as `invalid_timestamp` with rule `epoch`: a device that lost its clock, not the time of the work.
Failures raise `pipeline.facility_time.TimestampError` naming the field and the rule.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.facility_time import LocalizedTime, TimestampError, localize, to_local
from pipeline.sources.carriers.scan_times import EARLIEST_SCAN

EARLIEST_WALL = EARLIEST_SCAN.replace(tzinfo=None)


def read_wall_time(text: object, zone: str, field: str) -> LocalizedTime:
    """The instant of a facility wall time written as `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]`.

    A text that does carry an offset is an instant already and is taken as given.
    """
    if not isinstance(text, str) or not text.strip():
        raise TimestampError(field, "required", f"{field} is missing")
    try:
        wall = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimestampError(field, "format", f"{text!r} is not a wall-clock date and time") from None
    if wall.replace(tzinfo=None) < EARLIEST_WALL:
        raise TimestampError(
            field, "epoch", f"{text!r} is the epoch or a zero date, not the time of the work"
        )
    try:
        return localize(wall, zone) if wall.tzinfo is None else to_local(wall, zone)
    except ValueError as error:
        raise TimestampError(field, "zone_unknown", str(error)) from None


def utc_text(instant: datetime) -> str:
    """RFC 3339 in UTC with `Z`, microseconds kept when the source had them."""
    text = instant.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def envelope_time(local: LocalizedTime) -> dict[str, object]:
    """The envelope fields a localized wall time gives: `occurred_at`, and `flags` when a rule decided."""
    fields: dict[str, object] = {"occurred_at": utc_text(local.utc)}
    if local.flags:
        fields["flags"] = list(local.flags)
    return fields
