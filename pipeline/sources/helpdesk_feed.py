"""Polling the helpdesk's incremental exports into the raw inbox (source `helpdesk`).

Two exports, each with its own checkpoint: ticket events (`helpdesk:ticket_events`) and satisfaction
ratings (`helpdesk:satisfaction_ratings`). A checkpoint is the export's `start_time` plus the ids already
landed at exactly that second: Zendesk-style exports return items at or after `start_time` and the next
call starts at the last item's time, so the boundary items come back; a page with nothing but those is
not landed again. Each page lands with its checkpoint in one transaction; `end_of_stream` ends a run.

An audit alone does not name its order, so each ticket-events page is landed with the tickets its audits
belong to sideloaded under `tickets` (found in the incremental ticket export from the page's first
second on, kept for the rest of the run). Ratings pages are landed byte for byte as received.
Requests retry and the source has a circuit breaker, as for the store tool (source_http.py, breaker.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import structlog
from sqlalchemy import Engine

from pipeline.checkpoints import read_position, write_position
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, call_through
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError, get_with_retries, source_client

log = structlog.get_logger(__name__)

SOURCE = "helpdesk"
API = "/helpdesk/api/v2"


@dataclass(frozen=True)
class Export:
    path: str
    key: str
    checkpoint: str
    time_of: Callable[[dict], int]


def _unix(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


TICKET_EVENTS = Export(
    f"{API}/incremental/ticket_events",
    "ticket_events",
    "helpdesk:ticket_events",
    lambda item: int(item["timestamp"]),
)
RATINGS = Export(
    f"{API}/satisfaction_ratings",
    "satisfaction_ratings",
    "helpdesk:satisfaction_ratings",
    lambda item: _unix(item["updated_at"]),
)
TICKETS = Export(f"{API}/incremental/tickets", "tickets", "", lambda item: _unix(item["updated_at"]))


@dataclass(frozen=True)
class ExportPosition:
    start_time: int = 0
    seen: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def loads(cls, stored: str | None) -> ExportPosition:
        if not stored:
            return cls()
        document = json.loads(stored)
        return cls(int(document["start_time"]), frozenset(document.get("seen", ())))

    def dumps(self) -> str:
        return json.dumps({"start_time": self.start_time, "seen": sorted(self.seen)}, separators=(",", ":"))

    def after(self, items: list[dict], end_time: int, time_of: Callable[[dict], int]) -> ExportPosition:
        at_end = {item["id"] for item in items if time_of(item) == end_time}
        return ExportPosition(
            end_time, frozenset(at_end | (self.seen if end_time == self.start_time else set()))
        )


def helpdesk_client(settings: Settings) -> httpx.Client:
    return source_client(settings.helpdesk_api_base_url, settings)


def poll_helpdesk(
    engine: Engine,
    settings: Settings,
    client: httpx.Client,
    *,
    per_page: int = 1000,
    max_pages: int = 20,
    retry: RetryPolicy | None = None,
    breaker: BreakerPolicy | None = None,
) -> int:
    """Land new ticket audits and ratings; returns how many records were landed (0 when skipped)."""
    retry = retry or RetryPolicy.from_settings(settings)
    breaker = breaker or BreakerPolicy.from_settings(settings)

    def poll() -> int:
        tickets = TicketCache(client, per_page, retry)
        audits = _poll_export(engine, client, TICKET_EVENTS, per_page, max_pages, retry, tickets.bundle)
        return audits + _poll_export(engine, client, RATINGS, per_page, max_pages, retry, None)

    return call_through(engine, SOURCE, breaker, poll) or 0


def _poll_export(
    engine: Engine,
    client: httpx.Client,
    export: Export,
    per_page: int,
    max_pages: int,
    retry: RetryPolicy,
    bundle: Callable[[dict, list[dict]], bytes] | None,
) -> int:
    landed = 0
    for _ in range(max_pages):
        with engine.connect() as conn:
            position = ExportPosition.loads(read_position(conn, export.checkpoint))
        response, body = _page(client, export, position.start_time, per_page, retry)
        items = body[export.key]
        fresh = [
            item
            for item in items
            if not (export.time_of(item) == position.start_time and item["id"] in position.seen)
        ]
        with engine.begin() as conn:
            if ExportPosition.loads(read_position(conn, export.checkpoint, lock=True)) != position:
                break  # another poller moved on meanwhile
            if fresh:
                payload = bundle(body, items) if bundle else response.content
                headers = {"export": export.key, "start_time": position.start_time, "items": len(items)}
                land(conn, Arrival(SOURCE, payload, headers, "application/json", str(uuid.uuid4())))
                wake_drain(conn, SOURCE)
            write_position(
                conn, export.checkpoint, position.after(items, int(body["end_time"]), export.time_of).dumps()
            )
        landed += len(fresh)
        if body["end_of_stream"] or not fresh:
            if not fresh and not body["end_of_stream"]:
                log.warning("helpdesk.page_of_repeats", export=export.key, start_time=position.start_time)
            break
    return landed


def _page(
    client: httpx.Client, export: Export, start_time: int, per_page: int, retry: RetryPolicy
) -> tuple[httpx.Response, dict]:
    response = get_with_retries(client, export.path, {"start_time": start_time, "per_page": per_page}, retry)
    if not response.is_success:
        raise SourceUnavailableError(f"GET {export.path}: HTTP {response.status_code} {response.text[:200]}")
    try:
        body = json.loads(response.content)
        int(body["end_time"]), list(body[export.key]), bool(body["end_of_stream"])
    except (ValueError, KeyError, TypeError) as error:
        raise SourceUnavailableError(f"GET {export.path}: not an export page ({error})") from error
    return response, body


class TicketCache:
    """The tickets audits belong to, read from the incremental ticket export once per poll."""

    def __init__(self, client: httpx.Client, per_page: int, retry: RetryPolicy) -> None:
        self.client, self.per_page, self.retry = client, per_page, retry
        self.tickets: dict[int, dict] = {}
        self.read_from: int | None = None
        self.exhausted = False

    def bundle(self, body: dict, audits: list[dict]) -> bytes:
        """The ticket-events page with the tickets of `audits` sideloaded (those the export has)."""
        wanted = {audit["ticket_id"] for audit in audits}
        self._read_until(wanted, min(int(audit["timestamp"]) for audit in audits))
        tickets = [self.tickets[ticket_id] for ticket_id in sorted(wanted) if ticket_id in self.tickets]
        return json.dumps({**body, "tickets": tickets}, separators=(",", ":")).encode()

    def _read_until(self, wanted: set[int], since: int) -> None:
        if self.read_from is None or since < self.read_from:
            self.read_from, self.exhausted = since, False
        while not wanted <= set(self.tickets) and not self.exhausted:
            _, body = _page(self.client, TICKETS, self.read_from, self.per_page, self.retry)
            self.tickets.update({ticket["id"]: ticket for ticket in body["tickets"]})
            next_from = int(body["end_time"])
            self.exhausted = bool(body["end_of_stream"]) or next_from == self.read_from
            self.read_from = next_from
