"""Quiet hours are the customer's night, in the customer's zone, across midnight and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.notify.quiet_hours import next_send_time, parse_quiet_hours

NIGHT = parse_quiet_hours("21:00-08:00")


def test_outside_quiet_hours_a_message_goes_now() -> None:
    noon_in_chicago = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
    assert next_send_time(noon_in_chicago, "America/Chicago", NIGHT) == noon_in_chicago


def test_late_evening_waits_for_the_next_morning_and_early_morning_for_the_same_one() -> None:
    evening = datetime(2026, 11, 17, 4, 30, tzinfo=UTC)  # 22:30 on the 16th in Chicago
    small_hours = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 03:00 on the 17th
    eight_am = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)

    assert next_send_time(evening, "America/Chicago", NIGHT) == eight_am
    assert next_send_time(small_hours, "America/Chicago", NIGHT) == eight_am


def test_the_same_instant_is_night_in_honolulu_and_morning_in_new_york() -> None:
    instant = datetime(2026, 11, 16, 13, 30, tzinfo=UTC)  # 08:30 in New York, 03:30 in Honolulu
    assert next_send_time(instant, "America/New_York", NIGHT) == instant
    assert next_send_time(instant, "Pacific/Honolulu", NIGHT) == datetime(2026, 11, 16, 18, 0, tzinfo=UTC)


def test_the_morning_after_the_clocks_go_back_is_still_eight_local() -> None:
    before_the_change = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT on the night clocks go back
    assert next_send_time(before_the_change, "America/New_York", NIGHT) == datetime(
        2026, 11, 1, 13, 0, tzinfo=UTC
    )


def test_no_quiet_hours_and_an_unknown_zone() -> None:
    instant = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    assert parse_quiet_hours("") is None
    assert next_send_time(instant, "America/Chicago", None) == instant
    assert next_send_time(instant, None, NIGHT) == datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
