"""The exception rules and their thresholds: data in rules.json, validated when loaded.

Thresholds are looked up per facility and carrier: the defaults, overridden by the facility's kind
(dc, store), then by the facility, then by the carrier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from db.master_data import carriers, facilities
from pipeline.taxonomy import latest_definitions

RULES_FILE = Path(__file__).resolve().parent / "rules.json"

RootCause = Literal[
    "inventory_mismatch", "carrier_delay", "address_issue", "damage", "lost", "silent_carrier", "other",
    "pipeline_health",
]  # fmt: skip
Severity = Literal["low", "medium", "high", "critical"]
ResolveWhen = Literal["delivered", "packed_or_shipped", "scanned_since", "picked", "stage_moved", "manual"]
SILENT_RULES = ("NO_SCAN_AFTER_LABEL", "NO_SCAN_AFTER_PICKUP", "SHIP_BY_AT_RISK", "STAGE_STUCK")
FULFILLMENT_STAGES = (
    "received",
    "allocated",
    "released",
    "picking",
    "picked",
    "packed",
    "labeled",
    "staged",
    "ready_for_pickup",
)


def _known_stages(value: dict[str, int]) -> dict[str, int]:
    for stage, minutes in value.items():
        if stage not in FULFILLMENT_STAGES:
            raise ValueError(f"stage_minutes.{stage}: not a fulfillment stage {FULFILLMENT_STAGES}")
        if minutes <= 0:
            raise ValueError(f"stage_minutes.{stage}: must be positive minutes, got {minutes}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleOverride(_Strict):
    root_cause: RootCause | None = None
    severity: Severity | None = None
    resolve_when: ResolveWhen | None = None
    message_type: str | None = None


class Rule(_Strict):
    """What an exception of this type is: its root cause, how bad, when it is over, what to tell the customer."""

    root_cause: RootCause
    severity: Severity
    resolve_when: ResolveWhen
    message_type: str | None = Field(description="Template of pipeline/notify/templates.json; null: none")
    overdue_severity: Severity | None = None
    by_reason: dict[str, RuleOverride] = Field(default_factory=dict)

    def for_reason(self, reason: object) -> Rule:
        """This rule as it applies to an event whose attributes.reason is `reason`."""
        override = self.by_reason.get(reason) if isinstance(reason, str) else None
        if override is None:
            return self
        changes = override.model_dump(exclude_none=True)
        return self.model_copy(update={**changes, "by_reason": {}})


class ThresholdOverride(_Strict):
    no_scan_after_label_hours: float | None = Field(default=None, gt=0)
    no_scan_after_pickup_hours: float | None = Field(default=None, gt=0)
    ship_by_warning_hours: float | None = Field(default=None, ge=0)
    promise_risk_hours: float | None = Field(default=None, ge=0)
    stage_minutes: dict[str, int] = Field(default_factory=dict)

    @field_validator("stage_minutes")
    @classmethod
    def _stages(cls, value: dict[str, int]) -> dict[str, int]:
        return _known_stages(value)


class Thresholds(_Strict):
    """The limits that apply to one facility and carrier."""

    no_scan_after_label_hours: float = Field(gt=0)
    no_scan_after_pickup_hours: float = Field(gt=0)
    ship_by_warning_hours: float = Field(ge=0)
    promise_risk_hours: float = Field(ge=0)
    stage_minutes: dict[str, int]

    @field_validator("stage_minutes")
    @classmethod
    def _stages(cls, value: dict[str, int]) -> dict[str, int]:
        return _known_stages(value)

    def merged(self, override: ThresholdOverride | None) -> Thresholds:
        if override is None:
            return self
        changes: dict[str, Any] = override.model_dump(exclude_none=True, exclude={"stage_minutes"})
        changes["stage_minutes"] = {**self.stage_minutes, **override.stage_minutes}
        return self.model_copy(update=changes)


class ThresholdTable(_Strict):
    default: Thresholds
    facility_kinds: dict[Literal["dc", "store"], ThresholdOverride] = Field(default_factory=dict)
    facilities: dict[str, ThresholdOverride] = Field(default_factory=dict)
    carriers: dict[str, ThresholdOverride] = Field(default_factory=dict)

    @field_validator("facilities")
    @classmethod
    def _known_facilities(cls, value: dict[str, ThresholdOverride]) -> dict[str, ThresholdOverride]:
        known = {item.facility_id for item in facilities()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"thresholds.facilities: unknown facility {unknown} (db/reference/facilities.json)"
            )
        return value

    @field_validator("carriers")
    @classmethod
    def _known_carriers(cls, value: dict[str, ThresholdOverride]) -> dict[str, ThresholdOverride]:
        known = {item.carrier_id for item in carriers()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"thresholds.carriers: unknown carrier {unknown} (db/reference/carriers.json)")
        return value


class RuleBook(_Strict):
    event_rules: dict[str, Rule]
    silent_rules: dict[str, Rule]
    thresholds: ThresholdTable
    # Raised by other jobs than the detector (pipeline/quality/health_job.py: a source gone silent, …).
    health_rules: dict[str, Rule] = Field(default_factory=dict)

    @field_validator("event_rules")
    @classmethod
    def _registered_types(cls, value: dict[str, Rule]) -> dict[str, Rule]:
        registered = latest_definitions()
        for event_type, rule in value.items():
            if event_type not in registered:
                raise ValueError(f"event_rules.{event_type}: not a registered event type")
            reasons = registered[event_type].attributes_schema.get("properties", {}).get("reason", {})
            for reason in rule.by_reason:
                if reason not in reasons.get("enum", ()):
                    raise ValueError(
                        f"event_rules.{event_type}.by_reason.{reason}: not a reason of {event_type}"
                    )
        return value

    @model_validator(mode="after")
    def _every_silent_rule(self) -> RuleBook:
        missing = sorted(set(SILENT_RULES) - set(self.silent_rules))
        extra = sorted(set(self.silent_rules) - set(SILENT_RULES))
        if missing or extra:
            raise ValueError(
                f"silent_rules: expected exactly {SILENT_RULES}; missing {missing}, unknown {extra}"
            )
        return self

    def rule(self, exception_type: str) -> Rule:
        """The rule of an event type or silent rule name."""
        found = (
            self.event_rules.get(exception_type)
            or self.silent_rules.get(exception_type)
            or self.health_rules.get(exception_type)
        )
        if found is None:
            raise KeyError(f"no exception rule {exception_type!r} in {RULES_FILE.name}")
        return found

    def thresholds_for(self, facility_id: str | None, carrier_id: str | None = None) -> Thresholds:
        return _thresholds(self.thresholds, facility_id, carrier_id)

    def message_types(self) -> set[str]:
        rules = [*self.event_rules.values(), *self.silent_rules.values()]
        found = {rule.message_type for rule in rules}
        found |= {o.message_type for rule in rules for o in rule.by_reason.values()}
        return {name for name in found if name}


def _thresholds(table: ThresholdTable, facility_id: str | None, carrier_id: str | None) -> Thresholds:
    kinds: dict[str, str] = {item.facility_id: item.kind for item in facilities()}
    result = table.default
    if facility_id is not None:
        kind = kinds.get(facility_id)
        if kind in table.facility_kinds:
            result = result.merged(table.facility_kinds[kind])  # type: ignore[index]
        result = result.merged(table.facilities.get(facility_id))
    if carrier_id is not None:
        result = result.merged(table.carriers.get(carrier_id))
    return result


def parse_rules(document: Mapping[str, Any]) -> RuleBook:
    return RuleBook.model_validate({key: value for key, value in document.items() if not key.startswith("_")})


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """The rule book, read and validated once per process."""
    return parse_rules(json.loads(path.read_text()))
