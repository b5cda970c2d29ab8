"""Rate limit of the customer-facing routes: a token bucket per client, kept in the API process.

Each client may make `burst` requests at once and `per_minute` sustained; past that it is answered 429
with Retry-After (whole seconds until one request is allowed again). The client is the connection's
peer address, or — only when settings.api_trust_forwarded_for says a proxy in front appends it — the
last X-Forwarded-For entry (the address that proxy saw; earlier entries are the client's own say).
Several API processes each count on their own: the limit a client sees is per process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request

MAX_CLIENTS = 100_000  # buckets kept before full ones are forgotten (a full bucket is a fresh one)


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("rate limit: per_minute and burst must be at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when `client` may go ahead (one token taken), else the seconds until it may."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        full = [
            client
            for client, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self.rate >= self.burst
        ]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) >= MAX_CLIENTS:  # all busy: start over rather than grow without bound
            self._buckets.clear()


def client_of(request: Request, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:100]
    return request.client.host if request.client else "unknown"


async def rate_limited(request: Request) -> None:
    """FastAPI dependency of the customer routes: raise 429 when this client is over its limit."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(client_of(request, request.app.state.settings.api_trust_forwarded_for))
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail="Too many requests: please wait before trying again.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
