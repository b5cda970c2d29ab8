"""Working days: transit is measured on the carrier's working days only (no Sundays, no US holidays)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from pipeline.eta.working_days import WorkingDays

RENO = ZoneInfo("America/Los_Angeles")
MON_TO_SAT = WorkingDays(RENO, frozenset(range(6)), "US")


def test_sundays_and_holidays_are_not_working_days() -> None:
    assert MON_TO_SAT.is_working(date(2026, 11, 7))  # Saturday
    assert not MON_TO_SAT.is_working(date(2026, 11, 8))  # Sunday
    assert not MON_TO_SAT.is_working(date(2026, 11, 26))  # Thanksgiving
    assert MON_TO_SAT.next_working_day(date(2026, 11, 25)) == date(2026, 11, 27)
    assert MON_TO_SAT.add_working_days(date(2026, 11, 7), 2) == date(2026, 11, 10)


def test_working_hours_skip_days_off_and_adding_them_back_lands_on_the_same_instant() -> None:
    start = datetime(2026, 11, 7, 18, tzinfo=RENO)  # Saturday evening
    end = datetime(2026, 11, 9, 10, tzinfo=RENO)  # Monday morning

    hours = MON_TO_SAT.working_hours_between(start, end)

    assert hours == pytest.approx(6 + 10)
    assert MON_TO_SAT.add_working_hours(start, hours) == end
    assert MON_TO_SAT.working_hours_between(end, start) == 0.0


def test_a_dst_day_has_its_real_length() -> None:
    # 2026-11-01 is a Sunday (not working); the change back to standard time happens that night.
    fall_back = WorkingDays(RENO, frozenset(range(7)), "US")

    assert fall_back.working_hours_between(
        datetime(2026, 11, 1, tzinfo=RENO), datetime(2026, 11, 2, tzinfo=RENO)
    ) == pytest.approx(25)


def test_the_next_cut_off_is_today_before_it_and_the_next_working_day_after_it() -> None:
    before = datetime(2026, 11, 2, 16, tzinfo=RENO)
    after = datetime(2026, 11, 7, 18, tzinfo=RENO)  # Saturday, after the cut-off

    assert MON_TO_SAT.next_cutoff(before, time(17)) == datetime(2026, 11, 2, 17, tzinfo=RENO).astimezone(UTC)
    assert MON_TO_SAT.next_cutoff(after, time(17)) == datetime(2026, 11, 9, 17, tzinfo=RENO).astimezone(UTC)


def test_a_calendar_without_working_days_is_refused_not_looped_on() -> None:
    never = WorkingDays(RENO, frozenset(), "US")

    with pytest.raises(ValueError, match="no working day"):
        never.next_working_day(date(2026, 11, 2))
