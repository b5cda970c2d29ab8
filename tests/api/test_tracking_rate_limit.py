"""Rate limit per client: a token bucket; 429 with Retry-After; X-Forwarded-For only when trusted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.rate_limit import RateLimiter
from tests.api.live_server import live_server
from tests.api.test_tracking import api_settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_the_sustained_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)

    allowed = [limiter.take("a") for _ in range(3)]
    refused = limiter.take("a")
    other = limiter.take("b")
    clock.now += 2.0  # 30 a minute: one token every 2 s
    after_wait = limiter.take("a")

    assert allowed == [0.0, 0.0, 0.0] and refused == pytest.approx(2.0) and other == 0.0
    assert after_wait == 0.0 and limiter.take("a") > 0


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(per_minute=0, burst=5)


@contextmanager
def served_without_proxy_headers(app: object) -> Iterator[str]:
    """As `waypoint api` serves: uvicorn does not rewrite the peer from X-Forwarded-For (its default
    trusts it from 127.0.0.1, which every test client is)."""
    original = uvicorn.Config
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            uvicorn, "Config", lambda *args, **kwargs: original(*args, proxy_headers=False, **kwargs)
        )
        with live_server(app) as url:
            yield url


def _statuses(url: str, headers: dict[str, str] | None = None, n: int = 3) -> list[httpx.Response]:
    return [
        httpx.get(f"{url}/v1/tracking/SO-1", params={"postal_code": "60614"}, headers=headers, timeout=10)
        for _ in range(n)
    ]


def test_the_api_answers_429_with_retry_after_past_the_limit(api_database_url: str) -> None:
    settings = api_settings(api_rate_limit_per_minute=6, api_rate_limit_burst=2)
    with served_without_proxy_headers(
        create_app(api_database_url, webhook_secret=None, settings=settings)
    ) as url:
        answers = _statuses(url)
        spoofed = _statuses(url, {"X-Forwarded-For": "203.0.113.9"}, n=1)
        health = httpx.get(f"{url}/healthz", timeout=10)

    assert [a.status_code for a in answers] == [404, 404, 429]
    assert answers[2].headers["retry-after"] == "10" and "Too many requests" in answers[2].json()["detail"]
    assert spoofed[0].status_code == 429  # the header is not trusted: still the same peer
    assert health.status_code == 200  # operations routes are not limited


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(api_database_url: str) -> None:
    settings = api_settings(api_rate_limit_per_minute=6, api_rate_limit_burst=1, api_trust_forwarded_for=True)
    with live_server(create_app(api_database_url, webhook_secret=None, settings=settings)) as url:
        first = _statuses(url, {"X-Forwarded-For": "198.51.100.1, 203.0.113.1"}, n=2)
        second = _statuses(url, {"X-Forwarded-For": "198.51.100.1, 203.0.113.2"}, n=1)

    assert [a.status_code for a in first] == [404, 429]
    assert second[0].status_code == 404  # the proxy's entry (the last one) names the client
