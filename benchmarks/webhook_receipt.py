"""How fast a carrier webhook is answered: POST /webhooks/{carrier} on a real uvicorn server, signed.

The request path does no parsing: authenticate (HMAC-SHA256), land in the inbox, NOTIFY, commit, 202.
The server is `waypoint api` in its own process (one uvicorn worker) on a scratch database.
The target is a 2xx within 50 ms. Measured from the client: one sender in a loop (latency), then several
senders at once (latency under load and throughput). WAYPOINT_BENCH_WEBHOOKS sets the number of POSTs per
phase, WAYPOINT_BENCH_SENDERS the concurrent senders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.scratch import scratch_database

SECRET = "bench-secret"
TARGET_MS = 50.0


def _body(n: int) -> bytes:
    scan = {
        "date": f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:05-05:00",
        "eventType": "IT",
        "eventDescription": "In transit",
        "exceptionCode": "",
        "exceptionDescription": "",
        "scanLocation": {
            "city": "COLUMBUS",
            "stateOrProvinceCode": "OH",
            "postalCode": "43215",
            "countryCode": "US",
        },
        "derivedStatusCode": "IT",
        "derivedStatus": "In transit",
    }
    return json.dumps({"trackingNumber": f"79{n:010d}", "carrierCode": "FDXG", "scanEvent": scan}).encode()


def _headers(body: bytes) -> dict[str, str]:
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"content-type": "application/json", "fdx-signature": signature}


def _post_many(client: httpx.Client, url: str, numbers: range) -> list[float]:
    timings = []
    for n in numbers:
        body = _body(n)
        started = time.perf_counter()
        response = client.post(url, content=body, headers=_headers(body))
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 202:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")
    return timings


def _report(label: str, timings: list[float], seconds: float) -> None:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    verdict = "within" if p95 <= TARGET_MS else "OVER"
    print(
        f"  {label:<28} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms  "
        f"{len(timings) / seconds:7.0f} req/s  ({verdict} the {TARGET_MS:.0f} ms target at p95)"
    )


def _serve(url: str, port: int) -> subprocess.Popen:
    """`waypoint api` in a process of its own, as it runs in production; returns once /healthz answers."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WAYPOINT_WEBHOOK_SIGNING_SECRET": SECRET,
        "WAYPOINT_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "waypoint"), "api", "--port", str(port)], env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("waypoint api did not answer /healthz within 60 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    count = int(os.environ.get("WAYPOINT_BENCH_WEBHOOKS", "2000"))
    senders = int(os.environ.get("WAYPOINT_BENCH_SENDERS", "8"))
    print(
        f"webhook receipt: {count} signed FedEx webhooks one at a time, then {count} from {senders} senders"
    )
    with scratch_database() as url:
        port = _free_port()
        server = _serve(url, port)
        target = f"http://127.0.0.1:{port}/webhooks/fedex"
        try:
            with httpx.Client(timeout=10) as client:
                _post_many(client, target, range(-50, 0))  # warm the pool and the server
                started = time.perf_counter()
                sequential = _post_many(client, target, range(count))
                _report("one sender", sequential, time.perf_counter() - started)
            share = max(1, count // senders)
            with ThreadPoolExecutor(senders) as pool, httpx.Client(timeout=10) as shared:
                started = time.perf_counter()
                parts = pool.map(
                    lambda i: _post_many(shared, target, range(count + i * share, count + (i + 1) * share)),
                    range(senders),
                )
                concurrent = [ms for part in parts for ms in part]
                _report(f"{senders} senders at once", concurrent, time.perf_counter() - started)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
