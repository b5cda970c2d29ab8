"""The calendars KPIs count in: carriers' business days and facilities' shift windows. Pure functions.

Business days are Monday to Friday except US federal holidays, observed days included (when July 4th is
a Saturday, Friday the 3rd is the holiday), from the `holidays` package. Shift windows are the facility's
shift calendar laid on real days: a shift's start and end wall times are read in the facility's zone
with Waypoint's one rule for local times (pipeline/facility_time.py: a time in a DST gap moves forward,
a repeated time is its first occurrence), so a night shift across the fall-back night lasts an hour longer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays

from db.master_data import Shift
from pipeline.facility_time import localize

_CALENDAR_SLACK_DAYS = 14  # past the last day asked for, so that a weekend at the end still finds Monday


@dataclass(frozen=True)
class CalendarDay:
    day: date
    business_index: int | None  # position among business days; None on weekends and holidays
    next_business_index: int  # the index of this day if it is a business day, else of the next one


@dataclass(frozen=True)
class ShiftWindow:
    facility_id: str
    day: date  # the day the shift starts: a night shift belongs to the evening it began
    shift: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC, exclusive


def federal_holidays(first: date, last: date) -> set[date]:
    return set(holidays.US(years=range(first.year, last.year + 1), observed=True))


def is_business_day(day: date, holiday_dates: set[date]) -> bool:
    return day.weekday() < 5 and day not in holiday_dates


def business_calendar(first: date, last: date) -> list[CalendarDay]:
    """Every day from `first` to `last` (and a fortnight beyond) with its business-day numbering:
    `deadline = day whose business_index == next_business_index(start) + n` adds n business days."""
    end = last + timedelta(days=_CALENDAR_SLACK_DAYS)
    holiday_dates = federal_holidays(first, end)
    days = [first + timedelta(days=offset) for offset in range((end - first).days + 1)]
    indexes: list[int | None] = []
    count = 0
    for day in days:
        if is_business_day(day, holiday_dates):
            indexes.append(count)
            count += 1
        else:
            indexes.append(None)
    result: list[CalendarDay] = []
    upcoming = count
    for day, index in zip(reversed(days), reversed(indexes), strict=True):
        if index is not None:
            upcoming = index
        result.append(CalendarDay(day, index, upcoming))
    result.reverse()
    return result


def shift_windows(
    facility_id: str, zone: str, shifts: Iterable[Shift], first_day: date, last_day: date
) -> Iterator[ShiftWindow]:
    """The windows of `shifts` that start on each day from `first_day` to `last_day`, as UTC instants."""
    shifts = list(shifts)
    day = first_day
    while day <= last_day:
        for shift in shifts:
            if day.weekday() not in shift.weekdays:
                continue
            end_day = day + timedelta(days=1) if shift.end <= shift.start else day
            yield ShiftWindow(
                facility_id,
                day,
                shift.name,
                localize(datetime.combine(day, shift.start), zone).utc,
                localize(datetime.combine(end_day, shift.end), zone).utc,
            )
        day += timedelta(days=1)
