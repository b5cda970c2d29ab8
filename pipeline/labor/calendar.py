"""The demand calendar: peak days and US federal holidays with the factor each puts on a day's demand.

Data in pipeline/labor/demand_calendar.json, validated when loaded. A history of a few weeks cannot
teach a model what Black Friday does, so the planners' factor is applied on top of the model, and taken
out of the history it learns from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator

CALENDAR_FILE = Path(__file__).resolve().parent / "demand_calendar.json"


class PeakDay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    day: date = Field(alias="date")
    name: str = Field(min_length=1)
    factor: float = Field(gt=0, le=10, description="Multiplies the day's expected demand")


@dataclass(frozen=True)
class CalendarDay:
    """A day the calendar names: a peak day or a holiday, and its demand factor."""

    day: date
    name: str
    factor: float


class DemandCalendar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    comment: str = Field(default="", alias="_comment")
    holiday_factor: float = Field(
        gt=0, le=10, description="Factor of a federal holiday not listed as a peak day"
    )
    peak_days: tuple[PeakDay, ...]

    @field_validator("peak_days")
    @classmethod
    def _one_entry_per_day(cls, peak_days: tuple[PeakDay, ...]) -> tuple[PeakDay, ...]:
        days = [item.day for item in peak_days]
        repeated = sorted({day.isoformat() for day in days if days.count(day) > 1})
        if repeated:
            raise ValueError(f"a day may be listed once; repeated: {repeated}")
        return peak_days

    def named_days(self, first: date, last: date) -> list[CalendarDay]:
        """Peak days and holidays from `first` to `last` (included), in date order."""
        named = {
            day: CalendarDay(day, name, self.holiday_factor)
            for day, name in holidays.US(years=range(first.year, last.year + 1), observed=False).items()
            if first <= day <= last
        }
        named.update(
            {
                item.day: CalendarDay(item.day, item.name, item.factor)
                for item in self.peak_days
                if first <= item.day <= last
            }
        )
        return [named[day] for day in sorted(named)]

    def factors(self, first: date, last: date) -> dict[date, float]:
        """The demand factor of every named day from `first` to `last`; a day not in it has factor 1."""
        return {item.day: item.factor for item in self.named_days(first, last)}


def parse_calendar(document: Any) -> DemandCalendar:
    return DemandCalendar.model_validate(document)


@cache
def demand_calendar(path: Path = CALENDAR_FILE) -> DemandCalendar:
    """The calendar file, read and validated once per process."""
    return parse_calendar(json.loads(path.read_text()))
