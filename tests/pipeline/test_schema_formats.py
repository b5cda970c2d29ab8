"""The formats every Waypoint schema enforces."""

from __future__ import annotations

import pytest

from pipeline.schema_formats import FORMAT_CHECKER


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("date-time", "2026-03-08T02:30:00-08:00", "2026-03-08T02:30:00"),
        ("date-time", "2026-11-01T08:30:00Z", "2026-11-01"),
        ("date", "2026-03-12", "2026-3-12"),
        ("date", "2028-02-29", "2026-02-29"),
        ("email", "ann.lee+orders@mail.example.com", "ann.lee@example"),
        ("email", "a@b.co", "ann lee@example.com"),
        ("iana-time-zone", "America/Phoenix", "MST7"),
        ("iana-time-zone", "Pacific/Honolulu", "Hawaii Time"),
    ],
)
def test_a_format_accepts_the_good_value_and_refuses_the_bad_one(name, good, bad):
    assert FORMAT_CHECKER.conforms(good, name)
    assert not FORMAT_CHECKER.conforms(bad, name)


def test_formats_only_judge_strings_as_json_schema_specifies():
    assert FORMAT_CHECKER.conforms(42, "date-time")


def test_formats_waypoint_does_not_use_are_annotations():
    assert FORMAT_CHECKER.conforms("not a uri", "uri")
