"""Business days and shift windows: the calendars the carrier SLA and orders-per-shift count in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from db.master_data import Shift
from pipeline.kpis.calendar import business_calendar, shift_windows


def deadline(start: date, transit_business_days: int) -> date:
    calendar = business_calendar(start, start + timedelta(days=30))
    first = calendar[0].next_business_index
    return next(day.day for day in calendar if day.business_index == first + transit_business_days)


def test_weekends_and_federal_holidays_are_not_business_days() -> None:
    calendar = {item.day: item for item in business_calendar(date(2026, 11, 6), date(2026, 11, 30))}

    assert calendar[date(2026, 11, 7)].business_index is None  # Saturday
    assert calendar[date(2026, 11, 11)].business_index is None  # Veterans Day
    assert calendar[date(2026, 11, 26)].business_index is None  # Thanksgiving
    assert calendar[date(2026, 11, 7)].next_business_index == calendar[date(2026, 11, 9)].business_index


def test_an_observed_holiday_is_not_a_business_day() -> None:
    calendar = {item.day: item for item in business_calendar(date(2026, 7, 1), date(2026, 7, 10))}

    assert calendar[date(2026, 7, 3)].business_index is None  # July 4th is a Saturday, observed Friday


def test_business_days_are_counted_past_weekends_and_holidays() -> None:
    assert deadline(date(2026, 11, 9), 5) == date(2026, 11, 17)  # skips the weekend and Veterans Day
    assert deadline(date(2026, 11, 14), 1) == date(2026, 11, 17)  # a Saturday pickup counts from Monday
    assert deadline(date(2026, 11, 25), 1) == date(2026, 11, 27)  # Thanksgiving in between
    assert deadline(date(2026, 11, 16), 0) == date(2026, 11, 16)


NIGHT = Shift(name="night", start=time(23), end=time(6), weekdays=[0, 1, 2, 3, 4, 5, 6])


def test_a_night_shift_belongs_to_the_day_it_starts_and_lasts_longer_on_the_fall_back_night() -> None:
    windows = list(
        shift_windows("DC-RNO", "America/Los_Angeles", [NIGHT], date(2026, 10, 31), date(2026, 11, 1))
    )

    assert [(w.day, w.starts_at, w.ends_at) for w in windows] == [
        (date(2026, 10, 31), datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 1, 14, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 2, 7, tzinfo=UTC), datetime(2026, 11, 2, 14, tzinfo=UTC)),
    ]


def test_the_spring_forward_night_shift_is_an_hour_shorter() -> None:
    (window,) = shift_windows("DC-RNO", "America/Los_Angeles", [NIGHT], date(2026, 3, 7), date(2026, 3, 7))

    assert window.ends_at - window.starts_at == timedelta(hours=6)


def test_shifts_run_only_on_their_weekdays() -> None:
    weekdays_only = Shift(name="night", start=time(23), end=time(6), weekdays=[0, 1, 2, 3, 4])
    windows = shift_windows(
        "DC-RNO", "America/Los_Angeles", [weekdays_only], date(2026, 11, 6), date(2026, 11, 9)
    )

    assert [w.day for w in windows] == [date(2026, 11, 6), date(2026, 11, 9)]  # Friday, then Monday
