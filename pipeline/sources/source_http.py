"""Asking a polled source's HTTP API: timeouts, and retries with exponential backoff and jitter (tenacity).

Retryable: timeouts, connection errors, 5xx and 429 (whose Retry-After is respected, up to the cap).
Permanent: any other answer, returned to the caller to judge (a 404 for an order with no events is an
answer, a 401 a configuration error). When the retries run out, `SourceUnavailableError` is raised:
it is what a source's circuit breaker counts (pipeline/sources/breaker.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import structlog
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from pipeline.settings import Settings

log = structlog.get_logger(__name__)


class SourceUnavailableError(RuntimeError):
    """The source gave no usable answer after the retries (or refused the request outright)."""


class RetryableAnswer(Exception):
    """A 5xx or 429: worth asking again after a pause."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    initial_seconds: float = 0.5
    max_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(attempts=settings.source_retry_attempts)


def source_client(base_url: str, settings: Settings, *, token: str | None = None) -> httpx.Client:
    """A client for one source: its base URL, the request timeout, and a bearer token when it needs one."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = httpx.Timeout(settings.source_http_timeout_seconds)
    return httpx.Client(base_url=base_url, timeout=timeout, headers=headers)


def get_with_retries(
    client: httpx.Client, path: str, params: Mapping[str, object] | None, policy: RetryPolicy
) -> httpx.Response:
    """GET `path`; the first answer that is neither retryable nor an error, or `SourceUnavailableError`."""
    retrying = Retrying(
        retry=retry_if_exception_type((httpx.TimeoutException, httpx.TransportError, RetryableAnswer)),
        wait=_wait(policy),
        stop=stop_after_attempt(policy.attempts),
        before_sleep=_log_retry,
    )
    try:
        for attempt in retrying:
            with attempt:
                response = client.get(path, params=dict(params or {}))
                if response.status_code == 429 or response.status_code >= 500:
                    raise RetryableAnswer(response)
    except RetryError as error:
        cause = error.last_attempt.exception()
        raise SourceUnavailableError(
            f"GET {path}: {cause or 'no answer'} after {policy.attempts} attempts"
        ) from cause
    return response


def _wait(policy: RetryPolicy):  # noqa: ANN202 - a tenacity wait strategy
    exponential = wait_random_exponential(multiplier=policy.initial_seconds, max=policy.max_seconds)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableAnswer) and error.response.status_code == 429:
            after = error.response.headers.get("retry-after", "")
            if after.isdigit():
                return max(min(float(after), policy.max_seconds), exponential(state))
        return exponential(state)

    return wait


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.info("source.retry", attempt=state.attempt_number, error=str(error)[:200])
