"""Freshness: from a carrier webhook's receipt to the order state showing it, at ten times peak load.

Peak load is the simulated retailer's busiest hour: about 3x its average of 120,000 orders a month, i.e.
about 1 carrier scan and 2 warehouse events a second. Ten times that: 10 signed FedEx webhooks a second,
plus 20 warehouse events a second landed as canonical payloads, for WAYPOINT_BENCH_SECONDS (default 60).
`waypoint api` and one `waypoint pipeline run` worker run in their own processes at default settings.
Each webhook is timed from just before the POST to the moment a separate connection sees its scan in
`order_state`. Goal: p95 <= 2 s.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from benchmarks.canonical_stream import order_events
from benchmarks.scratch import scratch_database
from benchmarks.webhook_receipt import SECRET, _free_port, _headers, _serve
from db.engine import make_engine
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.load import StagedEvent, load_events
from pipeline.registry import Registry
from tests.canonical_factory import ZONES

ORDERS = 2_000
START = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)  # scans carry whole seconds


def _prepare_shipments(engine) -> None:
    """Orders up to LABEL_PRINTED with FedEx tracking numbers, so webhooks match a shipment."""
    from pipeline.canonical import validate_event

    registry = Registry.from_files()
    staged = []
    for n in range(ORDERS):
        for event in order_events(n, START)[:9]:
            if event["event_type"] == "LABEL_PRINTED":
                event["attributes"].update(
                    carrier="fedex", service_level="FEDEX_GROUND", tracking_number=f"79{n:010d}"
                )
            staged.append(StagedEvent(validate_event(event, registry, ZONES), datetime.now(UTC)))
    with engine.begin() as conn:
        load_events(conn, staged)


def _webhook(n: int, at: datetime) -> bytes:
    scan = {
        "date": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "eventType": "AR",
        "eventDescription": "Arrived at FedEx location",
        "exceptionCode": "",
        "exceptionDescription": "",
        "scanLocation": {
            "city": "MEMPHIS",
            "stateOrProvinceCode": "TN",
            "postalCode": "38118",
            "countryCode": "US",
        },
        "derivedStatusCode": "IT",
        "derivedStatus": "In transit",
    }
    return json.dumps({"trackingNumber": f"79{n:010d}", "carrierCode": "FDXG", "scanEvent": scan}).encode()


def _worker(url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "WAYPOINT_LOG_LEVEL": "INFO",
           "WAYPOINT_WEBHOOK_SIGNING_SECRET": SECRET}  # fmt: skip
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "waypoint"), "pipeline", "run"],
        env=env,
        stderr=open("/tmp/fresh_worker.log", "w"),
    )


def _visible(engine, tracking: str, at: datetime, timeout: float = 30.0) -> float | None:
    deadline = time.perf_counter() + timeout
    with engine.connect() as conn:
        while time.perf_counter() < deadline:
            seen = conn.execute(
                text(
                    "SELECT 1 FROM order_state o JOIN shipment s USING (order_id)"
                    " WHERE s.tracking_number = :t AND o.last_event_at >= :at"
                ),
                {"t": tracking, "at": at},
            ).first()
            conn.rollback()
            if seen:
                return time.perf_counter()
            time.sleep(0.01)
    return None


def _warehouse_load(engine, stop: threading.Event) -> None:
    n = ORDERS
    while not stop.is_set():
        body = b"\n".join(json.dumps(e).encode() for e in order_events(n, START + timedelta(hours=1))[:10])
        body += b"\n" + b"\n".join(json.dumps(e).encode() for e in order_events(n + 1, START)[:10])
        with engine.begin() as conn:
            land(conn, Arrival("canonical:bench", body))
            wake_drain(conn, "canonical:bench")
        n += 2
        stop.wait(1.0)


def _explain_missing(engine) -> None:
    with engine.connect() as conn:
        print(
            "  inbox:",
            conn.execute(text("SELECT source, status, count(*) FROM raw_inbox GROUP BY 1, 2")).all(),
        )
        print(
            "  quarantine:",
            conn.execute(text("SELECT source, reason_code, count(*) FROM quarantine GROUP BY 1, 2")).all(),
        )


def main() -> None:
    seconds = int(os.environ.get("WAYPOINT_BENCH_SECONDS", "60"))
    rate = 10
    print(f"freshness: {rate} webhooks/s + 20 warehouse events/s for {seconds}s, receipt -> order state")
    with scratch_database() as url:
        engine = make_engine(url, pool_size=10)
        _prepare_shipments(engine)
        port = _free_port()
        api, worker = _serve(url, port), _worker(url)
        target = f"http://127.0.0.1:{port}/webhooks/fedex"
        stop = threading.Event()
        background = threading.Thread(target=_warehouse_load, args=(engine, stop), daemon=True)
        samples: list[float] = []
        missing = 0
        try:
            time.sleep(3)  # the worker's first polls of absent sources fail fast and settle
            background.start()
            with httpx.Client(timeout=10) as client, ThreadPoolExecutor(8) as watchers:
                futures = []
                begin = time.perf_counter()
                for i in range(seconds * rate):
                    time.sleep(max(0.0, begin + i / rate - time.perf_counter()))
                    n, at = i % ORDERS, START + timedelta(hours=3, seconds=i)
                    body = _webhook(n, at)
                    sent = time.perf_counter()
                    response = client.post(target, content=body, headers=_headers(body))
                    if response.status_code != 202:
                        raise RuntimeError(f"webhook answered {response.status_code}")
                    futures.append((sent, watchers.submit(_visible, engine, f"79{n:010d}", at)))
                print(f"  sent {len(futures)} webhooks", flush=True)
                for sent, future in futures:
                    seen = future.result()
                    if seen is None and not missing:
                        _explain_missing(engine)
                    if seen is None:
                        missing += 1
                    else:
                        samples.append(seen - sent)
        finally:
            stop.set()
            for process in (worker, api):
                process.send_signal(signal.SIGINT)
            for process in (worker, api):
                try:
                    process.wait(timeout=90)
                except subprocess.TimeoutExpired:  # never leave a process behind
                    process.kill()
                    process.wait()
            engine.dispose()
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"  {len(samples)} webhooks seen in order_state, {missing} not within 30 s")
    print(f"  receipt -> order state: p50 {statistics.median(samples) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {samples[-1] * 1000:.0f} ms (goal p95 <= 2000 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
