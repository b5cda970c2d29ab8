"""Workers in separate processes: killed mid-batch, or three at once, every event lands exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from pipeline.inbox import Arrival, land
from tests.canonical_factory import shipped_order

pytestmark = pytest.mark.slow
PLACED = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
ORDERS = 300


def land_orders(engine: Engine) -> int:
    """One payload per order, every third payload also resent (a double delivery)."""
    with engine.begin() as conn:
        for n in range(ORDERS):
            events = shipped_order(
                f"SO-3{n:07d}", PLACED + timedelta(minutes=n), tracking_number=f"1ZW{n:09d}"
            )
            body = b"\n".join(json.dumps(e).encode() for e in events)
            land(conn, Arrival("canonical:test", body))
            if n % 3 == 0:
                land(conn, Arrival("canonical:test", body))
    return ORDERS * 15


def worker(database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WAYPOINT_DRAIN_BATCH_SIZE": "4",
        "WAYPOINT_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli.main", "pipeline", "run", "--once"], env=env)


def loaded(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        events = conn.execute(
            text("SELECT count(*) FROM event WHERE source = 'wms:DC-RNO' OR source LIKE 'carrier:%'")
        ).scalar()
        distinct = conn.execute(text("SELECT count(DISTINCT (source, event_id)) FROM event")).scalar()
        pending = conn.execute(text("SELECT count(*) FROM raw_inbox WHERE status = 'pending'")).scalar()
    return events, distinct, pending


def test_a_worker_killed_mid_batch_then_restarted_loads_every_event_exactly_once(
    fresh_engine, fresh_database_url
):
    expected = land_orders(fresh_engine)
    victim = worker(fresh_database_url)
    deadline = time.monotonic() + 60
    while loaded(fresh_engine)[0] < expected // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert 0 < loaded(fresh_engine)[0] < expected, "the kill should land mid-stream"

    assert worker(fresh_database_url).wait(timeout=120) == 0

    assert loaded(fresh_engine) == (expected, expected, 0)


def test_three_workers_draining_one_inbox_neither_duplicate_nor_lose(fresh_engine, fresh_database_url):
    expected = land_orders(fresh_engine)

    workers = [worker(fresh_database_url) for _ in range(3)]

    assert [w.wait(timeout=180) for w in workers] == [0, 0, 0]
    assert loaded(fresh_engine) == (expected, expected, 0)
    with fresh_engine.connect() as conn:
        states = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE stage = 'delivered') FROM order_state")
        ).one()
        batches = conn.execute(text("SELECT count(DISTINCT batch_id) FROM raw_inbox")).scalar()
    assert tuple(states) == (ORDERS, ORDERS)
    assert batches > 3
