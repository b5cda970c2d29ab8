"""Carrier polling: ask the carriers' tracking APIs about shipments that have gone quiet, land the answers.

Which shipments: labelled, not delivered, and with no carrier scan for settings.carrier_poll_stale_minutes
(or, never scanned, labelled that long ago) — oldest first, at most settings.carrier_poll_batch per run.
Runs go round: a run continues after the last shipment the previous run asked about (checkpoint
`carrier_polling`) and wraps to the oldest, so parcels a carrier never answers for cannot starve the rest.

How: each carrier's transport module (pipeline/sources/carriers/<format>_transport.py) says what to send
(FedEx takes 30 numbers per POST, the others one each). Every 2xx body is landed as received (source
`carrier:<id>`, header `x-waypoint-poll: 1`) with a NOTIFY for the drain, and committed at once, so a
crash loses nothing already asked. Timeouts, connection errors, 5xx and 429 are retried with exponential
backoff and jitter (the policy of pipeline/sources/source_http.py; a 429's Retry-After is respected); a
404 is an answer — the carrier has no scan yet — and other 4xx are refusals, neither retried. An answer
(2xx or 404) stamps the shipments' `polled_at`. A carrier
that stays unavailable after the retries ends its part of the run and counts against its circuit
breaker (pipeline/sources/breaker.py, per `carrier:<id>`); while the breaker is open it is not asked at
all. One carrier failing never stops the others. The worker runs this under an advisory lock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import structlog
from sqlalchemy import Connection, Engine, text
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from db.master_data import carriers
from pipeline.checkpoints import read_position, write_position
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, call_through
from pipeline.sources.carriers.transport import TrackingRequest, transport_for
from pipeline.sources.source_http import RetryableAnswer, RetryPolicy, SourceUnavailableError, source_client

log = structlog.get_logger(__name__)

CHECKPOINT = "carrier_polling"
POLL_HEADER = "x-waypoint-poll"

_STALE = """
SELECT shipment_id, carrier_id, tracking_number, coalesce(last_scan_at, label_printed_at) AS quiet_since
FROM shipment
WHERE tracking_number IS NOT NULL AND carrier_id IS NOT NULL AND label_printed_at IS NOT NULL
  AND delivered_at IS NULL AND coalesce(last_scan_at, label_printed_at) < :threshold
  AND (coalesce(last_scan_at, label_printed_at), shipment_id) > (:after_at, :after_id)
ORDER BY coalesce(last_scan_at, label_printed_at), shipment_id
LIMIT :limit
"""
_ASKED = text(
    "UPDATE shipment SET polled_at = :at WHERE carrier_id = :carrier_id AND tracking_number = ANY(:numbers)"
)
_BEGINNING = (datetime(1, 1, 1, tzinfo=UTC), "")


@dataclass(frozen=True)
class StaleShipment:
    shipment_id: str
    carrier_id: str
    tracking_number: str
    quiet_since: datetime

    @property
    def position(self) -> str:
        return f"{self.quiet_since.isoformat()}|{self.shipment_id}"


@dataclass
class PollReport:
    """What one run did: shipments chosen, requests sent (and HTTP attempts), answers landed, numbers the
    carriers did not know, numbers not asked or not answered (refusals, unavailable or open-breaker carriers)."""

    shipments: int = 0
    requests: int = 0
    attempts: int = 0
    landed: int = 0
    not_found: int = 0
    failed: int = 0
    skipped: int = 0
    landed_by_carrier: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def poll_carriers(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
    breaker: BreakerPolicy | None = None,
) -> PollReport:
    """Poll the stale shipments' carriers once; commits per landed answer, then moves the checkpoint."""
    now = now or datetime.now(UTC)
    retry = retry or RetryPolicy.from_settings(settings)
    breaker = breaker or BreakerPolicy.from_settings(settings)
    threshold = now - timedelta(minutes=settings.carrier_poll_stale_minutes)
    with engine.connect() as conn:
        chosen = stale_shipments(conn, threshold, settings.carrier_poll_batch, after=_after(conn))
    report = PollReport(shipments=len(chosen))
    if not chosen:
        return report
    formats = {carrier.carrier_id: carrier.feed_format for carrier in carriers()}
    owned = client is None
    client = client or source_client(settings.carrier_api_base_url, settings)
    try:
        for carrier_id, numbers in _by_carrier(chosen).items():
            if carrier_id not in formats:
                log.warning("carrier_polling.unknown_carrier", carrier=carrier_id, shipments=len(numbers))
                report.failed += len(numbers)
                continue
            requests = transport_for(formats[carrier_id]).tracking_requests(numbers)
            source = f"carrier:{carrier_id}"
            try:
                poll = partial(_poll, engine, client, source, requests, retry, report)
                asked = call_through(engine, source, breaker, poll)
            except SourceUnavailableError:
                continue
            if asked is None:
                report.skipped += len(numbers)
    finally:
        if owned:
            client.close()
    with engine.begin() as conn:
        write_position(conn, CHECKPOINT, chosen[-1].position)
    log.info("carrier_polling.done", **{k: v for k, v in vars(report).items() if k != "landed_by_carrier"})
    return report


def stale_shipments(
    conn: Connection, threshold: datetime, limit: int, *, after: tuple[datetime, str] = _BEGINNING
) -> list[StaleShipment]:
    """Up to `limit` quiet shipments after the `after` position, then wrapping to the oldest."""
    first = _stale(conn, threshold, limit, after)
    if len(first) < limit and after != _BEGINNING:
        seen = {item.shipment_id for item in first}
        wrapped = [
            item for item in _stale(conn, threshold, limit, _BEGINNING) if item.shipment_id not in seen
        ]
        first += wrapped[: limit - len(first)]
    return first


def _stale(
    conn: Connection, threshold: datetime, limit: int, after: tuple[datetime, str]
) -> list[StaleShipment]:
    rows = conn.execute(
        text(_STALE), {"threshold": threshold, "limit": limit, "after_at": after[0], "after_id": after[1]}
    )
    return [StaleShipment(r.shipment_id, r.carrier_id, r.tracking_number, r.quiet_since) for r in rows]


def _after(conn: Connection) -> tuple[datetime, str]:
    position = read_position(conn, CHECKPOINT)
    if not position or "|" not in position:
        return _BEGINNING
    at, _, shipment_id = position.partition("|")
    try:
        return datetime.fromisoformat(at), shipment_id
    except ValueError:
        return _BEGINNING


def _by_carrier(chosen: list[StaleShipment]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in chosen:
        grouped[item.carrier_id].append(item.tracking_number)
    return dict(grouped)


def _poll(
    engine: Engine,
    client: httpx.Client,
    source: str,
    requests: Sequence[TrackingRequest],
    retry: RetryPolicy,
    report: PollReport,
) -> int:
    """Send one carrier's requests in order; an unavailable carrier ends its part (the rest is `failed`)."""
    for index, request in enumerate(requests):
        report.requests += 1
        try:
            response = _send(client, request, retry, report)
        except SourceUnavailableError:
            report.failed += sum(len(item.numbers) for item in requests[index:])
            raise
        if response.status_code == 404:
            report.not_found += len(request.numbers)
            with engine.begin() as conn:
                _mark_asked(conn, source, request)
        elif not response.is_success:
            log.warning("carrier_polling.refused", source=source, path=request.path, status=response.status_code,
                        body=response.text[:200])  # fmt: skip
            report.failed += len(request.numbers)
        else:
            _land(engine, source, request, response)
            report.landed += 1
            report.landed_by_carrier[source.partition(":")[2]] += 1
    return len(requests)


def _send(
    client: httpx.Client, request: TrackingRequest, retry: RetryPolicy, report: PollReport
) -> httpx.Response:
    """The first answer that is not retryable, or `SourceUnavailableError` once the attempts are spent."""
    exponential = wait_random_exponential(multiplier=retry.initial_seconds, max=retry.max_seconds)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableAnswer) and error.response.status_code == 429:
            after = error.response.headers.get("retry-after", "")
            if after.isdigit():
                return max(min(float(after), retry.max_seconds), exponential(state))
        return exponential(state)

    retrying = Retrying(
        retry=retry_if_exception_type((httpx.TimeoutException, httpx.TransportError, RetryableAnswer)),
        wait=wait,
        stop=stop_after_attempt(retry.attempts),
    )
    try:
        for attempt in retrying:
            with attempt:
                report.attempts += 1
                response = client.request(
                    request.method, request.path, params=request.params or None, json=request.json
                )
                if response.status_code == 429 or response.status_code >= 500:
                    raise RetryableAnswer(response)
    except RetryError as error:
        cause = error.last_attempt.exception()
        raise SourceUnavailableError(
            f"{request.method} {request.path}: {cause or 'no answer'} after {retry.attempts} attempts"
        ) from cause
    return response


def _land(engine: Engine, source: str, request: TrackingRequest, response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "application/json")
    headers = {
        POLL_HEADER: "1",
        "x-waypoint-request": f"{request.method} {request.path}",
        "content-type": content_type,
    }
    with engine.begin() as conn:
        land(conn, Arrival(source, response.content, headers, content_type, str(uuid.uuid4())))
        _mark_asked(conn, source, request)
        wake_drain(conn, source)


def _mark_asked(conn: Connection, source: str, request: TrackingRequest) -> None:
    """The carrier answered about these parcels (with scans, or with none yet): the silent-carrier rules
    (pipeline/exceptions/silent_queries.py) count a parcel as silent only once its carrier was asked."""
    conn.execute(
        _ASKED,
        {"carrier_id": source.partition(":")[2], "numbers": list(request.numbers), "at": datetime.now(UTC)},
    )
