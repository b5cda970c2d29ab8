"""Live mode: each step moves the rows that came due into the source tables, leaves future ones pending,
generates the hours the clock enters and counts the activity; run_live stops when asked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from db.engine import libpq_url
from pipeline.settings import Settings
from simulator.databases import sim_database_url
from simulator.engine import WorldNotSeeded, seed
from simulator.live import LiveClock, load_state, run_live, step
from tests.api.live_server import free_port
from tests.simulator.truth_table_source import SYSTEMS

NOW = datetime(2026, 11, 21, 9, 40, tzinfo=UTC)


@pytest.fixture
def seeded(fresh_database_url: str) -> Iterator[str]:
    seed(
        fresh_database_url,
        days=0.5,
        orders_per_month=20_000,
        seed=9,
        now=NOW,
        progress=False,
        systems=SYSTEMS,
    )
    yield fresh_database_url


def _counts(url: str, until: datetime) -> dict[str, int]:
    with psycopg.connect(libpq_url(sim_database_url(url))) as conn:
        return {
            "written": conn.execute("SELECT count(*) FROM truthlog.record").fetchone()[0],
            "written_late": conn.execute(
                "SELECT count(*) FROM truthlog.record WHERE available_at > %s", (until,)
            ).fetchone()[0],
            "due_pending": conn.execute(
                "SELECT count(*) FROM sim.pending WHERE available_at <= %s", (until,)
            ).fetchone()[0],
            "pending": conn.execute("SELECT count(*) FROM sim.pending").fetchone()[0],
            "activity": conn.execute(
                "SELECT coalesce(sum(events_total), 0) FROM sim.activity_total"
            ).fetchone()[0],
            "minute_buckets": conn.execute(
                "SELECT coalesce(sum(events), 0) FROM sim.activity_minute"
            ).fetchone()[0],
        }


def test_a_step_moves_due_rows_and_leaves_future_ones_pending(seeded: str):
    until = NOW + timedelta(minutes=20)
    before = _counts(seeded, until)
    assert before["due_pending"] > 0
    state = step(seeded, until, systems=SYSTEMS)
    after = _counts(seeded, until)
    assert state.clock == until
    assert after["due_pending"] == 0
    assert after["written_late"] == 0
    assert after["written"] > before["written"]
    assert after["pending"] > 0
    assert after["activity"] - before["activity"] == after["written"] - before["written"]
    assert after["minute_buckets"] - before["minute_buckets"] == after["written"] - before["written"]


def test_a_step_into_a_new_hour_generates_its_orders(seeded: str):
    until = NOW + timedelta(hours=4, minutes=5)
    step(seeded, until, systems=SYSTEMS)
    with psycopg.connect(libpq_url(sim_database_url(seeded))) as conn:
        new_orders = conn.execute(
            "SELECT count(*) FROM truthlog.record WHERE event_type = 'ORDER_RECEIVED' AND occurred_at >= %s",
            (datetime(2026, 11, 21, 10, tzinfo=UTC),),
        ).fetchone()[0]
    assert load_state(seeded).generated_until == datetime(2026, 11, 21, 14, tzinfo=UTC)
    assert new_orders > 0


def test_a_step_back_in_time_changes_nothing(seeded: str):
    before = _counts(seeded, NOW)
    state = step(seeded, NOW - timedelta(hours=1), systems=SYSTEMS)
    assert state.clock == NOW
    assert _counts(seeded, NOW) == before


def test_live_mode_needs_a_seeded_world(fresh_database_url: str):
    with pytest.raises(WorldNotSeeded):
        load_state(fresh_database_url)


def test_the_live_clock_runs_at_its_speed():
    clock = LiveClock(simulated=NOW, speed=60.0, wall=100.0)
    assert clock.now(101.5) == NOW + timedelta(seconds=90)


def test_run_live_catches_up_ticks_serves_the_apis_and_stops_on_the_stop_event(fresh_database_url: str):
    start = datetime.now(UTC) - timedelta(hours=2)
    seed(
        fresh_database_url,
        days=0.25,
        orders_per_month=20_000,
        seed=9,
        now=start,
        progress=False,
    )
    port, smtp_port = free_port(), free_port()
    settings = Settings(sim_port=port, sim_smtp_port=smtp_port, sim_webhook_url=None)
    stop = threading.Event()
    result: dict = {}
    runner = threading.Thread(
        target=lambda: result.update(
            state=run_live(
                fresh_database_url,
                speed=600.0,
                stop_event=stop,
                tick_seconds=0.2,
                settings=settings,
            )
        )
    )
    runner.start()
    answered = None
    deadline = time.monotonic() + 120  # the catch-up runs first; a loaded machine makes it slow
    while time.monotonic() < deadline and runner.is_alive():
        try:
            answered = httpx.get(
                f"http://127.0.0.1:{port}/store-api/v1/events?cursor=0", timeout=2
            ).status_code
            break
        except httpx.TransportError:
            time.sleep(0.1)
    time.sleep(1.0)
    stop.set()
    runner.join(timeout=120)
    assert not runner.is_alive()
    assert answered in (200, 401)
    assert result["state"].clock > datetime.now(UTC)
    with psycopg.connect(libpq_url(sim_database_url(fresh_database_url))) as conn:
        due = conn.execute(
            "SELECT count(*) FROM sim.pending WHERE available_at <= %s", (result["state"].clock,)
        )
        assert due.fetchone()[0] == 0
