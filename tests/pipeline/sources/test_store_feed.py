"""Polling the store tool over real HTTP: retries, the circuit breaker, and a backlog drained exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from pipeline.checkpoints import read_position
from pipeline.drain import drain_batch
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, BreakerState, breaker_status
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError
from pipeline.sources.store_feed import fetch_store_order, poll_stores, store_api_client
from tests.canonical_factory import REGISTRY, ZONES
from tests.pipeline.sources.sim_server import TOKEN, simulator_api

FAST_RETRY = RetryPolicy(attempts=3, initial_seconds=0.01, max_seconds=0.05)
BREAKER = BreakerPolicy(failure_threshold=2, cool_down=timedelta(seconds=1))
EVENTS = "/store-api/v1/events"


@pytest.fixture(scope="module")
def api(server_url: str) -> Iterator[str]:
    with simulator_api(server_url) as (base_url, _main_url):
        yield base_url


@pytest.fixture
def control(api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api) as client:
        client.delete("/_sim/faults")
        yield client
        client.delete("/_sim/faults")


def settings_for(api: str, **overrides) -> Settings:
    return Settings(
        store_api_base_url=api, sim_store_api_token=TOKEN, source_http_timeout_seconds=0.5, **overrides
    )


def arm(control: httpx.Client, mode: str, count: int, **extra) -> None:
    response = control.post(
        "/_sim/faults", json={"path_prefix": EVENTS, "mode": mode, "count": count, **extra}
    )
    assert response.status_code == 201


def remaining(control: httpx.Client) -> list[int]:
    return [fault["remaining"] for fault in control.get("/_sim/faults").json()["faults"]]


def landed_cursors(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        bodies = conn.execute(
            text("SELECT payload FROM raw_inbox WHERE source = 'stores' ORDER BY raw_id")
        ).scalars()
        return [event["cursor"] for body in bodies for event in json.loads(bytes(body))["events"]]


def breaker_state(engine: Engine) -> BreakerState:
    with engine.connect() as conn:
        return breaker_status(conn, "stores").state


def test_failures_are_retried_then_trip_the_breaker_which_recovers_and_the_backlog_drains_once(
    api: str, control: httpx.Client, fresh_engine: Engine
) -> None:
    settings = settings_for(api)
    with store_api_client(settings) as client:

        def poll(**options) -> int:
            return poll_stores(
                fresh_engine, settings, client, limit=2, retry=FAST_RETRY, breaker=BREAKER, **options
            )

        # A timeout and a 500 are retried: the page still arrives.
        arm(control, "timeout", 1, delay_seconds=2)
        arm(control, "error", 1)
        assert poll(max_pages=1) == 2
        assert remaining(control) == []

        # The tool keeps failing: each poll gives up after its retries; the second failure opens the breaker.
        arm(control, "error", 100)
        for _ in range(2):
            with pytest.raises(SourceUnavailableError):
                poll()
        assert breaker_state(fresh_engine) == BreakerState.OPEN
        assert remaining(control) == [100 - 2 * FAST_RETRY.attempts]

        # Open: the tool is not asked at all until the cool-down has passed.
        control.delete("/_sim/faults")
        arm(control, "error", 1)
        assert poll() == 0
        assert remaining(control) == [1]
        control.delete("/_sim/faults")

        # After the cool-down one trial poll goes through, succeeds, closes the breaker and drains the rest.
        time.sleep(BREAKER.cool_down.total_seconds() + 0.1)
        assert poll() == 9
        assert breaker_state(fresh_engine) == BreakerState.CLOSED

    assert landed_cursors(fresh_engine) == list(range(1, 12))
    with fresh_engine.begin() as conn:
        assert read_position(conn, "stores") == "11"
        report = drain_batch(conn, REGISTRY, ZONES)
    assert (report.events, report.loaded, report.quarantined) == (11, 11, 0)


def test_a_rate_limited_answer_waits_for_retry_after(
    api: str, control: httpx.Client, fresh_engine: Engine
) -> None:
    settings = settings_for(api)
    arm(control, "rate_limit", 1)
    started = time.monotonic()
    with store_api_client(settings) as client:
        landed = poll_stores(fresh_engine, settings, client, retry=RetryPolicy(3, 0.01, 5.0), breaker=BREAKER)

    assert landed == 11
    assert time.monotonic() - started >= 1.0  # Retry-After: 1


def test_pages_are_landed_byte_for_byte_as_the_tool_sent_them(api: str, fresh_engine: Engine) -> None:
    settings = settings_for(api)
    with store_api_client(settings) as client:
        poll_stores(fresh_engine, settings, client, limit=5, retry=FAST_RETRY, breaker=BREAKER)
        expected = client.get(EVENTS, params={"cursor": 5, "limit": 5}).content

    with fresh_engine.connect() as conn:
        bodies = [
            bytes(b) for b in conn.execute(text("SELECT payload FROM raw_inbox ORDER BY raw_id")).scalars()
        ]
    assert len(bodies) == 3 and bodies[1] == expected


def test_a_poll_with_nothing_new_lands_nothing(api: str, fresh_engine: Engine) -> None:
    settings = settings_for(api)
    with store_api_client(settings) as client:
        assert poll_stores(fresh_engine, settings, client, retry=FAST_RETRY, breaker=BREAKER) == 11
        assert poll_stores(fresh_engine, settings, client, retry=FAST_RETRY, breaker=BREAKER) == 0

    assert landed_cursors(fresh_engine) == list(range(1, 12))


def test_a_wrong_token_is_refused_without_retries_and_counts_as_a_failure(
    api: str, fresh_engine: Engine
) -> None:
    settings = Settings(store_api_base_url=api, sim_store_api_token="wrong", source_http_timeout_seconds=0.5)
    with store_api_client(settings) as client, pytest.raises(SourceUnavailableError, match="HTTP 401"):
        poll_stores(fresh_engine, settings, client, retry=FAST_RETRY, breaker=BREAKER)

    with fresh_engine.connect() as conn:
        assert breaker_status(conn, "stores").failures == 1


def test_one_order_can_be_fetched_again_for_a_backfill(api: str) -> None:
    with store_api_client(settings_for(api)) as client:
        body = json.loads(fetch_store_order(client, "SO-00012348"))
        with pytest.raises(LookupError):
            fetch_store_order(client, "SO-99999999")

    assert body["order_ref"] == "SO-00012348" and len(body["events"]) == 4
