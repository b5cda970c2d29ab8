"""How sources write down times: local wall clocks, offsets, and the timestamp faults the world injects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from simulator.sources.wall_clock import iso_with_offset, offset_text, stamp

LA = "America/Los_Angeles"


def _stamped(
    instants: list[datetime], zone: str, *, anomaly: str | None = None, labelled: bool = True
) -> list[dict]:
    frame = pl.DataFrame(
        {
            "record_uid": [f"R-{i}" for i in range(len(instants))],
            "occurred_at": instants,
            "anomaly": [anomaly] * len(instants),
        },
        schema={"record_uid": pl.String, "occurred_at": pl.Datetime("us", "UTC"), "anomaly": pl.String},
    )
    out = stamp(frame, zone=pl.lit(zone), labelled=labelled)
    return out.with_columns(text=iso_with_offset()).to_dicts()


def test_wall_time_and_offset_follow_the_zone_through_dst() -> None:
    summer, winter = datetime(2026, 7, 1, 19, 0, tzinfo=UTC), datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert [row["text"] for row in _stamped([summer, winter], LA)] == [
        "2026-07-01T12:00:00-07:00",
        "2026-12-01T11:00:00-08:00",
    ]


def test_both_passes_through_the_autumn_fold_read_the_same_wall_time() -> None:
    first, second = datetime(2026, 11, 1, 8, 30, tzinfo=UTC), datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    rows = _stamped([first, second], LA)
    assert rows[0]["ts_wall"] == rows[1]["ts_wall"] == datetime(2026, 11, 1, 1, 30)
    assert [row["ts_offset_min"] for row in rows] == [-420, -480]
    assert [row["ts_instant"] for row in rows] == [first, second]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("America/Phoenix", "2026-07-01T12:00:00-07:00"), ("Pacific/Honolulu", "2026-07-01T09:00:00-10:00"),
     ("America/Anchorage", "2026-07-01T11:00:00-08:00")],
)  # fmt: skip
def test_zones_without_us_dst_or_far_away(zone: str, expected: str) -> None:
    assert _stamped([datetime(2026, 7, 1, 19, 0, tzinfo=UTC)], zone)[0]["text"] == expected


def test_wrong_offset_is_local_wall_time_labelled_utc() -> None:
    row = _stamped([datetime(2026, 7, 1, 19, 0, tzinfo=UTC)], LA, anomaly="invalid_timestamp:wrong_offset")[0]
    assert row["text"] == "2026-07-01T12:00:00Z"
    assert row["ts_instant"] == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_wrong_offset_without_a_label_is_the_utc_reading_in_a_local_field() -> None:
    at = datetime(2026, 7, 1, 19, 0, tzinfo=UTC)
    row = _stamped([at], LA, anomaly="invalid_timestamp:wrong_offset", labelled=False)[0]
    assert row["ts_wall"] == datetime(2026, 7, 1, 19, 0)


def test_nonexistent_local_lands_in_the_spring_forward_gap() -> None:
    at = datetime(2026, 3, 8, 17, 45, 12, tzinfo=UTC)  # 10:45:12 PDT on the day clocks spring forward
    wall = _stamped([at], LA, anomaly="invalid_timestamp:nonexistent_local", labelled=False)[0]["ts_wall"]
    assert wall == datetime(2026, 3, 8, 2, 45, 12)
    local = wall.replace(tzinfo=ZoneInfo(LA))
    assert local.astimezone(UTC).astimezone(ZoneInfo(LA)).replace(tzinfo=None) != wall  # no such local time


def test_epoch_future_and_before_order_are_rendered_and_deterministic() -> None:
    at = datetime(2026, 9, 1, 17, 0, tzinfo=UTC)
    epoch = _stamped([at], LA, anomaly="invalid_timestamp:epoch")[0]
    assert epoch["text"] == "1970-01-01T00:00:00Z"
    future = _stamped([at, at], LA, anomaly="invalid_timestamp:future")
    assert all(row["ts_instant"] >= at + timedelta(days=3) for row in future)
    assert future == _stamped([at, at], LA, anomaly="invalid_timestamp:future")
    before = _stamped([at], LA, anomaly="invalid_timestamp:before_order")[0]
    assert before["ts_instant"] <= at - timedelta(days=30)


def test_offset_text_with_and_without_z() -> None:
    frame = pl.DataFrame({"m": [-420, 0, 330]}, schema={"m": pl.Int32})
    out = frame.select(
        z=offset_text(pl.col("m"), zero_as_z=True), plain=offset_text(pl.col("m"), zero_as_z=False)
    )
    assert out["z"].to_list() == ["-07:00", "Z", "+05:30"]
    assert out["plain"].to_list() == ["-07:00", "+00:00", "+05:30"]
