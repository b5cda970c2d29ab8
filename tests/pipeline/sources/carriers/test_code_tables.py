"""Every code the simulated carriers can send maps to the canonical type it stands for.

The simulator's code tables (simulator/sources/carriers/*_codes.json) say which vendor code each carrier
writes for each (event type, reason); Waypoint's tables beside the adapters must read each of them back as
that event type — and, where the simulator's row is for a reason the canonical type knows, as that reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT
from pipeline.sources.carriers import dhl, easypost, fedex, lastmile, ups, usps
from pipeline.taxonomy import latest_definitions

SIMULATOR_TABLES = PROJECT_ROOT / "simulator" / "sources" / "carriers"
# simulated carrier -> (Waypoint's adapter module for its feed format, the vendor key fields)
ADAPTERS = {
    "ups": (ups, ("type", "code")),
    "fedex": (fedex, ("eventType", "exceptionCode")),
    "usps": (usps, ("eventCode",)),
    "dhl": (dhl, ("statusCode", "status")),
    "ontrac": (easypost, ("carrier_code",)),
    "swiftmile": (lastmile, ("code",)),
}
DEFINITIONS = latest_definitions()


def _simulator_entries(carrier: str) -> list[dict]:
    return json.loads(Path(SIMULATOR_TABLES / f"{carrier}_codes.json").read_text())["entries"]


def _canonical_reasons(event_type: str) -> set[str]:
    reason = DEFINITIONS[event_type].attributes_schema["properties"].get("reason", {})
    return set(reason.get("enum", ()))


@pytest.mark.parametrize("carrier", sorted(ADAPTERS))
def test_every_code_the_simulated_carrier_can_send_maps_to_its_event_type(carrier: str) -> None:
    module, key_fields = ADAPTERS[carrier]
    entries = _simulator_entries(carrier)
    assert entries, f"no entries in the simulator's {carrier} table"
    for entry in entries:
        key = tuple(entry[name] for name in key_fields)
        mapped = module.CODES.lookup(key)
        assert mapped is not None, f"{carrier} code {key} is not in {module.CODES.name}"
        assert mapped.event_type == entry["event_type"], f"{carrier} code {key}"
        if entry.get("reason") in _canonical_reasons(entry["event_type"]):
            assert mapped.attributes.get("reason") == entry["reason"], f"{carrier} code {key}"


@pytest.mark.parametrize("carrier", sorted(ADAPTERS))
def test_codes_of_types_that_need_a_reason_carry_one(carrier: str) -> None:
    module, _ = ADAPTERS[carrier]
    for entry in module.CODES:
        required = DEFINITIONS[entry.event_type].attributes_schema.get("required", [])
        for name in required:
            assert name in entry.attributes, f"{module.CODES.name}: {entry.event_type} needs {name!r}"


def test_the_simulated_carriers_are_the_reference_carriers() -> None:
    from db.master_data import carriers

    formats = {carrier.carrier_id: carrier.feed_format for carrier in carriers()}
    assert {carrier: module.FORMAT for carrier, (module, _) in ADAPTERS.items()} == formats
