"""The IANA zone of a scan location, for carriers that write wall times without an offset.

The table (scan_zones.json) is data: a zone per US state, and ZIP3 prefixes that lie wholly in another
zone (El Paso, the Florida panhandle, East Tennessee, …). A location outside the US, or without a state
the table knows, has no zone: the adapter then rejects the scan's time (`invalid_timestamp`, rule
`zone_unknown`) instead of guessing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.facility_time import zone_info

ZONES_FILE = Path(__file__).with_name("scan_zones.json")
US = "US"


class ScanZoneTable(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    states: dict[str, str] = Field(min_length=1)
    zip3: dict[str, str] = Field(default_factory=dict)

    @field_validator("states", "zip3")
    @classmethod
    def _known_zones(cls, value: dict[str, str]) -> dict[str, str]:
        for key, zone in value.items():
            zone_info(zone)  # raises ValueError naming the zone
            if not key.isalnum():
                raise ValueError(f"key {key!r} must be a state code or a 3-digit ZIP prefix")
        return value


@lru_cache(maxsize=1)
def _table() -> ScanZoneTable:
    return ScanZoneTable.model_validate(json.loads(ZONES_FILE.read_text()))


def zone_of(state: str | None, postal_code: str | None, country: str | None = US) -> str | None:
    """The zone of a US scan location; None when it cannot be known. A missing country counts as US."""
    if country not in (None, "", US):
        return None
    table = _table()
    if postal_code and len(postal_code) >= 3 and postal_code[:3].isdigit() and postal_code[:3] in table.zip3:
        return table.zip3[postal_code[:3]]
    return table.states.get((state or "").strip().upper())
