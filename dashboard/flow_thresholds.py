"""The live flow's settings as data: dashboard/flow_thresholds.json, validated when loaded.

Per facility (or, for a facility not listed, per kind of facility): when each stage counts as a
bottleneck, and the orders planned to be packed and shipped in each facility-local hour. The plan is
read through `throughput_plan` alone, so the labor forecast can replace it in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.master_data import facilities, facility

THRESHOLDS_FILE = Path(__file__).resolve().parent / "flow_thresholds.json"

# The stages a floor works through, in flow order, with the words the floor uses for them.
LIVE_FLOW_STAGES: dict[str, str] = {
    "allocated": "Allocated",
    "released": "Released",
    "picking": "Picking",
    "picked": "Picked",
    "packed": "Packed",
    "labeled": "Labeled",
    "staged": "Staged",
    "handed_to_carrier": "Handed to carrier",
}
# Open orders in these stages have not left the building: they can still miss their ship-by.
FLOOR_STAGES: tuple[str, ...] = tuple(stage for stage in LIVE_FLOW_STAGES if stage != "handed_to_carrier")


class StageLimit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    oldest_minutes: int = Field(
        ge=1, description="Red when the oldest open order has been in the stage longer"
    )
    growth_orders: int | None = Field(
        ge=1, description="Red when the stage holds more than this many orders more than a window ago"
    )


class HourlyPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    packed: tuple[int, ...] = Field(min_length=24, max_length=24, description="Local hours 00..23")
    shipped: tuple[int, ...] = Field(min_length=24, max_length=24, description="Local hours 00..23")

    @field_validator("packed", "shipped")
    @classmethod
    def _not_negative(cls, orders: tuple[int, ...]) -> tuple[int, ...]:
        negative = [hour for hour, value in enumerate(orders) if value < 0]
        if negative:
            raise ValueError(f"planned orders must be 0 or more; negative at local hour(s) {negative}")
        return orders


class FacilityFlow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: dict[str, StageLimit]
    plan_per_hour: HourlyPlan

    @field_validator("stages")
    @classmethod
    def _every_stage(cls, stages: dict[str, StageLimit]) -> dict[str, StageLimit]:
        missing = [stage for stage in LIVE_FLOW_STAGES if stage not in stages]
        unknown = sorted(set(stages) - set(LIVE_FLOW_STAGES))
        if missing or unknown:
            raise ValueError(
                f"stages must list exactly {list(LIVE_FLOW_STAGES)}; missing {missing}, unknown {unknown}"
            )
        return {stage: stages[stage] for stage in LIVE_FLOW_STAGES}


class FlowThresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    comment: str = Field(default="", alias="_comment")
    refresh_seconds: int = Field(ge=2, le=300, description="How often the live flow reloads its figures")
    growth_window_minutes: int = Field(ge=5, le=240, description="How far back queue growth is measured")
    snapshot_retention_hours: int = Field(ge=1, le=24 * 14, description="How long per-minute counts are kept")
    at_risk_within_hours: float = Field(gt=0, le=72, description="Ship-by within this many hours: at risk")
    at_risk_rows: int = Field(ge=1, le=50, description="At-risk orders listed, oldest ship-by first")
    feed_silent_minutes: int = Field(ge=1, description="The facility's feed is flagged after this long quiet")
    by_kind: dict[Literal["dc", "store"], FacilityFlow]
    facilities: dict[str, FacilityFlow]

    @field_validator("by_kind")
    @classmethod
    def _both_kinds(cls, by_kind: dict[str, FacilityFlow]) -> dict[str, FacilityFlow]:
        missing = sorted({"dc", "store"} - set(by_kind))
        if missing:
            raise ValueError(f"by_kind needs an entry for every kind of facility; missing {missing}")
        return by_kind

    @field_validator("facilities")
    @classmethod
    def _known_facilities(cls, entries: dict[str, FacilityFlow]) -> dict[str, FacilityFlow]:
        known = {item.facility_id for item in facilities()}
        unknown = sorted(set(entries) - known)
        if unknown:
            raise ValueError(f"unknown facility id(s) {unknown}; facilities are listed in db/reference")
        return entries


@dataclass(frozen=True)
class ThroughputPlan:
    """Orders planned for one facility-local hour."""

    packed: int
    shipped: int


@cache
def flow_thresholds() -> FlowThresholds:
    """The live flow's settings, read once from dashboard/flow_thresholds.json."""
    return FlowThresholds.model_validate(json.loads(THRESHOLDS_FILE.read_text()))


def facility_flow(facility_id: str) -> FacilityFlow:
    """The limits and plan of one facility: its own entry, else the entry of its kind."""
    settings = flow_thresholds()
    own = settings.facilities.get(facility_id)
    return own if own is not None else settings.by_kind[facility(facility_id).kind]


def throughput_plan(facility_id: str, local_hour: datetime) -> ThroughputPlan:
    """Orders planned to be packed and shipped at `facility_id` in the hour starting at `local_hour`
    (facility-local, aware). The one place the plan is read: the labor forecast replaces it here."""
    plan = facility_flow(facility_id).plan_per_hour
    return ThroughputPlan(packed=plan.packed[local_hour.hour], shipped=plan.shipped[local_hour.hour])
