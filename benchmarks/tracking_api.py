"""Tracking API latency at the seeded scale: p50/p95/p99 of GET /v1/tracking/{order_id}?email=… and of the
tracking-link route, through `waypoint api` (uvicorn) in a process of its own. Goal: p95 <= 50 ms.

The history is the seeded world's (benchmarks/simulated_history.py: WAYPOINT_BENCH_DAYS, default 60, at
WAYPOINT_BENCH_ORDERS_PER_MONTH, default 120,000), loaded through the real load path into a scratch
database, then delivery estimates are computed for every open shipment (pipeline/eta) so the answers
carry them. Orders are drawn at random among those with an email; one client asks them one at a time
(WAYPOINT_BENCH_REQUESTS per route, default 1,000) over a kept-alive connection, after a warm-up.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from api.tracking_tokens import issue
from benchmarks.scratch import scratch_database
from benchmarks.simulated_history import load_simulated_history
from db.engine import make_engine

TARGET_MS = 50.0
SECRET = "bench-tracking-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WAYPOINT_ACTION_TOKEN_SECRET": SECRET,
        "WAYPOINT_API_RATE_LIMIT_PER_MINUTE": "100000000",
        "WAYPOINT_API_RATE_LIMIT_BURST": "100000000",
        "WAYPOINT_LOG_LEVEL": "WARNING",
    }
    waypoint = str(Path(sys.executable).parent / "waypoint")
    process = subprocess.Popen([waypoint, "api", "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("waypoint api did not answer /healthz within 60 s")


def _timed(client: httpx.Client, paths: list[tuple[str, dict]]) -> list[float]:
    timings = []
    for path, params in paths:
        started = time.perf_counter()
        response = client.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
    return timings


def _report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    verdict = "within" if p95 <= TARGET_MS else "OVER"
    print(
        f"  {label:<34} p50 {statistics.median(ordered):6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms"
        f"  ({len(ordered)} requests; {verdict} the {TARGET_MS:.0f} ms target at p95)",
        flush=True,
    )


def _estimate(engine: Engine, now: datetime) -> None:
    from pipeline.eta.recompute import recompute_etas

    started = time.monotonic()
    report = recompute_etas(engine, now=now)
    print(f"  estimates: {report} in {time.monotonic() - started:.0f} s", flush=True)


def main() -> None:
    days = float(os.environ.get("WAYPOINT_BENCH_DAYS", "60"))
    per_month = int(os.environ.get("WAYPOINT_BENCH_ORDERS_PER_MONTH", "120000"))
    requests = int(os.environ.get("WAYPOINT_BENCH_REQUESTS", "1000"))
    print(f"tracking API: {days:g} days at {per_month:,} orders a month; {requests} requests per route")
    now = datetime.now(UTC)
    with scratch_database() as url:
        engine = make_engine(url, pool_size=2)
        history = load_simulated_history(
            engine, days=days, orders_per_month=per_month, now=now, progress=False
        )
        print(
            f"  history: {history.orders:,} orders, {history.events_loaded:,} events in {history.seconds:.0f} s"
        )
        _estimate(engine, now)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            sample = conn.execute(
                text(
                    "SELECT order_id, customer_email FROM customer_order WHERE customer_email IS NOT NULL"
                    " ORDER BY random() LIMIT :n"
                ),
                {"n": requests * 2},
            ).all()
            counts = conn.execute(text("SELECT count(*), sum(event_count) FROM order_state")).one()
        engine.dispose()
        print(f"  database: {counts[0]:,} orders, {counts[1]:,} events", flush=True)
        random.Random(7).shuffle(sample)
        by_email = [(f"/v1/tracking/{o}", {"email": e}) for o, e in sample[:requests]]
        by_link = [
            (f"/v1/tracking/t/{issue(o, now, timedelta(days=1), SECRET.encode())[0]}", {})
            for o, _ in sample[-requests:]
        ]
        port = _free_port()
        server = _serve(url, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                _timed(client, by_email[:50] + by_link[:50])  # warm the pool, the caches and the server
                _report("GET /v1/tracking/{order}?email=", _timed(client, by_email))
                _report("GET /v1/tracking/t/{token}", _timed(client, by_link))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
