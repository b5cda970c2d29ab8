"""The per-minute memory of the live flow: one row per facility and minute, zeros included, written
again harmlessly, pruned after the retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.flow_snapshots import snapshot_flow, write_flow_snapshot
from dashboard.flow_thresholds import LIVE_FLOW_STAGES
from db.master_data import facilities
from db.models.kiosk import FlowSnapshot
from tests.dashboard.flow_orders import order_in_stage

NOW = datetime(2026, 11, 20, 22, 40, 37, 120, tzinfo=UTC)
MINUTE = NOW.replace(second=0, microsecond=0)


def snapshot(conn, facility_id: str, taken_at: datetime = MINUTE) -> dict | None:
    return conn.execute(
        select(FlowSnapshot.counts).where(
            FlowSnapshot.facility_id == facility_id, FlowSnapshot.taken_at == taken_at
        )
    ).scalar()


def test_a_snapshot_counts_open_orders_per_stage_for_every_facility(conn):
    order_in_stage(conn, "SO-1", "picking", NOW - timedelta(minutes=5))
    order_in_stage(conn, "SO-2", "picking", NOW - timedelta(minutes=2))
    order_in_stage(conn, "SO-3", "staged", NOW - timedelta(hours=5), facility_id="ST-012")
    order_in_stage(conn, "SO-4", "delivered", NOW - timedelta(hours=5))
    order_in_stage(conn, "SO-5", "in_transit", NOW - timedelta(hours=5))

    written = write_flow_snapshot(conn, NOW)

    assert written == len(facilities())
    assert snapshot(conn, "DC-RNO") == {**dict.fromkeys(LIVE_FLOW_STAGES, 0), "picking": 2}
    assert snapshot(conn, "ST-012")["staged"] == 1
    assert snapshot(conn, "DC-CMH") == dict.fromkeys(LIVE_FLOW_STAGES, 0)


def test_writing_the_same_minute_again_keeps_one_row_with_the_latest_counts(conn):
    write_flow_snapshot(conn, NOW)
    order_in_stage(conn, "SO-1", "packed", NOW)
    write_flow_snapshot(conn, NOW + timedelta(seconds=20))

    rows = conn.execute(
        select(func.count()).select_from(FlowSnapshot).where(FlowSnapshot.facility_id == "DC-RNO")
    ).scalar_one()
    assert rows == 1
    assert snapshot(conn, "DC-RNO")["packed"] == 1


def test_minutes_older_than_the_retention_are_pruned(conn):
    write_flow_snapshot(conn, NOW - timedelta(hours=48, minutes=1))
    write_flow_snapshot(conn, NOW - timedelta(hours=48))
    write_flow_snapshot(conn, NOW)

    kept = (
        conn.execute(select(FlowSnapshot.taken_at).distinct().order_by(FlowSnapshot.taken_at)).scalars().all()
    )
    assert kept == [MINUTE - timedelta(hours=48), MINUTE]


def test_a_naive_clock_is_refused(conn):
    with pytest.raises(ValueError, match="aware"):
        write_flow_snapshot(conn, datetime(2026, 11, 20, 22, 40))


def test_the_worker_job_commits_its_own_transaction(fresh_engine):
    assert snapshot_flow(fresh_engine, NOW) == len(facilities())
    with fresh_engine.connect() as conn:
        assert snapshot(conn, "DC-RNO") == dict.fromkeys(LIVE_FLOW_STAGES, 0)
