"""Working days in one zone: which local days a carrier works, and time measured on those days only.

A lane's transit is measured in *working hours*: the hours from pickup to delivery that fall on the
carrier's working days in the origin facility's zone. A parcel picked up on Saturday evening and
delivered on Monday afternoon has then travelled as long as one picked up on Monday evening and delivered
on Tuesday afternoon, so one distribution describes a lane whatever the weekday of the pickup. Holidays
come from the `holidays` package (a day that is a public holiday is not a working day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MAX_DAYS = 400  # no estimate walks further than this; a longer walk means a calendar with no working day


@lru_cache(maxsize=8)
def public_holidays(country: str) -> holidays.HolidayBase:
    """The country's public holidays (years are filled in as they are asked for)."""
    return holidays.country_holidays(country)


@dataclass(frozen=True)
class WorkingDays:
    zone: ZoneInfo
    weekdays: frozenset[int]
    holiday_country: str

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in public_holidays(self.holiday_country)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def day_start(self, day: date) -> datetime:
        """The UTC instant the local day begins (instants are UTC so that arithmetic is in real hours)."""
        return self.at(day, time(0))

    def at(self, day: date, wall: time) -> datetime:
        """The UTC instant of a local wall time (in a DST gap: the offset before the change)."""
        return datetime.combine(day, wall, self.zone).astimezone(UTC)

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after `day` (or `day` itself when `include` and it is one)."""
        candidate = day if include else day + timedelta(days=1)
        for _ in range(MAX_DAYS):
            if self.is_working(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError(f"weekdays {sorted(self.weekdays)}: no working day within {MAX_DAYS} days")

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself for 0)."""
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Hours of [start, end) that fall on working days; 0 when end is not after start."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = 0.0
        day = self.local_date(start)
        last = self.local_date(end)
        while day <= last:
            if self.is_working(day):
                low = max(start, self.day_start(day))
                high = min(end, self.day_start(day + timedelta(days=1)))
                if high > low:
                    total += (high - low).total_seconds() / 3600
            day += timedelta(days=1)
        return total

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` working hours after `start` (days off are skipped over)."""
        cursor = start.astimezone(UTC)
        remaining = max(hours, 0.0)
        day = self.local_date(start)
        for _ in range(MAX_DAYS):
            next_start = self.day_start(day + timedelta(days=1))
            if self.is_working(day):
                available = (next_start - cursor).total_seconds() / 3600
                if remaining <= available:
                    return cursor + timedelta(hours=remaining)
                remaining -= available
            cursor = next_start
            day += timedelta(days=1)
        raise ValueError(f"weekdays {sorted(self.weekdays)}: no working day within {MAX_DAYS} days")

    def next_cutoff(self, ready_at: datetime, cutoff: time) -> datetime:
        """The first pickup cut-off at or after `ready_at` on a working day."""
        day = self.local_date(ready_at)
        if self.is_working(day) and self.at(day, cutoff) >= ready_at:
            return self.at(day, cutoff)
        return self.at(self.next_working_day(day), cutoff)
