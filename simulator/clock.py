"""Simulated time: hours as the unit of generation, instants as int64 microseconds since the Unix epoch (UTC),
and per-zone calendars that turn instants into local days and local wall times without a Python loop per row.

Everything in the world is a function of (seed, orders_per_month, hour): `hour_rng` gives the generator of
one hour and one stage, so a stage can change without shifting the random draws of the others.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 3600 * US
DAY_US = 86_400 * US
CALENDAR_FIRST_DAY = date(2015, 1, 1)
CALENDAR_DAYS = 366 * 35
EPOCH_DAY_OFFSET = (CALENDAR_FIRST_DAY - date(1970, 1, 1)).days


def hour_index(instant: datetime) -> int:
    """Whole hours since the Unix epoch of the hour that contains `instant`."""
    return int(instant.timestamp() // 3600)


def hour_start(index: int) -> datetime:
    return datetime.fromtimestamp(index * 3600, tz=UTC)


def to_us(instant: datetime) -> int:
    return int(round(instant.timestamp() * US))


def from_us(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(value))


def hour_rng(seed: int, hour: int, stage: int) -> np.random.Generator:
    """The random generator of one hour's orders for one lifecycle stage."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, hour, stage])))


def world_rng(seed: int, stage: int) -> np.random.Generator:
    """A generator for facts that do not belong to one hour (catalog, operators, storms)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1_000_003, stage])))


def uniform(rng: np.random.Generator, bounds: tuple[float, float], size: int) -> np.ndarray:
    return rng.uniform(bounds[0], bounds[1], size)


def minutes(rng: np.random.Generator, bounds: tuple[float, float], size: int) -> np.ndarray:
    """Durations in microseconds drawn uniformly from a [low, high] range given in minutes."""
    return (rng.uniform(bounds[0], bounds[1], size) * MINUTE_US).astype(np.int64)


class ZoneCalendar:
    """Local days of one IANA zone from 2015 on: day index 0 is 2015-01-01.

    `midnight[d]` is the true UTC instant of local midnight; `base[d]` is midnight as if the whole day had
    the noon offset, so `base[d] + wall seconds` is the right instant for wall times after a DST switch.
    """

    def __init__(self, zone: str) -> None:
        tz = ZoneInfo(zone)
        self.zone = zone
        midnight = np.empty(CALENDAR_DAYS, dtype=np.int64)
        base = np.empty(CALENDAR_DAYS, dtype=np.int64)
        for i in range(CALENDAR_DAYS):
            day = CALENDAR_FIRST_DAY + timedelta(days=i)
            local_midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            noon_offset = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
            midnight[i] = int(local_midnight.timestamp()) * US
            wall_epoch = (EPOCH_DAY_OFFSET + i) * 86_400
            base[i] = (wall_epoch - int(noon_offset.total_seconds())) * US
        self.midnight = midnight
        self.base = base
        offsets_changed = np.diff(base) != DAY_US
        self.transition_days = np.flatnonzero(offsets_changed) + 1
        forward = np.diff(base) < DAY_US
        self.spring_forward_days = np.flatnonzero(forward) + 1

    def day(self, instants: np.ndarray) -> np.ndarray:
        """Local day index of each instant."""
        return np.searchsorted(self.midnight, instants, side="right") - 1

    def wall_seconds(self, instants: np.ndarray) -> np.ndarray:
        """Seconds since local midnight on the wall clock."""
        return (instants - self.base[self.day(instants)]) / US

    def at(self, days: np.ndarray, wall_seconds: np.ndarray) -> np.ndarray:
        """The instant of a wall time (seconds after midnight) on local day `days`."""
        return self.base[days] + (np.asarray(wall_seconds) * US).astype(np.int64)

    @staticmethod
    def weekday(days: np.ndarray) -> np.ndarray:
        """0 = Monday … 6 = Sunday."""
        return (np.asarray(days) + CALENDAR_FIRST_DAY.weekday()) % 7


@lru_cache(maxsize=64)
def zone_calendar(zone: str) -> ZoneCalendar:
    return ZoneCalendar(zone)


def day_index(day: date) -> int:
    return (day - CALENDAR_FIRST_DAY).days


def day_date(index: int) -> date:
    return CALENDAR_FIRST_DAY + timedelta(days=int(index))


def business_days_after(
    days: np.ndarray, count: np.ndarray, weekdays: list[int], holidays: list[date]
) -> np.ndarray:
    """Local day index `count` working days after `days` (count 0 = that day if working, else the next)."""
    mask = [1 if weekday in weekdays else 0 for weekday in range(7)]
    as_dates = np.datetime64(CALENDAR_FIRST_DAY, "D") + np.asarray(days).astype("timedelta64[D]")
    shifted = np.busday_offset(
        as_dates,
        np.asarray(count),
        roll="forward",
        weekmask=mask,
        holidays=np.array(holidays, dtype="datetime64[D]"),
    )
    return (shifted - np.datetime64(CALENDAR_FIRST_DAY, "D")).astype(np.int64)
