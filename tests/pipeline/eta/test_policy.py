"""The ETA policy is data (policy.json), validated when loaded; a bad value names its field."""

from __future__ import annotations

import json

import pytest

from pipeline.eta.policy import POLICY_FILE, PolicyError, load_policy, parse_policy

SHIPPED = json.loads(POLICY_FILE.read_text())


def test_the_shipped_policy_loads() -> None:
    policy = load_policy()

    assert policy.min_lane_samples == SHIPPED["min_lane_samples"]
    assert policy.window_quantiles == (0.1, 0.9)
    assert policy.calendar_for("ups") == policy.default_calendar


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_lane_samples": 0}, "min_lane_samples"),
        ({"window_quantiles": [0.9, 0.1]}, "window_quantiles"),
        ({"likely_quantile": 0.95}, "window_quantiles"),
        ({"default_calendar": {"pickup_weekdays": [0, 7], "delivery_weekdays": [0]}}, "pickup_weekdays"),
        ({"carrier_calendars": {"ups": {"pickup_weekdays": [], "delivery_weekdays": [1]}}}, "ups"),
        ({"holiday_country": "usa"}, "holiday_country"),
        ({"typical_delivery_local_time": "22:00"}, "typical_delivery_local_time"),
        ({"unknown_knob": 1}, "unknown_knob"),
    ],
)
def test_a_bad_value_is_refused_with_its_field_named(change: dict, field: str) -> None:
    with pytest.raises(PolicyError, match=field):
        parse_policy({**SHIPPED, **change})
