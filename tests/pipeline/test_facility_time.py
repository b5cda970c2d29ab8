"""Facility-local time: the DST gap and fold rule, zones without DST, and strict RFC 3339 parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.facility_time import DST_FOLD, DST_GAP, TimestampError, localize, parse_rfc3339, to_local

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
    "Pacific/Honolulu",
    "America/Anchorage",
]


@pytest.mark.parametrize(
    ("zone", "utc", "local_wall", "offset"),
    [
        # 02:30 does not exist on 2026-03-08: read with the standard-time offset, i.e. 03:30 daylight time.
        ("America/Los_Angeles", datetime(2026, 3, 8, 10, 30, tzinfo=UTC), datetime(2026, 3, 8, 3, 30), -420),
        ("America/New_York", datetime(2026, 3, 8, 7, 30, tzinfo=UTC), datetime(2026, 3, 8, 3, 30), -240),
    ],
)
def test_a_wall_time_in_the_spring_gap_is_shifted_forward_by_the_gap_and_flagged(
    zone, utc, local_wall, offset
):
    result = localize(datetime(2026, 3, 8, 2, 30), zone)

    assert result.utc == utc
    assert result.local_wall == local_wall
    assert result.offset_minutes == offset
    assert result.flags == (DST_GAP,)


@pytest.mark.parametrize(
    ("zone", "first_utc", "offset"),
    [
        ("America/Los_Angeles", datetime(2026, 11, 1, 8, 30, tzinfo=UTC), -420),
        ("America/New_York", datetime(2026, 11, 1, 5, 30, tzinfo=UTC), -240),
    ],
)
def test_a_wall_time_in_the_autumn_fold_is_its_first_occurrence_and_flagged(zone, first_utc, offset):
    result = localize(datetime(2026, 11, 1, 1, 30), zone)

    assert result.utc == first_utc
    assert result.local_wall == datetime(2026, 11, 1, 1, 30)
    assert result.offset_minutes == offset
    assert result.flags == (DST_FOLD,)


@pytest.mark.parametrize(("utc_hour", "offset"), [(8, -420), (9, -480)])
def test_both_instants_of_the_fold_hour_show_the_same_wall_time_with_their_own_offset(utc_hour, offset):
    result = to_local(datetime(2026, 11, 1, utc_hour, 30, tzinfo=UTC), "America/Los_Angeles")

    assert result.local_wall == datetime(2026, 11, 1, 1, 30)
    assert result.offset_minutes == offset
    assert result.flags == (DST_FOLD,)


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("America/Phoenix", -420), ("Pacific/Honolulu", -600)],
)
@pytest.mark.parametrize(
    "wall",
    [
        datetime(2026, 3, 8, 2, 30),
        datetime(2026, 11, 1, 1, 30),
        datetime(2026, 7, 4, 12, 0),
        datetime(2026, 1, 15, 23, 59),
    ],
)
def test_zones_without_daylight_saving_have_one_offset_and_no_flags_all_year(zone, offset, wall):
    result = localize(wall, zone)

    assert result.offset_minutes == offset
    assert result.local_wall == wall
    assert result.utc == (wall - timedelta(minutes=offset)).replace(tzinfo=UTC)
    assert result.flags == ()


def test_an_ordinary_wall_time_converts_without_flags():
    result = localize(datetime(2026, 6, 15, 12, 0), "America/Los_Angeles")

    assert (result.utc, result.offset_minutes, result.flags) == (
        datetime(2026, 6, 15, 19, 0, tzinfo=UTC),
        -420,
        (),
    )


def test_to_local_returns_the_instant_in_utc_with_the_wall_clock_of_the_zone():
    instant = datetime(2026, 6, 15, 17, 0, tzinfo=timezone(timedelta(hours=2)))

    result = to_local(instant, "America/New_York")

    assert result.utc == datetime(2026, 6, 15, 15, 0, tzinfo=UTC)
    assert result.utc.tzinfo is UTC
    assert result.local_wall == datetime(2026, 6, 15, 11, 0)
    assert result.zone == "America/New_York"


def test_naive_and_aware_inputs_are_not_confused():
    with pytest.raises(ValueError, match="naive"):
        to_local(datetime(2026, 6, 15, 15, 0), "America/New_York")
    with pytest.raises(ValueError, match="naive wall-clock"):
        localize(datetime(2026, 6, 15, 15, 0, tzinfo=UTC), "America/New_York")


def test_an_unknown_zone_is_named_in_the_error():
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        localize(datetime(2026, 6, 15, 15, 0), "Mars/Olympus_Mons")


@given(
    instant=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
@example(instant=datetime(2026, 11, 1, 8, 30, tzinfo=UTC), zone="America/Los_Angeles")
@example(instant=datetime(2026, 11, 1, 9, 30, tzinfo=UTC), zone="America/Los_Angeles")
@example(instant=datetime(2026, 11, 1, 6, 15, tzinfo=UTC), zone="America/New_York")
@example(instant=datetime(2026, 3, 8, 10, 0, tzinfo=UTC), zone="America/Los_Angeles")
def test_to_local_then_localize_returns_the_same_instant_except_flagged_folds(instant, zone):
    seen = to_local(instant, zone)
    back = localize(seen.local_wall, zone)

    assert back.local_wall == seen.local_wall
    if DST_FOLD in seen.flags:
        # The wall time alone cannot tell the two occurrences apart: the rule picks the first one.
        assert back.flags == (DST_FOLD,)
        assert back.utc in (instant, instant - timedelta(hours=1))
    else:
        assert back.utc == instant
        assert back.offset_minutes == seen.offset_minutes
        assert back.flags == ()


# Today's changes on the hour and half hour (Lord Howe's half-hour DST, Chatham's 45-minute zone, the
# southern hemisphere), and two old ones at odd seconds of UTC: Monrovia leaving local mean time (a gap)
# and Amsterdam's 1930 autumn change (a fold), which a quarter-hour shares with the old reading.
TRANSITIONS = (
    ("Africa/Monrovia", datetime(1972, 1, 7, 0, 44, 30, tzinfo=UTC)),
    ("Europe/Amsterdam", datetime(1930, 10, 5, 1, 40, 28, tzinfo=UTC)),
    ("America/Los_Angeles", datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
    ("America/Los_Angeles", datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 4, 4, 14, 0, tzinfo=UTC)),
    ("America/Santiago", datetime(2026, 4, 5, 3, 0, tzinfo=UTC)),
)


@given(
    transition=st.sampled_from(TRANSITIONS),
    seconds=st.integers(min_value=-3 * 3600, max_value=3 * 3600),
)
@example(transition=TRANSITIONS[0], seconds=1)
@example(transition=TRANSITIONS[1], seconds=-1)
@example(transition=TRANSITIONS[1], seconds=3600 - 1)
def test_the_wall_clock_near_a_change_is_the_zones_own_reading_of_that_instant(transition, seconds):
    """to_local shares one reading per zone and quarter-hour; at and around every change it must still
    agree with zoneinfo instant by instant, offset and fold flag alike."""
    zone, change = transition
    instant = change + timedelta(seconds=seconds)
    local = instant.astimezone(ZoneInfo(zone))
    repeats = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()

    seen = to_local(instant, zone)

    assert seen.local_wall == local.replace(tzinfo=None)
    assert seen.offset_minutes == local.utcoffset().total_seconds() // 60
    assert seen.flags == ((DST_FOLD,) if repeats else ())
    assert seen.utc == instant


@given(
    wall=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)),
    zone=st.sampled_from(ZONES),
)
@example(wall=datetime(2026, 3, 8, 2, 30), zone="America/New_York")
@example(wall=datetime(2026, 11, 1, 1, 30), zone="America/New_York")
def test_localize_describes_one_consistent_instant(wall, zone):
    result = localize(wall, zone)

    assert result.local_wall == (result.utc + timedelta(minutes=result.offset_minutes)).replace(tzinfo=None)
    if DST_GAP not in result.flags:
        assert result.local_wall == wall


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-08T10:30:00Z", datetime(2026, 3, 8, 10, 30, tzinfo=UTC)),
        ("2026-03-08t10:30:00z", datetime(2026, 3, 8, 10, 30, tzinfo=UTC)),
        ("2026-03-08T02:30:00-08:00", datetime(2026, 3, 8, 10, 30, tzinfo=UTC)),
        ("2026-03-08T16:00:00.123456789+05:30", datetime(2026, 3, 8, 10, 30, 0, 123456, tzinfo=UTC)),
        ("2026-03-08T10:30:00-00:00", datetime(2026, 3, 8, 10, 30, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps_with_an_offset_parse_to_utc(value, expected):
    parsed = parse_rfc3339(value, "occurred_at")

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_a_timestamp_without_an_offset_is_refused_naming_the_field_and_rule():
    with pytest.raises(TimestampError) as raised:
        parse_rfc3339("2026-03-08T02:30:00", "occurred_at")

    assert (raised.value.field, raised.value.rule) == ("occurred_at", "offset_required")
    assert (
        str(raised.value)
        == "occurred_at: timestamp '2026-03-08T02:30:00' has no UTC offset (rule: offset_required)"
    )


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2026-03-08",
        "2026-02-30T10:00:00Z",
        "2026-03-08T24:00:00Z",
        "2026-03-08 10:30:00+00:00",
        "2026-03-08T10:30:00+0000",
        "2026-03-08T10:30Z",
        "20260308T103000Z",
        "",
    ],
)
def test_anything_else_is_refused_as_not_rfc3339(value):
    with pytest.raises(TimestampError) as raised:
        parse_rfc3339(value, "attributes.ship_by")

    assert (raised.value.field, raised.value.rule) == ("attributes.ship_by", "rfc3339")


def test_a_non_string_timestamp_is_a_type_error():
    with pytest.raises(TimestampError) as raised:
        parse_rfc3339(1772965800, "occurred_at")

    assert raised.value.rule == "type"
