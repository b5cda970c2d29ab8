"""Facilities, carriers and service levels: reference data kept as files in db/reference/, validated
when loaded and upserted, so editing a file and re-running `waypoint db upgrade` is how they change."""

from __future__ import annotations

import json
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from db.models import Carrier, Facility, ServiceLevel

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


class Shift(BaseModel):
    name: str
    start: time
    end: time = Field(description="May be earlier than start: the shift ends the next day")
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday, the day the shift starts")


class FacilityDefinition(BaseModel):
    facility_id: str = Field(pattern=r"^(DC|ST)-[A-Z0-9]+$")
    kind: Literal["dc", "store"]
    name: str
    time_zone: str
    postal_code: str = Field(pattern=r"^\d{5}$")
    region: str
    shift_calendar: list[Shift]

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"unknown IANA time zone {value!r}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class ServiceLevelDefinition(BaseModel):
    service_code: str
    name: str
    transit_business_days: int = Field(ge=0, le=15)
    pickup_cutoff_local: time


class CarrierDefinition(BaseModel):
    carrier_id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    kind: Literal["parcel", "last_mile"]
    feed_format: Literal["ups", "fedex", "usps", "dhl", "easypost", "lastmile"]
    tracking_url: str
    service_levels: list[ServiceLevelDefinition]


@lru_cache(maxsize=1)
def facilities() -> tuple[FacilityDefinition, ...]:
    raw = json.loads((REFERENCE_DIR / "facilities.json").read_text())
    return tuple(FacilityDefinition.model_validate(item) for item in raw["facilities"])


@lru_cache(maxsize=1)
def carriers() -> tuple[CarrierDefinition, ...]:
    raw = json.loads((REFERENCE_DIR / "carriers.json").read_text())
    return tuple(CarrierDefinition.model_validate(item) for item in raw["carriers"])


def facility(facility_id: str) -> FacilityDefinition:
    for item in facilities():
        if item.facility_id == facility_id:
            return item
    raise KeyError(f"unknown facility {facility_id!r}")


def load_master_data(conn: Connection) -> None:
    """Upsert facilities, carriers and service levels. The caller owns the transaction."""
    for item in facilities():
        row = item.model_dump(mode="json")
        conn.execute(
            insert(Facility).values(**row).on_conflict_do_update(index_elements=["facility_id"], set_=row)
        )
    for item in carriers():
        row = item.model_dump(mode="json", exclude={"service_levels"})
        conn.execute(
            insert(Carrier).values(**row).on_conflict_do_update(index_elements=["carrier_id"], set_=row)
        )
        for level in item.service_levels:
            level_row = {"carrier_id": item.carrier_id, **level.model_dump()}
            conn.execute(
                insert(ServiceLevel)
                .values(**level_row)
                .on_conflict_do_update(index_elements=["carrier_id", "service_code"], set_=level_row)
            )
