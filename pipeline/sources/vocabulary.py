"""The canonical vocabularies a source's mapping table translates into, checked when the table is loaded:
carrier ids from master data (db/reference/carriers.json) and attribute values the registry accepts."""

from __future__ import annotations

from collections.abc import Mapping

from db.master_data import carriers
from pipeline.taxonomy import latest_definitions


def check_carrier_ids(table: Mapping[str, str]) -> Mapping[str, str]:
    """`table` (vendor code -> carrier id) when every carrier id is in master data; else ValueError."""
    known = {item.carrier_id for item in carriers()}
    unknown = sorted(set(table.values()) - known)
    if unknown:
        raise ValueError(f"carrier ids {unknown} are not in db/reference/carriers.json")
    return table


def check_enum_values(table: Mapping[str, str], event_type: str, attribute: str) -> Mapping[str, str]:
    """`table` (vendor value -> canonical value) when each value is in the enum of `event_type`.`attribute`."""
    allowed = latest_definitions()[event_type].attributes_schema["properties"][attribute]["enum"]
    wrong = sorted(set(table.values()) - set(allowed))
    if wrong:
        raise ValueError(f"{wrong} are not {event_type}.{attribute} values {allowed}")
    return table
