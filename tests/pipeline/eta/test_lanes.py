"""Lanes and their transit distributions (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.eta.lanes import LEVELS, LaneDistribution, lane_key, widened_levels, zip3


def test_a_lane_is_carrier_service_facility_and_destination_zip3() -> None:
    assert zip3("60614-1234") == "606"
    assert zip3(" 9 41 05") == "941"
    assert zip3("12") is None
    assert lane_key("ups", "GND", "DC-RNO", "60614").label() == "ups/GND/DC-RNO->606"
    assert lane_key("ups", None, "DC-RNO", "60614") is None


def test_quantiles_are_those_of_the_deliveries() -> None:
    hours = np.random.default_rng(3).normal(50, 8, 500)

    lane = LaneDistribution.from_hours(hours.tolist())

    assert lane.samples == 500
    assert len(lane.quantiles) == len(LEVELS) == 21
    assert lane.hours_at(0.5) == pytest.approx(float(np.median(hours)))
    assert lane.hours_at(0.9) == pytest.approx(float(np.quantile(hours, 0.9)))


def test_time_already_travelled_moves_the_quantiles_later() -> None:
    lane = LaneDistribution.from_hours(list(range(20, 81)))  # 20 to 80 hours, evenly

    assert lane.hours_at(0.5) == pytest.approx(50)
    assert lane.hours_at(0.5, elapsed=50) == pytest.approx(65)  # the median of what is left: 50-80
    assert lane.hours_at(0.1, elapsed=10) == pytest.approx(lane.hours_at(0.1))  # before any delivery
    assert lane.hours_at(0.5, elapsed=100) == pytest.approx(100 + 0.5 * 24)  # beyond all history


def test_thin_lanes_get_wider_windows_busy_lanes_almost_none() -> None:
    thin_low, thin_high = widened_levels(0.1, 0.9, 20, 1.0)
    busy_low, busy_high = widened_levels(0.1, 0.9, 2000, 1.0)

    assert thin_low < busy_low < 0.1 < 0.9 < busy_high < thin_high
    assert widened_levels(0.1, 0.9, 20, 0.0) == (0.1, 0.9)
