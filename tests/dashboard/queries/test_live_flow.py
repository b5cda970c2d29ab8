"""The Live flow's data: open orders per stage with their ages, this facility-local hour's throughput,
the queue a growth window ago and the orders at risk, all from order_state and the flow snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text

from dashboard.flow_snapshots import write_flow_snapshot
from dashboard.queries.live_flow import cache_step, local_hour_start, read_live_flow
from db.models.pipeline_state import SourceCounter
from tests.dashboard.flow_orders import order_in_stage

NOW = datetime(2026, 11, 20, 22, 40, 0, tzinfo=UTC)  # 14:40 in Reno, 17:40 in Columbus
LA = ZoneInfo("America/Los_Angeles")


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def stage_row(data, stage: str) -> dict:
    return next(row for row in data.stages.iter_rows(named=True) if row["stage"] == stage)


def test_counts_and_ages_per_stage_cover_every_stage_of_the_facility(conn):
    for index, minutes in enumerate((5, 20, 50)):
        order_in_stage(conn, f"SO-P{index}", "picking", minutes_ago(minutes))
    order_in_stage(conn, "SO-L1", "labeled", minutes_ago(3))
    order_in_stage(conn, "SO-CMH", "picking", minutes_ago(500), facility_id="DC-CMH")
    order_in_stage(conn, "SO-DONE", "delivered", minutes_ago(900))
    order_in_stage(conn, "SO-ROAD", "in_transit", minutes_ago(900))

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.stages["stage"].to_list() == [
        "allocated", "released", "picking", "picked", "packed", "labeled", "staged", "handed_to_carrier"
    ]  # fmt: skip
    picking = stage_row(data, "picking")
    assert picking["orders"] == 3
    assert picking["oldest_entered_at"] == minutes_ago(50)
    assert picking["median_entered_at"] == minutes_ago(20)
    assert stage_row(data, "labeled")["orders"] == 1
    assert stage_row(data, "allocated") == {
        "stage": "allocated", "orders": 0, "oldest_entered_at": None, "median_entered_at": None
    }  # fmt: skip
    assert data.stages["orders"].sum() == 4  # other facility, terminal and in-transit orders left out


def test_throughput_counts_the_facility_local_clock_hour(conn):
    hour_start = datetime(2026, 11, 20, 14, 0, tzinfo=LA)
    order_in_stage(conn, "SO-1", "labeled", NOW, packed_at=hour_start)
    order_in_stage(conn, "SO-2", "packed", NOW, packed_at=hour_start + timedelta(minutes=39))
    order_in_stage(conn, "SO-3", "labeled", NOW, packed_at=hour_start - timedelta(seconds=1))
    order_in_stage(
        conn, "SO-4", "handed_to_carrier", NOW, packed_at=hour_start - timedelta(hours=3),
        carrier_pickup_at=hour_start + timedelta(minutes=10),
    )  # fmt: skip
    order_in_stage(
        conn, "SO-5", "packed", NOW, packed_at=hour_start + timedelta(minutes=5), facility_id="DC-CMH"
    )

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.hour_start == hour_start
    assert (data.packed_this_hour, data.shipped_this_hour) == (2, 1)


def test_the_local_hour_is_right_on_the_night_the_clocks_go_back():
    # 2026-11-01 in Reno: 01:00-02:00 happens twice, first PDT (08:00Z) then PST (09:00Z).
    first = local_hour_start("DC-RNO", datetime(2026, 11, 1, 8, 30, tzinfo=UTC))
    second = local_hour_start("DC-RNO", datetime(2026, 11, 1, 9, 30, tzinfo=UTC))

    assert first.astimezone(UTC) == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert second.astimezone(UTC) == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert (first.hour, second.hour) == (1, 1)


def test_at_risk_lists_floor_orders_due_within_the_window_oldest_ship_by_first(conn):
    order_in_stage(conn, "SO-LATE", "picking", minutes_ago(90), ship_by=minutes_ago(30))
    order_in_stage(conn, "SO-SOON", "staged", minutes_ago(10), ship_by=NOW + timedelta(hours=1))
    order_in_stage(
        conn, "SO-HELD", "allocated", minutes_ago(10), ship_by=NOW + timedelta(hours=2), on_hold=True
    )
    order_in_stage(conn, "SO-LATER", "allocated", minutes_ago(10), ship_by=NOW + timedelta(hours=9))
    order_in_stage(conn, "SO-GONE", "handed_to_carrier", minutes_ago(10), ship_by=minutes_ago(60))
    order_in_stage(conn, "SO-NOSHIPBY", "picking", minutes_ago(10))
    order_in_stage(
        conn, "SO-OTHER", "picking", minutes_ago(10), ship_by=minutes_ago(60), facility_id="DC-CMH"
    )

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.at_risk["order_id"].to_list() == ["SO-LATE", "SO-SOON", "SO-HELD"]
    assert data.at_risk["on_hold"].to_list() == [False, False, True]
    assert (data.at_risk_total, data.at_risk_late) == (3, 1)


def test_at_risk_shows_the_oldest_rows_and_counts_them_all(conn):
    for index in range(11):
        order_in_stage(conn, f"SO-{index:02d}", "picked", minutes_ago(5), ship_by=minutes_ago(100 - index))

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.at_risk.height == 8  # at_risk_rows in dashboard/flow_thresholds.json
    assert data.at_risk["order_id"].to_list() == [f"SO-{index:02d}" for index in range(8)]
    assert (data.at_risk_total, data.at_risk_late) == (11, 11)


def test_growth_is_measured_from_the_snapshot_a_window_ago(conn):
    order_in_stage(conn, "SO-1", "picking", minutes_ago(40))
    write_flow_snapshot(conn, minutes_ago(31))
    order_in_stage(conn, "SO-2", "picking", minutes_ago(20))
    order_in_stage(conn, "SO-3", "packed", minutes_ago(1))

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.earlier_at == minutes_ago(31).replace(second=0)
    assert data.earlier_counts["picking"] == 1
    assert data.earlier_counts["packed"] == 0


def test_without_a_snapshot_near_the_window_start_there_is_no_growth(conn):
    write_flow_snapshot(conn, minutes_ago(45))  # too old to stand for 30 minutes ago
    write_flow_snapshot(conn, minutes_ago(10))  # too recent

    data = read_live_flow(conn, "DC-RNO", NOW)

    assert data.earlier_at is None and data.earlier_counts is None


def test_feed_freshness_is_the_last_event_of_the_facility_source(conn):
    conn.execute(
        insert(SourceCounter).values(
            [
                {"source": "wms:DC-RNO", "hour": NOW.replace(minute=0), "last_event_at": minutes_ago(2)},
                {"source": "wms:DC-CMH", "hour": NOW.replace(minute=0), "last_event_at": minutes_ago(1)},
            ]
        )
    )

    assert read_live_flow(conn, "DC-RNO", NOW).feed_last_event_at == minutes_ago(2)
    store = read_live_flow(conn, "ST-027", NOW)
    assert store.feed_source == "stores" and store.feed_last_event_at is None


@pytest.mark.parametrize("query", ["STAGE_FIGURES", "HOUR_THROUGHPUT", "AT_RISK"])
def test_reads_go_through_the_partial_indexes_of_open_orders(conn, query):
    """The predicates imply the partial indexes' `NOT is_terminal`: with sequential scans priced out,
    PostgreSQL answers from an index of open orders (on a small table it would rather scan). For the
    orders at risk it may take either: ship_by, or the facility's floor stages."""
    from dashboard.queries import live_flow

    conn.execute(text("SET LOCAL enable_seqscan = off"))
    conn.execute(text("SET LOCAL enable_bitmapscan = off"))
    parameters = {
        "facility_id": "DC-RNO",
        "stages": ["picking", "staged"],
        "hour_start": NOW,
        "hour_end": NOW,
        "now": NOW,
        "horizon": NOW,
        "rows": 8,
    }
    statement = getattr(live_flow, query)
    plan = conn.execute(text("EXPLAIN " + statement.text), parameters).scalars().all()

    assert any("ix_order_state_open_" in line for line in plan), "\n".join(plan)


def test_cache_step_rounds_down_to_five_seconds():
    assert cache_step(datetime(2026, 5, 1, 12, 0, 9, 999, tzinfo=UTC)) == datetime(
        2026, 5, 1, 12, 0, 5, tzinfo=UTC
    )
