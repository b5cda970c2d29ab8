"""From activity counters to the Source activity page's figures, tables and silence marks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from pydantic import ValidationError

from dashboard.source_health import (
    SERIES_SCHEMA,
    SUMMARY_SCHEMA,
    THRESHOLDS_FILE,
    SourceHealthThresholds,
    facility_table,
    format_age,
    format_rate,
    headline,
    local_time,
    minute_grid,
    silent_sources,
    source_rollup,
    source_table,
    thresholds,
)

NOW = datetime(2026, 3, 10, 18, 30, 20, tzinfo=UTC)
LIMITS = SourceHealthThresholds(
    refresh_seconds=10, chart_minutes=60, silent_after_minutes={"default": 15, "wms": 10, "stores": 30}
)


def summary(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SUMMARY_SCHEMA, orient="row")


def ago(**kwargs) -> datetime:
    return NOW - timedelta(**kwargs)


SUMMARY = summary(
    ("wms:DC-RNO", "DC-RNO", 120_000, 900, 15.0, ago(seconds=20)),
    ("wms:DC-CMH", "DC-CMH", 80_000, 0, 0.0, ago(minutes=42)),
    ("stores", "ST-001", 400, 3, 0.2, ago(minutes=5)),
    ("stores", "ST-002", 300, 1, 0.0, ago(minutes=50)),
    ("carrier:ups", "DC-RNO", 9_000, 60, 1.0, ago(minutes=20)),
    ("helpdesk", None, 50, 0, 0.0, None),
)


def test_thresholds_file_is_valid():
    assert thresholds().refresh_seconds == 10
    assert "default" in thresholds().silent_after_minutes


def test_thresholds_need_a_default_and_positive_minutes():
    raw = json.loads(THRESHOLDS_FILE.read_text())
    with pytest.raises(ValidationError, match="needs a 'default' entry"):
        SourceHealthThresholds.model_validate({**raw, "silent_after_minutes": {"wms": 5}})
    with pytest.raises(ValidationError, match=r"silent_after_minutes\['wms'\] must be at least 1"):
        SourceHealthThresholds.model_validate({**raw, "silent_after_minutes": {"default": 5, "wms": 0}})


def test_silence_threshold_is_chosen_by_the_kind_of_source():
    assert LIMITS.silent_after("wms:DC-RNO") == timedelta(minutes=10)
    assert LIMITS.silent_after("stores") == timedelta(minutes=30)
    assert LIMITS.silent_after("carrier:ups") == timedelta(minutes=15)


def test_rollup_adds_up_facilities_and_marks_sources_quiet_for_longer_than_their_threshold():
    rollup = source_rollup(SUMMARY, NOW, LIMITS)
    by_source = {row["source"]: row for row in rollup.iter_rows(named=True)}

    assert by_source["stores"]["events_total"] == 700
    assert by_source["stores"]["facilities"] == 2
    assert by_source["stores"]["quiet_for"] == timedelta(minutes=5)  # its newest facility counts
    assert {source for source, row in by_source.items() if row["silent"]} == {
        "wms:DC-CMH",  # 42 min > 10
        "carrier:ups",  # 20 min > 15 (default)
        "helpdesk",  # nothing ever
    }
    assert rollup["silent"].to_list()[:3] == [True, True, True]  # silent sources come first


def test_a_source_clock_slightly_ahead_counts_as_just_now():
    rollup = source_rollup(
        summary(("wms:DC-RNO", "DC-RNO", 1, 1, 1.0, NOW + timedelta(seconds=3))), NOW, LIMITS
    )
    assert rollup["quiet_for"].to_list() == [timedelta(0)]
    assert silent_sources(rollup) == []


def test_headline_figures():
    rollup = source_rollup(SUMMARY, NOW, LIMITS)
    top = headline(SUMMARY, rollup, NOW)
    assert top.events_total == 209_750
    assert top.events_per_minute == pytest.approx(16.2)
    assert (top.sources_live, top.sources_total) == (2, 5)
    assert top.last_event_age == timedelta(seconds=20)


def test_headline_of_no_activity_at_all():
    empty = summary()
    top = headline(empty, source_rollup(empty, NOW, LIMITS), NOW)
    assert (top.events_total, top.sources_total, top.last_event_age) == (0, 0, None)


def test_source_table_says_live_or_how_long_silent():
    table = source_table(source_rollup(SUMMARY, NOW, LIMITS), ZoneInfo("America/Los_Angeles"))
    status = dict(zip(table["Source"], table["Status"], strict=True))
    assert status["wms:DC-RNO"] == "✓ live"
    assert status["wms:DC-CMH"] == "⚠ silent 42 min"
    assert status["helpdesk"] == "⚠ no events yet"
    last = dict(zip(table["Source"], table["Last event"], strict=True))
    assert last["wms:DC-RNO"] == "2026-03-10 11:30:00 PDT"  # the viewer's zone, after the March change


def test_facility_table_shows_each_facility_in_its_own_local_time():
    table = facility_table(SUMMARY, NOW, ZoneInfo("UTC"))
    rows = {(r["Source"], r["Facility"]): r for r in table.iter_rows(named=True)}
    assert rows[("wms:DC-CMH", "DC-CMH")]["Last event (local)"] == "2026-03-10 13:48:20 EDT"
    assert rows[("wms:DC-RNO", "DC-RNO")]["Last event (local)"] == "2026-03-10 11:30:00 PDT"
    assert rows[("helpdesk", "—")]["Last event (local)"] == "—"
    assert rows[("stores", "ST-002")]["Quiet for"] == "50 min"
    assert table.height == SUMMARY.height


def test_facility_table_for_one_facility():
    table = facility_table(SUMMARY, NOW, ZoneInfo("UTC"), facility_id="DC-RNO")
    assert sorted(table["Source"]) == ["carrier:ups", "wms:DC-RNO"]


def test_minute_grid_fills_quiet_minutes_with_zero_for_every_source():
    series = pl.DataFrame(
        [
            (datetime(2026, 3, 10, 18, 27, tzinfo=UTC), "stores", 4),
            (datetime(2026, 3, 10, 18, 29, tzinfo=UTC), "wms:DC-RNO", 9),
        ],
        schema=SERIES_SCHEMA,
        orient="row",
    )
    grid = minute_grid(series, NOW - timedelta(minutes=3), NOW)

    assert grid.height == 2 * 4  # 18:27 … 18:30 for two sources
    stores = grid.filter(pl.col("source") == "stores")["events"].to_list()
    assert stores == [4, 0, 0, 0]
    assert grid["minute"].dtype == SERIES_SCHEMA["minute"]


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=3, minutes=5), "3 h 05 min"),
        (timedelta(days=2, hours=4, minutes=1), "2 d 4 h"),
        (None, "—"),
    ],
)
def test_ages_read_short(age, text):
    assert format_age(age) == text


@pytest.mark.parametrize(("rate", "text"), [(0.4, "0.4"), (9.94, "9.9"), (16.2, "16"), (1234.5, "1,234")])
def test_rates_keep_a_decimal_while_small(rate, text):
    assert format_rate(rate) == text


def test_local_time_names_the_zone_across_daylight_saving():
    zone = ZoneInfo("America/New_York")
    assert local_time(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), zone) == "2026-11-01 01:30:00 EDT"
    assert local_time(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), zone) == "2026-11-01 01:30:00 EST"
