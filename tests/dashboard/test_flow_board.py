"""What a floor screen shows, from the live flow's figures: tiles turn red on age or growth, throughput
runs against the plan's pace, and at-risk orders read in the facility's own time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from dashboard import flow_board as board
from dashboard.flow_thresholds import FacilityFlow, ThroughputPlan, facility_flow
from dashboard.queries.live_flow import AT_RISK_SCHEMA, STAGE_SCHEMA

NOW = datetime(2026, 11, 20, 22, 40, tzinfo=UTC)
RENO = ZoneInfo("America/Los_Angeles")
LIMITS: FacilityFlow = facility_flow(
    "DC-RNO"
)  # picking: 90 min, +40 orders; handed_to_carrier: no growth check


def stages(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=STAGE_SCHEMA, orient="row")


def tile(tiles: list[board.StageTile], stage: str) -> board.StageTile:
    return next(item for item in tiles if item.stage == stage)


def test_every_stage_gets_a_tile_in_flow_order_even_when_empty():
    tiles = board.stage_tiles(stages([]), None, NOW, LIMITS, 30)

    assert [item.label for item in tiles] == [
        "Allocated", "Released", "Picking", "Picked", "Packed", "Labeled", "Staged", "Handed to carrier"
    ]  # fmt: skip
    assert all(item.orders == 0 and item.oldest_age is None and not item.bottleneck for item in tiles)


def test_a_stage_whose_oldest_order_is_over_its_limit_is_a_bottleneck():
    tiles = board.stage_tiles(
        stages(
            [
                ("picking", 4, NOW - timedelta(minutes=91), NOW - timedelta(minutes=20)),
                ("picked", 2, NOW - timedelta(minutes=60), NOW - timedelta(minutes=30)),
            ]
        ),
        None,
        NOW,
        LIMITS,
        30,
    )

    picking, picked = tile(tiles, "picking"), tile(tiles, "picked")
    assert picking.bottleneck and picking.age_over and not picking.growth_over
    assert picking.reasons == ("oldest over 1 h 30",)
    assert picking.oldest_age == timedelta(minutes=91) and picking.median_age == timedelta(minutes=20)
    assert not picked.bottleneck  # exactly at the limit is not over it


def test_a_stage_that_grew_more_than_its_limit_in_the_window_is_a_bottleneck():
    figures = stages(
        [("picking", 52, NOW, NOW), ("picked", 50, NOW, NOW), ("handed_to_carrier", 900, NOW, NOW)]
    )
    earlier = {"picking": 11, "picked": 10, "handed_to_carrier": 0}

    tiles = board.stage_tiles(figures, earlier, NOW, LIMITS, 30)

    assert tile(tiles, "picking").growth == 41 and tile(tiles, "picking").growth_over
    assert tile(tiles, "picking").reasons == ("grew by more than 40 in 30 min",)
    assert tile(tiles, "picked").growth == 40 and not tile(tiles, "picked").bottleneck
    assert tile(tiles, "handed_to_carrier").growth == 900 and not tile(tiles, "handed_to_carrier").bottleneck
    assert tile(tiles, "allocated").growth == 0


def test_without_history_there_is_no_growth_and_no_growth_alarm():
    tiles = board.stage_tiles(stages([("picking", 500, NOW, NOW)]), None, NOW, LIMITS, 30)
    assert tile(tiles, "picking").growth is None and not tile(tiles, "picking").bottleneck


def test_an_entry_time_slightly_ahead_of_the_clock_reads_as_just_now():
    tiles = board.stage_tiles(
        stages([("packed", 1, NOW + timedelta(seconds=20), NOW)]), None, NOW, LIMITS, 30
    )
    assert tile(tiles, "packed").oldest_age == timedelta(0)


def test_throughput_is_compared_with_the_plan_in_proportion_to_the_hour_gone():
    hour_start = datetime(2026, 11, 20, 14, 0, tzinfo=RENO)
    packed, shipped = board.throughput_lines(
        30, 0, ThroughputPlan(packed=80, shipped=0), hour_start, hour_start + timedelta(minutes=45)
    )

    assert (packed.label, packed.done, packed.planned, packed.by_now, packed.versus_pace) == (
        "Packed",
        30,
        80,
        60,
        -30,
    )
    assert (shipped.planned, shipped.by_now, shipped.versus_pace) == (0, 0, 0)


def test_at_risk_rows_read_in_the_facility_time_with_how_late_or_how_soon():
    at_risk = pl.DataFrame(
        [
            ("SO-1", "picking", NOW - timedelta(minutes=95), NOW - timedelta(minutes=125), False),
            ("SO-2", "allocated", NOW - timedelta(minutes=5), NOW + timedelta(minutes=50), True),
            ("SO-3", "staged", NOW - timedelta(hours=3), NOW + timedelta(hours=30), False),
        ],
        schema=AT_RISK_SCHEMA,
        orient="row",
    )

    table = board.at_risk_table(at_risk, NOW, RENO)

    assert table.columns == ["Order", "Stage", "Ship by", "Due", "In stage"]
    assert table.row(0) == ("SO-1", "Picking", "12:35 PST", "late 2 h 05", "1 h 35")
    assert table.row(1) == ("SO-2", "Allocated (on hold)", "15:30 PST", "in 50 min", "5 min")
    assert table.row(2)[2] == "Sat 20:40 PST"  # another day: the weekday says which


def test_ages_read_from_afar():
    assert board.format_age(None) == "–"
    assert board.format_age(timedelta(seconds=59)) == "<1 min"
    assert board.format_age(timedelta(minutes=42, seconds=59)) == "42 min"
    assert board.format_age(timedelta(hours=2, minutes=5)) == "2 h 05"
    assert board.format_age(timedelta(hours=47, minutes=59)) == "47 h 59"
    assert board.format_age(timedelta(days=3, hours=4, minutes=10)) == "3 d 4 h"


def test_clock_labels_carry_the_zone_and_cross_a_dst_change():
    assert board.local_clock(NOW, RENO) == "14:40:00 PST"
    assert board.local_clock(NOW, ZoneInfo("Pacific/Honolulu")) == "12:40:00 HST"
    assert board.hour_label(datetime(2026, 11, 20, 14, tzinfo=RENO)) == "14:00–15:00 PST"
    spring = datetime(2026, 3, 8, 9, 0, tzinfo=UTC).astimezone(RENO)  # 01:00 PST, the clocks jump at 02:00
    assert board.hour_label(spring) == "01:00–03:00 PST"


def test_a_feed_is_silent_after_its_quiet_limit_or_when_it_never_spoke():
    assert not board.feed_is_silent(NOW - timedelta(minutes=10), NOW, 10)
    assert board.feed_is_silent(NOW - timedelta(minutes=10, seconds=1), NOW, 10)
    assert board.feed_is_silent(None, NOW, 10)
