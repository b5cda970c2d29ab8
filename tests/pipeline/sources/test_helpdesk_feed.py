"""Polling the helpdesk's incremental exports over real HTTP: per-export checkpoints, sideloaded tickets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from pipeline.checkpoints import read_position
from pipeline.drain import drain_batch
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, BreakerState, breaker_status
from pipeline.sources.helpdesk_feed import ExportPosition, helpdesk_client, poll_helpdesk
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError
from tests.canonical_factory import REGISTRY, ZONES
from tests.pipeline.sources.sim_server import simulator_api

FAST_RETRY = RetryPolicy(attempts=2, initial_seconds=0.01, max_seconds=0.05)
BREAKER = BreakerPolicy(failure_threshold=1, cool_down=timedelta(minutes=5))


@pytest.fixture(scope="module")
def api(server_url: str) -> Iterator[str]:
    with simulator_api(server_url) as (base_url, _main_url):
        yield base_url


@pytest.fixture
def client(api: str) -> Iterator[httpx.Client]:
    with helpdesk_client(Settings(helpdesk_api_base_url=api, source_http_timeout_seconds=2)) as helpdesk:
        yield helpdesk


def poll(engine: Engine, client: httpx.Client, **options) -> int:
    return poll_helpdesk(engine, Settings(), client, retry=FAST_RETRY, breaker=BREAKER, **options)


def landed(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            json.loads(bytes(p))
            for p in conn.execute(text("SELECT payload FROM raw_inbox ORDER BY raw_id")).scalars()
        ]


def test_audits_with_their_tickets_and_ratings_are_landed_once_and_drain_into_events(
    fresh_engine: Engine, client: httpx.Client
) -> None:
    assert poll(fresh_engine, client, per_page=2) == 5
    assert poll(fresh_engine, client, per_page=2) == 0

    pages = landed(fresh_engine)
    audits = [a["id"] for page in pages for a in page.get("ticket_events", [])]
    assert sorted(set(audits)) == [1, 2, 3, 4]
    assert all({t["id"] for t in page["tickets"]} >= {a["ticket_id"] for a in page["ticket_events"]}
               for page in pages if "ticket_events" in page)  # fmt: skip
    with fresh_engine.begin() as conn:
        checkpoint = ExportPosition.loads(read_position(conn, "helpdesk:ticket_events"))
        assert (checkpoint.start_time, checkpoint.seen) == (1794512700, frozenset({4}))
        report = drain_batch(conn, REGISTRY, ZONES)
        types = conn.execute(
            text("SELECT event_type, count(*) FROM event WHERE source = 'helpdesk' GROUP BY 1")
        ).all()
    assert (report.loaded, report.quarantined) == (5, 0)
    assert dict(types) == {"SUPPORT_TICKET_OPENED": 1, "CUSTOMER_REPORTED_ISSUE": 1, "RETURN_REQUESTED": 1,
                           "REFUND_ISSUED": 1, "SURVEY_RESPONDED": 1}  # fmt: skip


def test_an_unreachable_helpdesk_counts_against_its_breaker(fresh_engine: Engine) -> None:
    settings = Settings(helpdesk_api_base_url="http://127.0.0.1:9", source_http_timeout_seconds=0.5)
    with helpdesk_client(settings) as unreachable:
        with pytest.raises(SourceUnavailableError):
            poll(fresh_engine, unreachable)
        assert poll(fresh_engine, unreachable) == 0  # open: not asked

    with fresh_engine.connect() as conn:
        assert breaker_status(conn, "helpdesk").state == BreakerState.OPEN


def test_export_positions_remember_the_ids_at_their_boundary_second() -> None:
    def time_of(item: dict) -> int:
        return item["t"]

    start = ExportPosition(100, frozenset({7}))

    assert start.after([{"id": 8, "t": 100}], 100, time_of) == ExportPosition(100, frozenset({7, 8}))
    assert start.after([{"id": 8, "t": 100}, {"id": 9, "t": 105}], 105, time_of) == ExportPosition(
        105, frozenset({9})
    )
    assert ExportPosition.loads(start.dumps()) == start
