"""The live flow's limits and plan are data: every facility resolves, the plan is read by local hour,
and a broken file is refused with the field and the rule it broke."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from dashboard.flow_thresholds import (
    LIVE_FLOW_STAGES,
    THRESHOLDS_FILE,
    FlowThresholds,
    facility_flow,
    flow_thresholds,
    throughput_plan,
)
from db.master_data import facilities
from pipeline.projection import STAGES_FILE

RAW = json.loads(THRESHOLDS_FILE.read_text())


def broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


def test_the_file_loads_and_every_facility_has_limits_for_every_stage():
    settings = flow_thresholds()
    assert settings.refresh_seconds == 10
    for item in facilities():
        assert list(facility_flow(item.facility_id).stages) == list(LIVE_FLOW_STAGES)


def test_a_facility_without_an_entry_uses_the_entry_of_its_kind():
    assert facility_flow("ST-030") == flow_thresholds().by_kind["store"]
    assert facility_flow("DC-CMH") == flow_thresholds().facilities["DC-CMH"]


def test_the_plan_is_read_for_the_facility_local_hour():
    columbus = datetime(2026, 11, 20, 22, 0, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))  # 17:00
    plan = throughput_plan("DC-CMH", columbus)
    raw = RAW["facilities"]["DC-CMH"]["plan_per_hour"]
    assert (plan.packed, plan.shipped) == (raw["packed"][17], raw["shipped"][17])


def test_live_flow_stages_are_stages_of_the_order_state_projection():
    projected = {entry["stage"] for entry in json.loads(STAGES_FILE.read_text())["stages"].values()}
    assert set(LIVE_FLOW_STAGES) <= projected


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda raw: raw["facilities"]["DC-RNO"]["stages"].pop("picked"), "stages", "missing ['picked']"),
        (
            lambda raw: raw["facilities"]["DC-RNO"]["plan_per_hour"]["packed"].pop(),
            "packed",
            "at least 24 items",
        ),
        (
            lambda raw: raw["by_kind"]["dc"]["plan_per_hour"]["shipped"].__setitem__(3, -1),
            "shipped",
            "negative at local hour(s) [3]",
        ),
        (lambda raw: raw["facilities"].__setitem__("DC-XYZ", raw["by_kind"]["dc"]), "facilities", "DC-XYZ"),
        (lambda raw: raw["by_kind"].pop("store"), "by_kind", "missing ['store']"),
        (
            lambda raw: raw["by_kind"]["store"]["stages"]["packed"].__setitem__("oldest_minutes", 0),
            "oldest_minutes",
            "greater than or equal to 1",
        ),
        (lambda raw: raw.__setitem__("refresh_seconds", 1), "refresh_seconds", "greater than or equal to 2"),
    ],
)
def test_a_broken_file_names_the_field_and_the_rule(change, field, rule):
    with pytest.raises(ValidationError) as error:
        FlowThresholds.model_validate(broken(change))
    message = str(error.value)
    assert field in message and rule in message
