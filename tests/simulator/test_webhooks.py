"""The carriers' webhook sender posts due outbox rows to a real HTTP server, signed, and retries failures."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Connection, text

from db.engine import make_engine
from simulator.databases import sim_database_url
from simulator.webhooks import BACKOFF_BASE, MAX_ATTEMPTS, backoff, deliver_due
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import fill, source_databases
from tests.simulator.webhook_receiver import Receiver, webhook_receiver

SECRET = "whsec-test-1"
LATER = datetime(2026, 12, 31, tzinfo=UTC)
KEEP_ALL = timedelta(days=365)  # retention long enough that LATER still sends every seeded row


@pytest.fixture(scope="module")
def server() -> Iterator[Receiver]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def recorder(server: Receiver) -> Receiver:
    server.reset()
    return server


@pytest.fixture(scope="module")
def sim_main_url(server_url: str) -> Iterator[str]:
    with source_databases(server_url) as main_url:
        fill(main_url, sample_truth())
        yield main_url


@pytest.fixture
def sim_conn(sim_main_url: str) -> Iterator[Connection]:
    """A connection to the simulator database inside a transaction rolled back after the test."""
    engine = make_engine(sim_database_url(sim_main_url), pool_size=1)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            yield connection
            transaction.rollback()
    finally:
        engine.dispose()


def _outbox(conn: Connection) -> list:
    return conn.execute(
        text(
            "SELECT carrier_id, status, attempts, due_at, last_error, delivered_at FROM carrier.webhook_outbox"
        )
    ).all()


def _signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_due_webhooks_are_posted_signed_as_each_carrier_signs(
    sim_conn: Connection, recorder: Receiver
) -> None:
    with httpx.Client(timeout=5) as client:
        delivered = deliver_due(
            sim_conn, LATER, recorder.url, client, signing_secret=SECRET, retention=KEEP_ALL
        )
    assert delivered == len(recorder.received) == 18
    for path, headers, body in recorder.received:
        carrier = path.rsplit("/", 1)[-1]
        assert headers["content-type"] == "application/json"
        if carrier == "fedex":
            assert headers["fdx-signature"] == _signature(body)
        elif carrier == "ontrac":
            assert headers["x-hmac-signature"] == f"hmac-sha256-hex={_signature(body)}"
        elif carrier == "swiftmile":
            assert headers["x-swiftmile-signature"] == f"sha256={_signature(body)}"
        else:
            assert carrier == "ups" and headers["credential"] == SECRET
    rows = _outbox(sim_conn)
    assert {(row.status, row.attempts, row.delivered_at) for row in rows} == {("delivered", 1, LATER)}


def test_oldest_due_first_so_an_out_of_order_scan_arrives_after_the_next_one(
    sim_conn: Connection, recorder: Receiver
) -> None:
    with httpx.Client(timeout=5) as client:
        deliver_due(sim_conn, LATER, recorder.url, client, signing_secret=SECRET, retention=KEEP_ALL)
    codes = [post["activityStatus"]["code"] for post in recorder.carrier_posts("ups")]
    assert codes.index("OT") < codes.index("DP")  # departure scan held back until after out-for-delivery
    assert codes.count("AR") == 2  # the resent copy, with UPS's other wording
    wording = {post["activityStatus"]["description"] for post in recorder.carrier_posts("ups")}
    assert {"Arrived at Facility", "Arrival Scan"} <= wording


def test_tracker_events_carry_the_parcels_history_so_far(sim_conn: Connection, recorder: Receiver) -> None:
    with httpx.Client(timeout=5) as client:
        deliver_due(sim_conn, LATER, recorder.url, client, signing_secret=SECRET, retention=KEEP_ALL)
    events = recorder.carrier_posts("ontrac")
    history = [len(event["result"]["tracking_details"]) for event in events]
    assert history == [1, 2, 3, 4]
    assert events[-1]["result"]["status"] == "delivered"


def test_only_rows_due_by_now_are_sent(sim_conn: Connection, recorder: Receiver) -> None:
    first_due = sim_conn.execute(text("SELECT min(due_at) FROM carrier.webhook_outbox")).scalar()
    with httpx.Client(timeout=5) as client:
        assert deliver_due(sim_conn, first_due - timedelta(seconds=1), recorder.url, client) == 0
        assert deliver_due(sim_conn, first_due, recorder.url, client) == 1
    assert len(recorder.received) == 1


def test_failures_back_off_and_give_up_after_max_attempts(sim_conn: Connection, recorder: Receiver) -> None:
    recorder.status_for["swiftmile"] = 500
    now = LATER
    with httpx.Client(timeout=5) as client:
        deliver_due(sim_conn, now, recorder.url, client, signing_secret=SECRET, retention=KEEP_ALL)
        rows = [row for row in _outbox(sim_conn) if row.carrier_id == "swiftmile"]
        assert {(row.status, row.attempts, row.due_at) for row in rows} == {
            ("pending", 1, now + BACKOFF_BASE)
        }
        assert rows[0].last_error.startswith("HTTP 500")
        for _ in range(MAX_ATTEMPTS - 1):
            now += timedelta(hours=2)
            assert (
                deliver_due(sim_conn, now, recorder.url, client, signing_secret=SECRET, retention=KEEP_ALL)
                == 0
            )
    rows = [row for row in _outbox(sim_conn) if row.carrier_id == "swiftmile"]
    assert {(row.status, row.attempts) for row in rows} == {("failed", MAX_ATTEMPTS)}
    assert len(recorder.carrier_posts("swiftmile")) == 4 * MAX_ATTEMPTS


def test_timeouts_and_refused_connections_count_as_failed_attempts(
    sim_conn: Connection, recorder: Receiver
) -> None:
    recorder.delay_seconds = 0.3
    first_due = sim_conn.execute(text("SELECT min(due_at) FROM carrier.webhook_outbox")).scalar()
    with httpx.Client(timeout=0.05) as client:
        assert deliver_due(sim_conn, first_due, recorder.url, client) == 0
    timed_out = sim_conn.execute(
        text("SELECT last_error FROM carrier.webhook_outbox WHERE attempts = 1")
    ).scalar()
    assert timed_out.startswith("ReadTimeout")
    with httpx.Client(timeout=1) as client:
        assert deliver_due(sim_conn, first_due + timedelta(hours=1), "http://127.0.0.1:9", client) == 0
    refused = sim_conn.execute(
        text("SELECT last_error FROM carrier.webhook_outbox WHERE attempts = 2")
    ).scalar()
    assert refused.startswith("ConnectError")


def test_unsigned_when_there_is_no_secret(sim_conn: Connection, recorder: Receiver) -> None:
    with httpx.Client(timeout=5) as client:
        deliver_due(sim_conn, LATER, recorder.url, client, signing_secret=None, retention=KEEP_ALL)
    headers = [headers for _, headers, _ in recorder.received]
    assert not any(
        {"fdx-signature", "x-hmac-signature", "x-swiftmile-signature", "credential"} & set(h) for h in headers
    )


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(hours=1)


def test_a_webhook_undelivered_past_the_retention_expires_instead_of_being_sent(
    sim_conn: Connection, recorder: Receiver
) -> None:
    # Seeded history was due long before anyone listened: the receiver learns of it by polling.
    from simulator.webhooks import WEBHOOK_RETENTION

    last_due = sim_conn.execute(text("SELECT max(due_at) FROM carrier.webhook_outbox")).scalar()
    with httpx.Client(timeout=5) as client:
        delivered = deliver_due(
            sim_conn, last_due + WEBHOOK_RETENTION + timedelta(seconds=1), recorder.url, client
        )

    assert delivered == 0 and recorder.received == []
    assert {row.status for row in _outbox(sim_conn)} == {"expired"}
