"""When a parcel would arrive by the carrier's committed service level: handed over at the first pickup
cut-off (facility-local time, on a pickup day that is not a holiday) at or after it is ready, then
delivered after the committed transit business days (delivery days, holidays skipped).

This is the promise a recovery option is held to; it is pure (no I/O), so the playbook can weigh every
facility and service before it acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from pipeline.playbooks.policy import CarrierCalendar

SEARCH_DAYS = 60  # a pickup day is always found well within this (the calendar needs one working weekday)


@dataclass(frozen=True)
class ServiceLevel:
    carrier_id: str
    service_code: str
    name: str
    transit_business_days: int
    pickup_cutoff_local: time


@lru_cache(maxsize=8)
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def _working(day: date, weekdays: frozenset[int], country: str) -> bool:
    return day.weekday() in weekdays and day not in _holidays(country)


def pickup_at(ready_at: datetime, origin_zone: str, cutoff: time, calendar: CarrierCalendar) -> datetime:
    """The first pickup cut-off at the origin at or after `ready_at` (an aware instant, origin zone)."""
    zone = ZoneInfo(origin_zone)
    day = ready_at.astimezone(zone).date()
    for _ in range(SEARCH_DAYS):
        if _working(day, calendar.pickup_weekdays, calendar.holiday_country):
            cutoff_at = datetime.combine(day, cutoff, tzinfo=zone)
            if cutoff_at >= ready_at:
                return cutoff_at
        day += timedelta(days=1)
    raise ValueError(f"calendar.pickup_weekdays: no pickup day within {SEARCH_DAYS} days of {ready_at}")


def delivery_date(
    ready_at: datetime, origin_zone: str, service: ServiceLevel, calendar: CarrierCalendar
) -> date:
    """The committed delivery date of a parcel ready at `ready_at` at a facility in `origin_zone`."""
    day = pickup_at(ready_at, origin_zone, service.pickup_cutoff_local, calendar).date()
    weekdays, country = calendar.delivery_weekdays, calendar.holiday_country
    while not _working(day, weekdays, country):
        day += timedelta(days=1)
    for _ in range(service.transit_business_days):
        day += timedelta(days=1)
        while not _working(day, weekdays, country):
            day += timedelta(days=1)
    return day
