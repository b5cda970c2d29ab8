"""Targets and baseline periods per KPI: data in pipeline/kpi_targets.json, validated when loaded.

The baseline is either the first N days of a KPI's history (`{"first_days": 28}`) or fixed dates
(`{"from": "2026-09-01", "to": "2026-09-28"}`); the file's top-level `baseline` applies to every KPI
without one of its own. A target may differ per facility (`by_facility`), e.g. orders packed per shift
at a DC and at a store.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.kpis.definitions import KPI_KEYS

TARGETS_FILE = Path(__file__).resolve().parent.parent / "kpi_targets.json"


class FirstDaysBaseline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first_days: int = Field(ge=1, le=366, description="The first N days of the KPI's history")

    def period(self, history_start: date) -> tuple[date, date]:
        return history_start, history_start + timedelta(days=self.first_days - 1)

    def describe(self) -> str:
        return f"first {self.first_days} days of history"


class FixedBaseline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> FixedBaseline:
        if self.last < self.first:
            raise ValueError(f"baseline 'to' ({self.last}) is before 'from' ({self.first})")
        return self

    def period(self, history_start: date) -> tuple[date, date]:
        return self.first, self.last

    def describe(self) -> str:
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"


Baseline = FirstDaysBaseline | FixedBaseline


class KpiTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: Annotated[float, Field(ge=0)]
    by_facility: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    baseline: Baseline | None = None

    def target_for(self, facility_id: str | None) -> float:
        return self.by_facility.get(facility_id, self.target) if facility_id else self.target


class KpiTargets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline: Baseline
    kpis: dict[str, KpiTarget]

    @field_validator("kpis")
    @classmethod
    def _every_kpi_once(cls, kpis: dict[str, KpiTarget]) -> dict[str, KpiTarget]:
        unknown = sorted(set(kpis) - set(KPI_KEYS))
        missing = [key for key in KPI_KEYS if key not in kpis]
        if unknown:
            raise ValueError(f"unknown KPI(s) {unknown}; KPIs are {list(KPI_KEYS)}")
        if missing:
            raise ValueError(f"no target for KPI(s) {missing}")
        return kpis

    def target(self, key: str, facility_id: str | None = None) -> float:
        return self.kpis[key].target_for(facility_id)

    def baseline_for(self, key: str) -> Baseline:
        return self.kpis[key].baseline or self.baseline


def parse_targets(document: Any) -> KpiTargets:
    """Validate a targets document; pydantic's error names the field and the rule it broke."""
    return KpiTargets.model_validate(document)


@cache
def kpi_targets(path: Path = TARGETS_FILE) -> KpiTargets:
    """The targets file, read and validated once per process."""
    return parse_targets(json.loads(path.read_text()))
