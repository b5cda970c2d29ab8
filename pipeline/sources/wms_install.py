"""What one DC's WMS install means by its codes: the code table beside the adapter, validated when loaded.

Both DCs run the same WMS product, customised differently: their own transaction codes, warehouse code,
carrier codes and weight unit (wms_codes_dc_rno.json, wms_codes_dc_cmh.json). The header of a file says
how the install writes things (weight unit, carrier codes, channel names); `entries` map
(txn_code, qualifier) to a canonical event type and the attributes the code implies — mapped through the
shared code-table loader (pipeline/sources/mapping.py), so every entry is checked against the registry.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.sources.mapping import CodeEntry, CodeTable, CodeTableError, load_code_table
from pipeline.sources.vocabulary import check_carrier_ids, check_enum_values

HERE = Path(__file__).resolve().parent
KG_PER_UNIT = {"KG": 1.0, "LB": 0.45359237}
KEY_FIELDS = ("txn_code", "qualifier")


class WmsCode(CodeEntry):
    txn_code: str = Field(min_length=1, description="The install's transaction code")
    qualifier: str = Field(
        default="", description='The reference value that refines the code; "" = any other'
    )


class WmsInstallHeader(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    facility_id: str = Field(pattern=r"^DC-[A-Z0-9]+$")
    whse: str = Field(min_length=1, description="Warehouse code the install writes in every row")
    weight_unit: Literal["KG", "LB"]
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="Currency of the order value in the download")
    fulfillment: Literal["ship"] = Field(description="A DC ships every order it downloads")
    carriers: dict[str, str] = Field(min_length=1, description="The install's carrier code -> carrier id")
    channels: dict[str, str] = Field(min_length=1, description="Host order channel -> canonical channel")

    _carriers = field_validator("carriers")(lambda cls, value: check_carrier_ids(value))
    _channels = field_validator("channels")(
        lambda cls, value: check_enum_values(value, "ORDER_RECEIVED", "channel")
    )


class WmsInstall:
    """One DC's install: its header and its code table."""

    def __init__(self, header: WmsInstallHeader, codes: CodeTable[WmsCode]) -> None:
        self.header = header
        self.codes = codes

    def meaning(self, txn_code: str, qualifier: object) -> tuple[WmsCode | None, bool]:
        """The entry for a code and its qualifier; True when the qualifier itself was listed."""
        if isinstance(qualifier, str) and qualifier:
            specific = self.codes.lookup((txn_code, qualifier))
            if specific is not None:
                return specific, True
        return self.codes.lookup((txn_code, "")), False

    def weight_kg(self, weight: object, unit: object = None) -> float | None:
        """A weight the install wrote (in `unit`, default the install's unit) in kilograms."""
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            return None
        factor = KG_PER_UNIT.get(str(unit or self.header.weight_unit).upper())
        return None if factor is None else round(weight * factor, 3)


def table_path(facility_id: str) -> Path:
    return HERE / f"wms_codes_{facility_id.lower().replace('-', '_')}.json"


@lru_cache(maxsize=8)
def wms_install(facility_id: str) -> WmsInstall:
    """The install of `facility_id`; `CodeTableError` naming the file and the rule when it is wrong."""
    path = table_path(facility_id)
    if not path.exists():
        raise CodeTableError(f"no WMS code table for {facility_id!r} ({path.name})")
    try:
        header = WmsInstallHeader.model_validate(json.loads(path.read_text()))
    except ValidationError as error:
        first = error.errors()[0]
        raise CodeTableError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if header.facility_id != facility_id:
        raise CodeTableError(f"{path.name}: facility_id {header.facility_id!r} is not {facility_id!r}")
    return WmsInstall(header, load_code_table(path, WmsCode, KEY_FIELDS))
