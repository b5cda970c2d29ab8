"""The ETA policy: thresholds and carrier calendars as data (policy.json), validated when loaded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

POLICY_FILE = Path(__file__).resolve().parent / "policy.json"


class PolicyError(ValueError):
    """policy.json breaks a rule; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _weekdays(value: tuple[int, ...]) -> tuple[int, ...]:
    if not value or any(day < 0 or day > 6 for day in value) or len(set(value)) != len(value):
        raise ValueError("weekdays are distinct numbers 0 (Monday) to 6 (Sunday), at least one")
    return tuple(sorted(value))


class CarrierCalendarPolicy(_Strict):
    """The days a carrier picks up at our facilities and delivers to customers (US holidays excepted)."""

    pickup_weekdays: tuple[int, ...]
    delivery_weekdays: tuple[int, ...]

    @field_validator("pickup_weekdays", "delivery_weekdays")
    @classmethod
    def _valid_weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _weekdays(value)


class EtaPolicy(_Strict):
    min_lane_samples: int = Field(ge=1, description="Below this, a lane falls back to the service level")
    lookback_days: int = Field(ge=1, le=730, description="Deliveries older than this leave a lane's model")
    window_quantiles: tuple[float, float]
    likely_quantile: float = Field(gt=0, lt=1)
    window_uncertainty_z: float = Field(
        ge=0,
        le=3,
        description="Standard errors of the quantile estimate added to each side of a lane's window",
    )
    holiday_country: str = Field(pattern=r"^[A-Z]{2}$")
    service_level_weekdays: tuple[int, ...]
    default_calendar: CarrierCalendarPolicy
    carrier_calendars: dict[str, CarrierCalendarPolicy]
    typical_delivery_local_time: time
    delivery_day_end_local_time: time
    delay_without_date_days: int = Field(ge=0, le=10)
    material_change_hours: float = Field(gt=0)

    @field_validator("service_level_weekdays")
    @classmethod
    def _valid_weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _weekdays(value)

    @model_validator(mode="after")
    def _ordered_quantiles(self) -> EtaPolicy:
        low, high = self.window_quantiles
        if not 0 < low < self.likely_quantile < high < 1:
            raise ValueError("window_quantiles: need 0 < low < likely_quantile < high < 1")
        if self.typical_delivery_local_time >= self.delivery_day_end_local_time:
            raise ValueError("typical_delivery_local_time must be before delivery_day_end_local_time")
        return self

    def calendar_for(self, carrier_id: str | None) -> CarrierCalendarPolicy:
        return self.carrier_calendars.get(carrier_id or "", self.default_calendar)


def parse_policy(document: Mapping[str, Any], source: str = POLICY_FILE.name) -> EtaPolicy:
    try:
        return EtaPolicy.model_validate({k: v for k, v in document.items() if not k.startswith("_")})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "policy"
        raise PolicyError(f"{source}: {where}: {first['msg']}") from None


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_FILE) -> EtaPolicy:
    """The policy file, read once per process."""
    return parse_policy(json.loads(path.read_text()), path.name)
