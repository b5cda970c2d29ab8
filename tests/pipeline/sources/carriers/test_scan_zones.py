"""The zone of a US scan location: the state's, unless its ZIP3 lies wholly in another zone."""

from __future__ import annotations

from pipeline.sources.carriers.scan_zones import zone_of


def test_a_state_gives_its_zone() -> None:
    assert zone_of("AZ", "85004") == "America/Phoenix"
    assert zone_of("oh", None, "US") == "America/New_York"


def test_a_zip3_in_another_zone_than_most_of_its_state_wins() -> None:
    assert zone_of("TX", "79901") == "America/Denver"  # El Paso
    assert zone_of("FL", "32501") == "America/Chicago"  # Pensacola
    assert zone_of("TN", "37902") == "America/New_York"  # Knoxville


def test_no_zone_outside_the_us_or_without_a_known_state() -> None:
    assert zone_of("ON", "M5V", "CA") is None
    assert zone_of(None, None) is None
    assert zone_of("ZZ", "00000") is None
