"""Answers and latency of the customer routes (`/v1/…`), served at /metrics beside the table-read figures.

These are counted in the process (prometheus_client), unlike the per-source figures that /metrics reads
from the tables: each API process reports its own, and Prometheus sums them over its targets.
- `waypoint_api_requests_total{route,status}`: answers by route template and HTTP status;
- `waypoint_api_request_seconds{route}`: a histogram of the time to answer (the 50 ms p95 goal is a bucket).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/v1/"
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "waypoint_api_requests",
    "Customer API answers by route and status",
    ["route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "waypoint_api_request_seconds",
    "Time to answer a customer API request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)


class RouteMetrics:
    """Pure ASGI middleware: times each `/v1/…` request and counts its status by route template (never by
    the raw path, which holds order numbers and tokens)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(route, str(status)).inc()
            LATENCY.labels(route).observe(time.perf_counter() - started)
