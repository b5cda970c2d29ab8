"""When facilities work: shift windows (with peak-season extra shifts), wave releases during shifts, store
opening hours and carrier pickup cut-offs, as sorted arrays of UTC instants over a window of local days."""

from __future__ import annotations

from datetime import time
from functools import lru_cache

import numpy as np

from db.master_data import FacilityDefinition, facility
from simulator.clock import MINUTE_US, ZoneCalendar, day_date, zone_calendar
from simulator.parameters import PeakShift, load_parameters


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60


def _in_season(peak: PeakShift, day: int) -> bool:
    month_day = day_date(day).strftime("%m-%d")
    if peak.first_day <= peak.last_day:
        return peak.first_day <= month_day <= peak.last_day
    return month_day >= peak.first_day or month_day <= peak.last_day


def _shifts_on(definition: FacilityDefinition, day: int) -> list[tuple[str, time, time]]:
    weekday = int(ZoneCalendar.weekday(np.array([day]))[0])
    shifts = [(s.name, s.start, s.end) for s in definition.shift_calendar if weekday in s.weekdays]
    for peak in load_parameters().fulfillment.peak_shifts:
        applies = (
            peak.facility_id == definition.facility_id and weekday in peak.weekdays and _in_season(peak, day)
        )
        if applies and all(name != peak.name for name, _, _ in shifts):
            shifts.append((peak.name, peak.start, peak.end))
    return shifts


@lru_cache(maxsize=512)
def shift_windows(
    facility_id: str, first_day: int, days: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(starts, ends, shift names) of every shift starting on local days [first_day, first_day + days)."""
    definition = facility(facility_id)
    calendar = zone_calendar(definition.time_zone)
    starts, ends, names = [], [], []
    for day in range(first_day, first_day + days):
        for name, start, end in _shifts_on(definition, day):
            end_day = day + 1 if end <= start else day
            starts.append(int(calendar.at(np.array([day]), np.array([_seconds(start)]))[0]))
            ends.append(int(calendar.at(np.array([end_day]), np.array([_seconds(end)]))[0]))
            names.append(name)
    order = np.argsort(starts, kind="stable")
    return (
        np.array(starts, dtype=np.int64)[order],
        np.array(ends, dtype=np.int64)[order],
        tuple(names[i] for i in order),
    )


@lru_cache(maxsize=512)
def wave_releases(facility_id: str, first_day: int, days: int, interval_minutes: int) -> np.ndarray:
    """Wave release instants: every `interval_minutes` from each shift's start until 30 minutes before its end."""
    starts, ends, _ = shift_windows(facility_id, first_day, days)
    waves = [
        np.arange(start, end - 30 * MINUTE_US, interval_minutes * MINUTE_US, dtype=np.int64)
        for start, end in zip(starts, ends, strict=True)
    ]
    return np.unique(np.concatenate(waves)) if waves else np.empty(0, dtype=np.int64)


def next_at_or_after(instants: np.ndarray, schedule: np.ndarray) -> np.ndarray:
    """For each instant, the first schedule entry at or after it (the last entry when past the end)."""
    index = np.searchsorted(schedule, instants, side="left")
    return schedule[np.minimum(index, len(schedule) - 1)]


def within_windows(instants: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Move each instant into a working window: unchanged when inside one, else to the next window's start."""
    index = np.searchsorted(starts, instants, side="right") - 1
    inside = (index >= 0) & (instants < ends[np.maximum(index, 0)])
    following = starts[np.minimum(index + 1, len(starts) - 1)]
    return np.where(inside, instants, np.maximum(instants, following))


def window_index(instants: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the window each (in-window) instant belongs to."""
    return np.maximum(np.searchsorted(starts, instants, side="right") - 1, 0)


@lru_cache(maxsize=1024)
def pickup_cutoffs(
    facility_id: str, cutoff: time, first_day: int, days: int, weekdays: tuple[int, ...], holidays: tuple
) -> np.ndarray:
    """Instants of a carrier service's daily pickup cut-off at a facility, on pickup days only."""
    calendar = zone_calendar(facility(facility_id).time_zone)
    day_range = np.arange(first_day, first_day + days)
    working = np.isin(ZoneCalendar.weekday(day_range), weekdays)
    holiday_days = {(h - day_date(0)).days for h in holidays}
    working &= ~np.isin(day_range, list(holiday_days))
    picked = day_range[working]
    return calendar.at(picked, np.full(len(picked), _seconds(cutoff)))
