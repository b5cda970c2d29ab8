"""How carriers' written times become UTC instants, and which ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.facility_time import TimestampError
from pipeline.sources.carriers.scan_times import instant_time, offset_between, parse_wall, wall_time


def test_an_instant_with_a_local_offset_keeps_the_offset() -> None:
    time = instant_time("2026-10-31T00:12:05-04:00", "date", local_offset=True)

    assert (time.occurred_at, time.utc_offset, time.key) == (
        "2026-10-31T04:12:05Z",
        "-04:00",
        "20261031T041205Z",
    )


def test_a_utc_instant_of_a_format_that_writes_utc_claims_no_local_offset() -> None:
    assert instant_time("2026-10-31T04:12:05Z", "datetime", local_offset=False).utc_offset is None
    assert instant_time("2026-10-31T04:12:05Z", "date", local_offset=True).utc_offset == "+00:00"


def test_fractions_of_a_second_are_kept_in_the_instant() -> None:
    assert (
        instant_time("2026-10-31T04:12:05.250Z", "d", local_offset=False).occurred_at
        == "2026-10-31T04:12:05.250000Z"
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("1970-01-01T00:00:00Z", "epoch"),
        ("0000-00-00T00:00:00Z", "epoch"),
        ("2026-10-31T04:12:05", "offset_required"),
        ("31/10/2026 04:12", "rfc3339"),
    ],
)
def test_instants_that_are_refused(text: str, rule: str) -> None:
    with pytest.raises(TimestampError) as raised:
        instant_time(text, "date", local_offset=True)

    assert (raised.value.field, raised.value.rule) == ("date", rule)


def test_a_wall_time_is_read_in_its_zone_and_keyed_as_written() -> None:
    time = wall_time("2026-07-04T12:00:00", "America/Phoenix", "eventTimestamp")

    assert (time.occurred_at, time.key, time.flags) == ("2026-07-04T19:00:00Z", "20260704T120000", ())


def test_a_wall_time_that_carries_an_offset_is_taken_as_given() -> None:
    time = wall_time("2026-07-04T12:00:00-05:00", None, "eventTimestamp")

    assert (time.occurred_at, time.utc_offset) == ("2026-07-04T17:00:00Z", "-05:00")


@pytest.mark.parametrize(
    ("text", "zone", "rule"),
    [
        ("1970-01-01T00:00:00", "America/Chicago", "epoch"),
        ("00000000000000", "America/Chicago", "epoch"),
        ("", "America/Chicago", "required"),
        ("2026-13-45T99:00:00", "America/Chicago", "format"),
        ("2026-07-04T12:00:00", None, "zone_unknown"),
    ],
)
def test_wall_times_that_are_refused(text: str, zone: str | None, rule: str) -> None:
    with pytest.raises(TimestampError) as raised:
        wall_time(text, zone, "local_time")

    assert (raised.value.field, raised.value.rule) == ("local_time", rule)


def test_the_offset_a_wall_reading_and_its_instant_imply() -> None:
    instant = datetime(2026, 11, 2, 1, 2, tzinfo=UTC)

    assert offset_between(parse_wall("20261101170200", "d"), instant) == "-08:00"
    assert offset_between(parse_wall("20261102053200", "d"), instant) == "+04:30"
    assert offset_between(parse_wall("20261103010200", "d"), instant) is None  # a day apart: not an offset
