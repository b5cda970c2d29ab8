"""The simulated retailer's behaviour, read from simulator/parameters.json and destinations.json and
validated when loaded: a typo in a rate or a mix that does not add up fails loudly, naming the field."""

from __future__ import annotations

import json
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from db.master_data import carriers

DATA_DIR = Path(__file__).resolve().parent

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


def _ordered_range(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1] or value[0] < 0:
        raise ValueError(f"range {list(value)} must be [low, high] with 0 <= low <= high")
    return value


Range = Annotated[tuple[float, float], AfterValidator(_ordered_range)]


def _mix(value: dict[str, float]) -> dict[str, float]:
    total = sum(value.values())
    if abs(total - 1.0) > 1e-6 or any(share < 0 for share in value.values()):
        raise ValueError(f"shares must be >= 0 and add up to 1 (they add up to {total:.4f})")
    return value


Mix = Annotated[dict[str, float], AfterValidator(_mix)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecialDay(Strict):
    date: date
    factor: float = Field(gt=0)


class Demand(Strict):
    hour_of_day_profile: list[float] = Field(min_length=24, max_length=24)
    weekday_factors: list[float] = Field(min_length=7, max_length=7)
    monthly_growth: float = Field(ge=-0.2, le=0.2)
    trend_reference_date: date
    special_days: list[SpecialDay]
    channel_mix: Mix
    fulfillment_mix: Mix
    dc_overflow_share: Rate
    lines_per_order: list[float] = Field(min_length=1, max_length=6)
    qty_per_line: list[float] = Field(min_length=1)
    service_mix: Mix
    carrier_mix: Mix
    services: dict[str, dict[str, str]] = Field(description="service class -> carrier -> service code")
    local_service: dict[str, str] = Field(description="carrier -> service code for local store shipments")
    ontrac_regions: list[str]
    swiftmile_share_local_store_shipments: Rate

    @field_validator("lines_per_order", "qty_per_line")
    @classmethod
    def _distribution(cls, value: list[float]) -> list[float]:
        _mix({str(i): share for i, share in enumerate(value)})
        return value

    @field_validator("fulfillment_mix")
    @classmethod
    def _fulfillment_keys(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"dc", "ship_from_store", "store_pickup"}:
            raise ValueError("keys must be dc, ship_from_store, store_pickup")
        return value

    @field_validator("service_mix")
    @classmethod
    def _service_keys(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"ground", "two_day", "overnight"}:
            raise ValueError("keys must be ground, two_day, overnight")
        return value


class Category(Strict):
    name: str
    share: float = Field(gt=0)
    price: Range
    weight_kg: Range
    nouns: list[str] = Field(min_length=1)


class CatalogParameters(Strict):
    sku_count: int = Field(ge=10, le=100_000)
    zipf_exponent: float = Field(gt=0)
    zipf_rank_offset: float = Field(
        ge=0, description="Flattens the head: popularity ~ (rank + offset) ** -exponent"
    )
    store_assortment: int = Field(ge=1)
    categories: list[Category] = Field(min_length=1)
    adjectives: list[str] = Field(min_length=1)
    colors: list[str] = Field(min_length=1)


class People(Strict):
    first_names: list[str] = Field(min_length=1)
    last_names: list[str] = Field(min_length=1)
    email_domains: list[str] = Field(min_length=1)


class DcLabor(Strict):
    pickers: int = Field(ge=1)
    packers: int = Field(ge=1)
    pick_seconds_per_line: float = Field(gt=0)
    pack_seconds_per_order: float = Field(gt=0)
    pack_seconds_per_unit: float = Field(ge=0)
    pick_labor_share: float = Field(gt=0, le=1)
    picker_shift_shares: Mix


class PeakShift(Strict):
    facility_id: str
    name: str
    start: time
    end: time
    weekdays: list[int]
    first_day: str = Field(pattern=r"^\d{2}-\d{2}$", description="MM-DD, inclusive")
    last_day: str = Field(pattern=r"^\d{2}-\d{2}$", description="MM-DD, inclusive")


class StoreLabor(Strict):
    associates: int = Field(ge=1)
    first_pick_minutes: Range
    pick_seconds_per_line: float = Field(gt=0)
    pack_minutes: Range
    label_minutes: Range
    ready_minutes: Range
    pickup_hours: Range
    not_collected_rate: Rate
    not_collected_days: int = Field(ge=1)


class Fulfillment(Strict):
    download_minutes: Range
    allocation_minutes: Range
    wave_interval_minutes: int = Field(ge=5, le=240)
    wave_pick_delay_minutes: Range
    same_day_ship_lead_hours: float = Field(ge=0)
    pack_queue_minutes: Range
    label_minutes: Range
    staging_minutes: Range
    pickup_minutes_after_cutoff: Range
    pickup_weekdays: list[int]
    operator_speed_sigma: float = Field(ge=0)
    duration_noise_sigma: float = Field(ge=0)
    replenishment_hours: Range
    split_pack_gap_minutes: Range
    dcs: dict[str, DcLabor]
    peak_shifts: list[PeakShift]
    store: StoreLabor


class CarrierParameters(Strict):
    ground_km_per_day: float = Field(gt=0)
    transit_sigma: float = Field(ge=0)
    expedited_late_rate: Rate
    out_for_delivery_local_hours: Range
    delivery_local_hours: Range
    scan_available_minutes: Range
    delivery_weekdays: list[int]
    holidays: list[date]


class Imperfections(Strict):
    short_pick_line_rate: Rate
    short_outcome_split_share: Rate
    weather_storm_day_rate: Rate
    weather_delay_days: Range
    address_issue_rate: Rate
    address_issue_return_share: Rate
    lost_rate: Rate
    lost_declared_share: Rate
    lost_declared_days: Range
    delivery_attempt_rate: Rate
    held_for_pickup_share: Rate
    damage_rate: Rate
    hold_rate: Rate
    hold_release_hours: Range
    hold_cancel_share: Rate
    cancel_before_pick_rate: Rate
    split_multi_line_dc_rate: Rate
    store_reject_rate: Rate


class Aftercare(Strict):
    return_rate: Rate
    return_request_days: Range
    return_transit_days: Range
    refund_days: Range
    ticket_rate: Rate
    ticket_rate_delayed: Rate
    ticket_rate_lost: Rate
    survey_rate: Rate
    survey_days: Range


class SourceAnomalies(Strict):
    duplicate_scan_rate: Rate
    out_of_order_scan_rate: Rate
    late_arrival_rate: Rate
    late_arrival_hours: Range
    rf_batch_session_share: Rate
    invalid_timestamp_rate: Rate
    invalid_timestamp_kinds: Mix
    nonexistent_local_rate_on_spring_forward_day: Rate


class Destination(Strict):
    zip3: str = Field(pattern=r"^\d{3}$")
    city: str
    state: str = Field(pattern=r"^[A-Z]{2}$")
    time_zone: str
    lat: float
    lon: float
    weight: float = Field(gt=0)
    region: str
    hub: bool


class WorldParameters(Strict):
    demand: Demand
    catalog: CatalogParameters
    people: People
    fulfillment: Fulfillment
    carrier: CarrierParameters
    imperfections: Imperfections
    aftercare: Aftercare
    source_anomalies: SourceAnomalies
    destinations: list[Destination] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> WorldParameters:
        zones = {item.time_zone for item in self.destinations}
        for needed in ("America/Phoenix", "Pacific/Honolulu", "America/Anchorage"):
            if needed not in zones:
                raise ValueError(f"destinations: no destination in {needed}")
        if not any(item.hub for item in self.destinations):
            raise ValueError("destinations: at least one hub city is required")
        known = {(c.carrier_id, s.service_code) for c in carriers() for s in c.service_levels}
        chosen = [item for per_class in self.demand.services.values() for item in per_class.items()]
        for carrier_id, code in [*chosen, *self.demand.local_service.items()]:
            if (carrier_id, code) not in known:
                raise ValueError(f"demand.services: {carrier_id} has no service level {code!r}")
        if set(self.demand.services) != set(self.demand.service_mix):
            raise ValueError("demand.services: keys must match demand.service_mix")
        return self


def parse_parameters(raw: dict, destinations: list[dict]) -> WorldParameters:
    """Validate raw parameter documents (tests use this to vary a rate)."""
    body = {key: value for key, value in raw.items() if not key.startswith("_")}
    return WorldParameters.model_validate({**body, "destinations": destinations})


@lru_cache(maxsize=1)
def load_parameters() -> WorldParameters:
    raw = json.loads((DATA_DIR / "parameters.json").read_text())
    destinations = json.loads((DATA_DIR / "destinations.json").read_text())["destinations"]
    return parse_parameters(raw, destinations)
