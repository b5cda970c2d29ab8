"""Polling the store allocation tool's event feed into the raw inbox (source `stores`).

GET /store-api/v1/events?cursor=&limit= with the bearer token, following `has_more`. Each page's body is
landed byte for byte as received, and the cursor checkpoint moves to the page's `next_cursor` in the same
transaction, so a crash between pages resumes at the first page not landed. Requests retry with backoff
(source_http.py); a poll that still fails counts against the source's circuit breaker (breaker.py), and
while the breaker is open the tool is not asked at all.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import httpx
import structlog
from sqlalchemy import Engine

from pipeline.checkpoints import read_position, write_position
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, call_through
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError, get_with_retries, source_client

log = structlog.get_logger(__name__)

SOURCE = "stores"
EVENTS_PATH = "/store-api/v1/events"
MAX_PAGE = 500


def store_api_client(settings: Settings) -> httpx.Client:
    return source_client(settings.store_api_base_url, settings, token=settings.sim_store_api_token)


def poll_stores(
    engine: Engine,
    settings: Settings,
    client: httpx.Client,
    *,
    limit: int = MAX_PAGE,
    max_pages: int = 50,
    retry: RetryPolicy | None = None,
    breaker: BreakerPolicy | None = None,
) -> int:
    """Land the tool's new events page by page; returns how many events were landed (0 when skipped).

    Raises `SourceUnavailableError` when the tool cannot be read (after the retries, counted by the breaker).
    """
    retry = retry or RetryPolicy.from_settings(settings)
    breaker = breaker or BreakerPolicy.from_settings(settings)
    landed = call_through(engine, SOURCE, breaker, lambda: _poll(engine, client, limit, max_pages, retry))
    return landed or 0


def _poll(engine: Engine, client: httpx.Client, limit: int, max_pages: int, retry: RetryPolicy) -> int:
    landed = 0
    for _ in range(max_pages):
        with engine.connect() as conn:
            cursor = int(read_position(conn, SOURCE) or 0)
        response = get_with_retries(client, EVENTS_PATH, {"cursor": cursor, "limit": limit}, retry)
        if not response.is_success:
            raise SourceUnavailableError(
                f"GET {EVENTS_PATH}: HTTP {response.status_code} {response.text[:200]}"
            )
        try:
            body = json.loads(response.content)
            events, next_cursor, has_more = body["events"], int(body["next_cursor"]), bool(body["has_more"])
        except (ValueError, KeyError, TypeError) as error:
            raise SourceUnavailableError(f"GET {EVENTS_PATH}: not an events page ({error})") from error
        with engine.begin() as conn:
            if int(read_position(conn, SOURCE, lock=True) or 0) != cursor:
                log.info("stores.moved_by_another_poller", cursor=cursor)
                break
            if events:
                headers = {"cursor": cursor, "next_cursor": next_cursor, "events": len(events)}
                content_type = response.headers.get("content-type", "application/json")
                land(conn, Arrival(SOURCE, response.content, headers, content_type, str(uuid.uuid4())))
                wake_drain(conn, SOURCE)
            write_position(conn, SOURCE, str(next_cursor))
        landed += len(events)
        if not has_more:
            break
    if landed:
        log.info("stores.polled", events=landed)
    return landed


def fetch_store_order(client: httpx.Client, order_ref: str, *, retry: RetryPolicy | None = None) -> bytes:
    """One order's events as the tool answers them (for backfills). `LookupError` when it has none."""
    path = f"/store-api/v1/orders/{quote(order_ref, safe='')}/events"
    response = get_with_retries(client, path, None, retry or RetryPolicy())
    if response.status_code == 404:
        raise LookupError(f"the store tool has no events for order {order_ref!r}")
    if not response.is_success:
        raise SourceUnavailableError(f"GET {path}: HTTP {response.status_code} {response.text[:200]}")
    return response.content
