"""Labor standards and allowances as data: pipeline/labor/standards.json, validated when loaded.

Per process (pick, pack, ship): its driver (the unit its work is counted in: order lines, units or
orders), the events that show an operator at work on it and the events that count the work done. Per
facility, or per kind of facility for one not listed: the engineered rate of each process per person and
hour, and the utilization and absence allowances (the file's defaults unless the entry sets its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.master_data import facilities, facility
from pipeline.taxonomy import latest_definitions

STANDARDS_FILE = Path(__file__).resolve().parent / "standards.json"

Process = Literal["pick", "pack", "ship"]
Driver = Literal["orders", "lines", "units"]
PROCESSES: tuple[Process, ...] = ("pick", "pack", "ship")
DRIVERS: tuple[Driver, ...] = ("orders", "lines", "units")

Rate = Annotated[float, Field(gt=0, le=10_000)]


class Allowances(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    utilization: float = Field(gt=0, le=1, description="Share of a paid hour spent on direct work")
    absence: float = Field(ge=0, lt=1, description="Share of rostered people who do not come in")


class ProcessDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1)
    driver: Driver
    operator_events: tuple[str, ...] = Field(min_length=1)
    volume_events: tuple[str, ...] = Field(min_length=1)

    @field_validator("operator_events", "volume_events")
    @classmethod
    def _known_event_types(cls, event_types: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(event_types) - set(latest_definitions()))
        if unknown:
            raise ValueError(f"unknown event type(s) {unknown}; event types are in pipeline/schemas/events")
        return event_types


class FacilityStandard(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    utilization: float | None = Field(default=None, gt=0, le=1)
    absence: float | None = Field(default=None, ge=0, lt=1)
    rates: dict[Process, Rate] = Field(description="Per person and productive hour, in the process's driver")

    @field_validator("rates")
    @classmethod
    def _every_process(cls, rates: dict[str, float]) -> dict[str, float]:
        missing = [process for process in PROCESSES if process not in rates]
        if missing:
            raise ValueError(f"rates needs a rate for every process {list(PROCESSES)}; missing {missing}")
        return rates


class LaborStandards(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    comment: str = Field(default="", alias="_comment")
    planned_facilities: tuple[str, ...] = Field(min_length=1)
    defaults: Allowances
    processes: dict[Process, ProcessDefinition]
    by_kind: dict[Literal["dc", "store"], FacilityStandard]
    facilities: dict[str, FacilityStandard]

    @field_validator("processes")
    @classmethod
    def _every_process_defined(cls, processes: dict[str, ProcessDefinition]) -> dict[str, ProcessDefinition]:
        missing = [process for process in PROCESSES if process not in processes]
        if missing:
            raise ValueError(f"processes must define {list(PROCESSES)}; missing {missing}")
        return {process: processes[process] for process in PROCESSES}

    @field_validator("by_kind")
    @classmethod
    def _both_kinds(cls, by_kind: dict[str, FacilityStandard]) -> dict[str, FacilityStandard]:
        missing = sorted({"dc", "store"} - set(by_kind))
        if missing:
            raise ValueError(f"by_kind needs an entry for every kind of facility; missing {missing}")
        return by_kind

    @field_validator("planned_facilities", "facilities")
    @classmethod
    def _known_facilities(cls, entries: Any) -> Any:
        known = {item.facility_id for item in facilities()}
        unknown = sorted(set(entries) - known)
        if unknown:
            raise ValueError(f"unknown facility id(s) {unknown}; facilities are listed in db/reference")
        return entries

    def for_facility(self, facility_id: str) -> FacilityLabor:
        """The standard of one facility: its own entry, else its kind's, with the allowances filled in."""
        entry = self.facilities.get(facility_id) or self.by_kind[facility(facility_id).kind]
        return FacilityLabor(
            facility_id=facility_id,
            utilization=entry.utilization if entry.utilization is not None else self.defaults.utilization,
            absence=entry.absence if entry.absence is not None else self.defaults.absence,
            rates={process: entry.rates[process] for process in PROCESSES},
            drivers={process: self.processes[process].driver for process in PROCESSES},
        )


@dataclass(frozen=True)
class FacilityLabor:
    """Everything the staffing arithmetic needs for one facility."""

    facility_id: str
    utilization: float
    absence: float
    rates: dict[str, float]  # process -> driver units per person and productive hour
    drivers: dict[str, str]  # process -> orders | lines | units


def parse_standards(document: Any) -> LaborStandards:
    """Validate a standards document; pydantic's error names the field and the rule it broke."""
    return LaborStandards.model_validate(document)


@cache
def labor_standards(path: Path = STANDARDS_FILE) -> LaborStandards:
    """The standards file, read and validated once per process."""
    return parse_standards(json.loads(path.read_text()))


def facility_labor(facility_id: str) -> FacilityLabor:
    return labor_standards().for_facility(facility_id)
