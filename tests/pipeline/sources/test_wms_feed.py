"""Polling the WMS change log: a page per transaction, checkpoint with the page, no gap and no repeat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from db.engine import make_engine
from pipeline.checkpoints import read_position
from pipeline.drain import drain_batch
from pipeline.settings import Settings
from pipeline.sources import wms_feed
from pipeline.sources.base import ParseContext
from pipeline.sources.wms import adapter
from pipeline.sources.wms_feed import WmsPosition, fetch_wms_order, poll_wms, wms_url
from tests.canonical_factory import REGISTRY, ZONES
from tests.pipeline.sources.wms_database import fixture_rows, insert_rows, wms_engine_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def wms_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = wms_engine_for(fresh_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def landed_seqs(engine: Engine, source: str = "wms:DC-RNO") -> list[int]:
    """Every seq in the inbox, in landing order (a repeat would show twice)."""
    with engine.connect() as conn:
        payloads = conn.execute(
            text("SELECT payload FROM raw_inbox WHERE source = :s ORDER BY raw_id"), {"s": source}
        )
        return [row["seq"] for (payload,) in payloads for row in json.loads(bytes(payload))]


def position(engine: Engine) -> WmsPosition:
    with engine.connect() as conn:
        return WmsPosition.loads(read_position(conn, "wms:DC-RNO"))


def test_pages_are_landed_with_the_checkpoint_and_drain_into_events(
    fresh_engine: Engine, wms_engine: Engine
) -> None:
    with wms_engine.begin() as wms:
        insert_rows(wms, fixture_rows("DC-RNO"))

    assert poll_wms(fresh_engine, wms_engine, "DC-RNO", page_size=5) == 12
    assert poll_wms(fresh_engine, wms_engine, "DC-RNO", page_size=5) == 0

    assert landed_seqs(fresh_engine) == list(range(1, 13))
    assert position(fresh_engine) == WmsPosition(12)
    with fresh_engine.begin() as conn:
        report = drain_batch(conn, REGISTRY, ZONES)
        assert (report.payloads, report.loaded, report.quarantined) == (3, 11, 1)
        state = conn.execute(
            text("SELECT facility_id, labeled_at, picked_at FROM order_state WHERE order_id = 'SO-00012345'")
        ).one()
        shipment = conn.execute(
            text("SELECT carrier_id, tracking_number FROM shipment WHERE shipment_id = 'SO-00012345-1'")
        ).one()
        epoch = conn.execute(
            text("SELECT reason_code, rule FROM quarantine WHERE source = 'wms:DC-RNO'")
        ).one()
        order = conn.execute(
            text("SELECT destination_time_zone, channel FROM customer_order WHERE order_id = 'SO-00012345'")
        ).one()
    assert state.facility_id == "DC-RNO" and state.labeled_at is not None and state.picked_at is not None
    assert tuple(shipment) == ("ups", "1Z4A7W290398615727")
    assert tuple(epoch) == ("invalid_timestamp", "epoch")
    assert tuple(order) == ("America/Los_Angeles", "web")


def test_a_poll_that_fails_between_pages_resumes_with_no_gap_and_no_repeat(
    fresh_engine: Engine, wms_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wms_engine.begin() as wms:
        insert_rows(wms, fixture_rows("DC-RNO"))
    real_land, calls = wms_feed.land, []

    def land_then_die(conn, arrival):
        calls.append(arrival)
        if len(calls) == 2:
            raise ConnectionError("worker lost between pages")
        return real_land(conn, arrival)

    monkeypatch.setattr(wms_feed, "land", land_then_die)
    with pytest.raises(ConnectionError):
        poll_wms(fresh_engine, wms_engine, "DC-RNO", page_size=4)
    assert landed_seqs(fresh_engine) == [1, 2, 3, 4] and position(fresh_engine).high == 4

    monkeypatch.setattr(wms_feed, "land", real_land)
    poll_wms(fresh_engine, wms_engine, "DC-RNO", page_size=4)

    assert landed_seqs(fresh_engine) == list(range(1, 13))


_SLOW_POLLER = """
import sys, time
from db.engine import make_engine
from pipeline.sources import wms_feed
real_land = wms_feed.land
def slow_land(conn, arrival):
    time.sleep(0.15)
    return real_land(conn, arrival)
wms_feed.land = slow_land
wms_feed.poll_wms(make_engine(sys.argv[1]), make_engine(sys.argv[2]), "DC-RNO", page_size=1, max_pages=1000)
"""


def test_a_worker_killed_mid_poll_leaves_whole_pages_and_the_next_poll_completes(
    fresh_database_url: str, fresh_engine: Engine, wms_engine: Engine
) -> None:
    with wms_engine.begin() as wms:
        insert_rows(wms, fixture_rows("DC-RNO") * 4)
    wms_database = wms_engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen(
        [sys.executable, "-c", _SLOW_POLLER, fresh_database_url, wms_database], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while len(landed_seqs(fresh_engine)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    survived = landed_seqs(fresh_engine)
    assert 5 <= len(survived) < 48 and survived == list(range(1, len(survived) + 1))

    poll_wms(fresh_engine, wms_engine, "DC-RNO", page_size=7)

    assert landed_seqs(fresh_engine) == list(range(1, 49))


def test_a_row_that_commits_late_with_a_lower_seq_is_landed_once_when_it_appears(
    fresh_engine: Engine, wms_engine: Engine
) -> None:
    first, late, after = fixture_rows("DC-RNO")[:3], fixture_rows("DC-RNO")[3], fixture_rows("DC-RNO")[4:6]
    with wms_engine.begin() as wms:
        insert_rows(wms, first)
    with wms_engine.connect() as slow:
        slow_transaction = slow.begin()
        (late_seq,) = insert_rows(slow, [late])  # seq 4 taken, not yet committed
        with wms_engine.begin() as wms:
            insert_rows(wms, after)  # seq 5, 6 commit first
        poll_wms(fresh_engine, wms_engine, "DC-RNO")
        assert landed_seqs(fresh_engine) == [1, 2, 3, 5, 6]
        assert set(position(fresh_engine).gaps) == {late_seq}
        slow_transaction.commit()

    poll_wms(fresh_engine, wms_engine, "DC-RNO")
    poll_wms(fresh_engine, wms_engine, "DC-RNO")

    assert sorted(landed_seqs(fresh_engine)) == [1, 2, 3, 4, 5, 6] and len(landed_seqs(fresh_engine)) == 6
    assert position(fresh_engine) == WmsPosition(6)


def test_a_hole_left_by_a_rolled_back_insert_is_forgotten_after_the_gap_ttl(
    fresh_engine: Engine, wms_engine: Engine
) -> None:
    rows = fixture_rows("DC-RNO")
    with wms_engine.connect() as wms:
        rolled_back = wms.begin()
        insert_rows(wms, rows[:1])
        rolled_back.rollback()
    with wms_engine.begin() as wms:
        insert_rows(wms, rows[1:3])

    poll_wms(fresh_engine, wms_engine, "DC-RNO")
    assert set(position(fresh_engine).gaps) == {1}
    poll_wms(fresh_engine, wms_engine, "DC-RNO", gap_ttl=timedelta(0))

    assert position(fresh_engine) == WmsPosition(3)
    assert landed_seqs(fresh_engine) == [2, 3]


def test_the_poller_never_reads_the_simulators_available_at_column(
    fresh_engine: Engine, wms_engine: Engine
) -> None:
    with wms_engine.begin() as wms:
        insert_rows(wms, fixture_rows("DC-RNO"))
    role = f"wms_reader_{uuid.uuid4().hex[:8]}"
    columns = ", ".join(wms_feed.CHANGE_LOG_COLUMNS)
    with wms_engine.begin() as wms:
        wms.execute(text(f"CREATE ROLE {role} LOGIN"))
        wms.execute(text(f"GRANT USAGE ON SCHEMA wms TO {role}"))
        wms.execute(text(f"GRANT SELECT ({columns}) ON wms.change_log TO {role}"))
    reader = make_engine(
        make_url(wms_engine.url.render_as_string(hide_password=False))
        .set(username=role)
        .render_as_string(hide_password=False)
    )
    try:
        with reader.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT available_at FROM wms.change_log"))
        assert poll_wms(fresh_engine, reader, "DC-RNO") == 12
    finally:
        reader.dispose()
        with wms_engine.begin() as wms:
            wms.execute(text(f"REVOKE ALL ON wms.change_log FROM {role}"))
            wms.execute(text(f"REVOKE ALL ON SCHEMA wms FROM {role}"))
            wms.execute(text(f"DROP ROLE {role}"))


def test_fetching_one_order_gives_a_page_the_adapter_reads(wms_engine: Engine) -> None:
    with wms_engine.begin() as wms:
        insert_rows(wms, fixture_rows("DC-RNO") + [{**fixture_rows("DC-CMH")[0], "whse": "RNO1"}])

    payload = fetch_wms_order(wms_engine, "SO-00012345")

    rows = json.loads(payload)
    assert [row["seq"] for row in rows] == list(range(1, 13)) and "available_at" not in rows[0]
    assert rows[0]["txn_ts"] == "2026-10-30 11:12:05"
    parsed = list(adapter("wms:DC-RNO").parse(payload, ParseContext("wms:DC-RNO", None, ZONES)))
    assert len(parsed) == 12


def test_the_wms_database_of_a_dc_can_be_configured() -> None:
    main = "postgresql://u:p@db.internal/waypoint"
    settings = Settings(wms_database_urls={"DC-CMH": "postgresql://u:p@wms-cmh/wms"})

    assert wms_url(settings, main, "DC-CMH") == "postgresql://u:p@wms-cmh/wms"
    assert wms_url(settings, main, "DC-RNO").endswith("/waypoint_wms_dc_rno")


def test_positions_round_trip_and_a_plain_number_is_a_position_without_gaps() -> None:
    pos = WmsPosition(3).after([5, 9], wms_feed.datetime(2026, 11, 1, tzinfo=wms_feed.UTC))

    assert set(pos.gaps) == {4, 6, 7, 8} and pos.high == 9
    assert WmsPosition.loads(pos.dumps()) == pos
    assert WmsPosition.loads("42") == WmsPosition(42)
