"""The data-quality rules and thresholds: data in pipeline/quality/*.json, validated when loaded.

timestamps.json (the quality gate's time rules), gaps.json (the backfill's lifecycle gaps),
sku_master.json (units, unit errors, duplicate variants), health.json (pipeline-health thresholds).
A typo fails loudly, naming the file, the field and the rule.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.projection import STAGES_FILE
from pipeline.taxonomy import latest_definitions

HERE = Path(__file__).resolve().parent
TIMESTAMPS_FILE = HERE / "timestamps.json"
GAPS_FILE = HERE / "gaps.json"
SKU_MASTER_FILE = HERE / "sku_master.json"
HEALTH_FILE = HERE / "health.json"


class RulebookError(ValueError):
    """A quality rules file that does not validate: the file, then pydantic's field-by-field account."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SequenceLimits(_Strict):
    sources: tuple[str, ...] = Field(
        description="Source names or prefixes (`wms:`) whose sequence is checked"
    )
    neighbours: int = Field(ge=1, le=50, description="Rows on each side a row is compared with")
    min_neighbours: int = Field(ge=1, description="Fewer rows on a side: that side is not judged")
    ahead_tolerance_minutes: float = Field(gt=0)
    late_upload_hours: float = Field(
        gt=0, description="How much older than the rows around it a late upload may be"
    )
    fold_tolerance_minutes: float = Field(gt=0)
    bracket_minutes: float = Field(gt=0, description="Neighbours this close bracket a corrected time")

    @model_validator(mode="after")
    def _enough(self) -> SequenceLimits:
        if self.min_neighbours > self.neighbours:
            raise ValueError(f"min_neighbours ({self.min_neighbours}) exceeds neighbours ({self.neighbours})")
        return self

    def covers(self, source: str) -> bool:
        return any(
            source == name or (name.endswith(":") and source.startswith(name)) for name in self.sources
        )


class TimestampLimits(_Strict):
    earliest_valid: datetime
    future_tolerance_minutes: float = Field(ge=0)
    before_order_tolerance_minutes: float = Field(ge=0)
    sequence: SequenceLimits

    @field_validator("earliest_valid")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("earliest_valid needs an offset (e.g. Z)")
        return value

    @property
    def future_tolerance(self) -> timedelta:
        return timedelta(minutes=self.future_tolerance_minutes)

    @property
    def before_order_tolerance(self) -> timedelta:
        return timedelta(minutes=self.before_order_tolerance_minutes)


class GapRule(_Strict):
    scope: Literal["order", "shipment"]
    evidence: tuple[str, ...] = Field(min_length=1)
    missing: str
    unless_any: tuple[str, ...] = ()
    description: str = Field(min_length=1)


class GapRules(_Strict):
    settle_minutes: float = Field(ge=0, description="Evidence younger than this is not a gap yet")
    infer_after_minutes: float = Field(ge=0, description="Wait after a re-fetch before inferring")
    lookback_days: float = Field(gt=0)
    max_gaps_per_run: int = Field(ge=1)
    rules: dict[str, GapRule] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _registered_types(cls, rules: dict[str, GapRule]) -> dict[str, GapRule]:
        registered = latest_definitions()
        for name, rule in rules.items():
            for event_type in (*rule.evidence, rule.missing, *rule.unless_any):
                if event_type not in registered:
                    raise ValueError(f"rules.{name}: {event_type!r} is not a registered event type")
            stages = {str(registered[t].stage) for t in (*rule.evidence, rule.missing)}
            if rule.scope == "shipment" and stages != {"carrier"}:
                raise ValueError(f"rules.{name}: a shipment gap is between carrier-stage types, got {stages}")
        return rules


class UnitEntry(_Strict):
    per_unit: float = Field(gt=0, description="Kilograms (or centimetres) in one of this unit")
    aliases: tuple[str, ...] = ()


class UnitError(_Strict):
    typed_in: str
    labelled: str


class SkuMasterRules(_Strict):
    weight_units: dict[str, UnitEntry] = Field(min_length=1)
    dimension_units: dict[str, UnitEntry] = Field(min_length=1)
    unit_errors: tuple[UnitError, ...]
    min_off_factor: float = Field(gt=1)
    match_tolerance: float = Field(gt=1)
    min_category_skus: int = Field(ge=1)
    canonical_pattern: str

    @field_validator("canonical_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"canonical_pattern: not a regular expression ({error})") from None
        return value

    @model_validator(mode="after")
    def _known_units(self) -> SkuMasterRules:
        for index, error in enumerate(self.unit_errors):
            for field in ("typed_in", "labelled"):
                if getattr(error, field) not in self.weight_units:
                    raise ValueError(f"unit_errors[{index}].{field}: not one of {sorted(self.weight_units)}")
        return self

    def weight_unit(self, typed: str | None) -> str | None:
        return _canonical_unit(self.weight_units, typed)

    def dimension_unit(self, typed: str | None) -> str | None:
        return _canonical_unit(self.dimension_units, typed)

    def error_factor(self, error: UnitError) -> float:
        """How many times too heavy a weight typed in `typed_in` and read as `labelled` comes out."""
        return self.weight_units[error.labelled].per_unit / self.weight_units[error.typed_in].per_unit


def _canonical_unit(table: dict[str, UnitEntry], typed: str | None) -> str | None:
    if typed is None:
        return None
    wanted = typed.strip().lower()
    for name, entry in table.items():
        if wanted == name.lower() or wanted in (alias.lower() for alias in entry.aliases):
            return name
    return None


class HealthLimits(_Strict):
    silence_factor: float = Field(gt=0)
    min_limit_minutes: float = Field(gt=0)
    max_limit_minutes: float = Field(gt=0)
    quiet_below_per_hour: float = Field(ge=0)
    latency_p95_max_ms: float = Field(gt=0)
    quarantine_rate_max: float = Field(ge=0, le=1)
    duplicate_rate_max: float = Field(ge=0, le=1)
    min_records_for_rates: int = Field(ge=1)
    missing_events_max_share: float = Field(ge=0, le=1)
    missing_events_min_count: int = Field(ge=0)


class HealthRules(_Strict):
    default: HealthLimits
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    history_days: int = Field(ge=1)
    latency_window_minutes: float = Field(gt=0)
    rate_window_minutes: float = Field(gt=0)
    keep_samples_days: float = Field(gt=0)
    stage_minutes: dict[str, int]

    @field_validator("sources")
    @classmethod
    def _overrides(cls, sources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, override in sources.items():
            unknown = sorted(set(override) - set(HealthLimits.model_fields))
            if unknown:
                raise ValueError(f"sources.{name}: unknown threshold(s) {unknown}")
        return sources

    @field_validator("stage_minutes")
    @classmethod
    def _known_stages(cls, stage_minutes: dict[str, int]) -> dict[str, int]:
        stages = {entry["stage"] for entry in json.loads(STAGES_FILE.read_text())["stages"].values()}
        for stage, minutes in stage_minutes.items():
            if stage not in stages:
                raise ValueError(f"stage_minutes.{stage}: not an order stage ({STAGES_FILE.name})")
            if minutes <= 0:
                raise ValueError(f"stage_minutes.{stage}: must be positive minutes, got {minutes}")
        return stage_minutes

    @model_validator(mode="after")
    def _every_override_valid(self) -> HealthRules:
        for name in self.sources:
            self.limits_for(name if ":" in name else f"{name}:x")
        return self

    def limits_for(self, source: str) -> HealthLimits:
        """The default limits, overridden by the source's kind, then by the source itself."""
        kind = source.split(":", 1)[0]
        merged = {**self.default.model_dump(), **self.sources.get(kind, {}), **self.sources.get(source, {})}
        return HealthLimits.model_validate(merged)


def _load(path: Path, model: type[_Strict]) -> Any:
    document = json.loads(path.read_text())
    try:
        return model.model_validate(
            {key: value for key, value in document.items() if not key.startswith("_")}
        )
    except ValidationError as error:
        raise RulebookError(f"{path.name}: {error}") from None


@lru_cache(maxsize=1)
def timestamp_limits(path: Path = TIMESTAMPS_FILE) -> TimestampLimits:
    return _load(path, TimestampLimits)


@lru_cache(maxsize=1)
def gap_rules(path: Path = GAPS_FILE) -> GapRules:
    return _load(path, GapRules)


@lru_cache(maxsize=1)
def sku_master_rules(path: Path = SKU_MASTER_FILE) -> SkuMasterRules:
    return _load(path, SkuMasterRules)


@lru_cache(maxsize=1)
def health_rules(path: Path = HEALTH_FILE) -> HealthRules:
    return _load(path, HealthRules)
