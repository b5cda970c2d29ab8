"""The playbook policy is data (policy.json), validated when loaded: every mistake names its field."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from pipeline.playbooks.policy import POLICY_FILE, load_policy, parse_policy

DOCUMENT = json.loads(POLICY_FILE.read_text())


def edited(path: str, value) -> dict:
    document = copy.deepcopy(DOCUMENT)
    *parents, last = path.split(".")
    target = document
    for key in parents:
        target = target[key]
    target[last] = value
    return document


def refused(document: dict) -> str:
    with pytest.raises(ValidationError) as error:
        parse_policy(document)
    return str(error.value)


def test_the_shipped_policy_loads_and_routes_exceptions_to_playbooks() -> None:
    policy = load_policy()
    assert policy.playbook_for("PICK_SHORT", "inventory_mismatch") == "inventory_mismatch"
    assert policy.playbook_for("NO_SCAN_AFTER_PICKUP", "silent_carrier") == "carrier_delay"
    assert policy.playbook_for("DELIVERY_ATTEMPTED", "address_issue") == "address_confirmation"
    assert policy.playbook_for("DELIVERY_ATTEMPTED", "other") is None  # attempted, but not an address problem
    assert policy.playbook_for("LOST", "lost") is None


def test_costs_are_looked_up_by_facility_before_kind() -> None:
    inventory = load_policy().inventory
    assert inventory.move_cost("DC-RNO", "dc", "DC-CMH", "dc") == 2.5
    assert inventory.move_cost("DC-RNO", "dc", "ST-004", "store") == 6.5
    assert inventory.split_handling_cost("ST-004", "store") == 2.5
    assert inventory.hours_until_ready("restocked", "DC-CMH", "dc") == 72


def test_a_cost_for_an_unknown_facility_is_refused() -> None:
    message = refused(
        edited("inventory.reallocation_cost", {**DOCUMENT["inventory"]["reallocation_cost"], "DC-XYZ>dc": 1})
    )
    assert "inventory.reallocation_cost.DC-XYZ>dc" in message


def test_every_kind_pair_needs_a_reallocation_cost() -> None:
    costs = {
        key: value for key, value in DOCUMENT["inventory"]["reallocation_cost"].items() if key != "store>dc"
    }
    assert "missing ['store>dc']" in refused(edited("inventory.reallocation_cost", costs))


def test_ready_hours_need_both_facility_kinds() -> None:
    message = refused(edited("inventory.ready_hours.restocked", {"dc": 72}))
    assert "inventory.ready_hours.restocked" in message and "missing ['store']" in message


def test_a_service_the_carriers_do_not_offer_is_refused() -> None:
    services = [
        *DOCUMENT["inventory"]["services"],
        {"carrier_id": "ups", "service_code": "TELEPORT", "parcel_cost": {"dc": 1}},
    ]
    assert "ups TELEPORT is not a service level" in refused(edited("inventory.services", services))


def test_an_exception_type_must_be_one_the_playbook_can_handle() -> None:
    scope = {"exception_types": ["LOST"], "act_after_minutes": 0}
    assert "playbooks.carrier_delay: LOST never has root cause" in refused(
        edited("playbooks.carrier_delay", scope)
    )


def test_an_exception_type_belongs_to_one_playbook_once() -> None:
    scope = {"exception_types": ["DELIVERY_DELAYED", "DELIVERY_DELAYED"], "act_after_minutes": 0}
    assert "DELIVERY_DELAYED already belongs to carrier_delay" in refused(
        edited("playbooks.carrier_delay", scope)
    )


def test_every_playbook_has_a_scope_and_no_other() -> None:
    playbooks = {**DOCUMENT["playbooks"], "refunds": {"exception_types": ["LOST"], "act_after_minutes": 0}}
    assert "unknown ['refunds']" in refused(edited("playbooks", playbooks))


def test_an_unknown_holiday_country_is_refused() -> None:
    assert "calendar.holiday_country" in refused(edited("calendar.holiday_country", "Atlantis"))
