"""The committed delivery date of a parcel: first pickup cut-off (facility-local, pickup days, no holidays)
at or after it is ready, then the transit business days (delivery days, US holidays skipped)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from pipeline.playbooks.delivery_dates import ServiceLevel, delivery_date, pickup_at
from pipeline.playbooks.policy import CarrierCalendar

MON_TO_SAT = CarrierCalendar(
    pickup_weekdays=frozenset(range(6)), delivery_weekdays=frozenset(range(6)), holiday_country="US"
)
GROUND = ServiceLevel("ups", "GND", "UPS Ground", 5, time(17, 0))
OVERNIGHT = ServiceLevel("ups", "1DA", "UPS Next Day Air", 1, time(16, 0))
RENO = "America/Los_Angeles"


def test_a_parcel_ready_before_the_cut_off_is_picked_up_that_day_in_the_facility_zone() -> None:
    ready = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)  # Monday 15:00 in Reno
    assert pickup_at(ready, RENO, time(17, 0), MON_TO_SAT) == datetime(2026, 11, 17, 1, 0, tzinfo=UTC)


def test_a_parcel_ready_after_the_cut_off_waits_for_the_next_pickup_day() -> None:
    ready = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Monday 18:00 in Reno
    assert pickup_at(ready, RENO, time(17, 0), MON_TO_SAT).date() == date(2026, 11, 17)
    assert delivery_date(ready, RENO, OVERNIGHT, MON_TO_SAT) == date(2026, 11, 18)


def test_no_pickup_on_sunday_nor_on_a_holiday() -> None:
    saturday_evening = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # Saturday 19:00 in Reno
    assert pickup_at(saturday_evening, RENO, time(17, 0), MON_TO_SAT).date() == date(2026, 11, 23)
    thanksgiving_morning = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert pickup_at(thanksgiving_morning, RENO, time(17, 0), MON_TO_SAT).date() == date(2026, 11, 27)


def test_transit_days_skip_sundays_and_holidays() -> None:
    monday_morning = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 09:00 in Reno, picked up that day
    # Tue 24, Wed 25, (Thanksgiving 26), Fri 27, Sat 28, (Sunday 29), Mon 30
    assert delivery_date(monday_morning, RENO, GROUND, MON_TO_SAT) == date(2026, 11, 30)


def test_weekdays_outside_the_week_are_refused() -> None:
    with pytest.raises(ValueError, match="calendar.pickup_weekdays"):
        CarrierCalendar(
            pickup_weekdays=frozenset({7}), delivery_weekdays=frozenset({0}), holiday_country="US"
        )
