"""The raw payload samples in tests/fixtures/<source>/ are exactly what the simulated sources produce.

Ingestion tests parse these files; this test keeps them from drifting away from the renderers. After an
intended format change, regenerate them with `WAYPOINT_WRITE_FIXTURES=1 pytest tests/simulator/test_sources_fixtures.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from db.engine import libpq_url, make_engine
from simulator.databases import sim_database_url
from simulator.http_api import create_app
from simulator.webhooks import deliver_due
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import database_urls, fill, source_databases
from tests.simulator.webhook_receiver import webhook_receiver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_SECRET = "waypoint-fixture-secret"
WRITE = os.environ.get("WAYPOINT_WRITE_FIXTURES") == "1"
TOKEN = "fixture-token"


@pytest.fixture(scope="module")
def main_url(server_url: str) -> Iterator[str]:
    with source_databases(server_url) as url:
        fill(url, sample_truth())
        yield url


@pytest.fixture(scope="module")
def client(main_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(main_url, store_api_token=TOKEN)) as test_client:
        yield test_client


def _check(relative: str, content: bytes) -> None:
    path = FIXTURES / relative
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return
    assert path.exists(), f"{relative} is missing: regenerate with WAYPOINT_WRITE_FIXTURES=1"
    assert path.read_bytes() == content, f"{relative} differs from what the renderer produces now"


def _check_json(relative: str, value: object) -> None:
    _check(relative, (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode())


def _change_log(url: str) -> list[dict]:
    with psycopg.connect(libpq_url(url), row_factory=dict_row) as conn:
        rows = conn.execute("SELECT * FROM wms.change_log ORDER BY seq").fetchall()
    for row in rows:
        row["txn_ts"] = row["txn_ts"].isoformat(sep=" ")
        row["available_at"] = row["available_at"].astimezone(UTC).isoformat()
    return rows


@pytest.mark.parametrize("facility_id", ["DC-RNO", "DC-CMH"])
def test_wms_change_log_samples(main_url: str, facility_id: str) -> None:
    folder = f"wms_{facility_id.lower().replace('-', '_')}"
    _check_json(f"{folder}/change_log.json", _change_log(database_urls(main_url)[f"wms:{facility_id}"]))


API_SAMPLES = [
    ("store_tool/events_page.json", "GET", "/store-api/v1/events?cursor=0&limit=500", None),
    ("store_tool/order_events.json", "GET", "/store-api/v1/orders/SO-00012348/events", None),
    ("ups/track_details.json", "GET", "/ups/api/track/v1/details/1Z4A7W290398615727", None),
    ("ups/track_details_not_found.json", "GET", "/ups/api/track/v1/details/1Z0000000000000000", None),
    ("fedex/track_response.json", "POST", "/fedex/track/v1/trackingnumbers",
     {"trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in ("794619838472", "000000000000")]}),
    ("usps/tracking_detail.json", "GET", "/usps/tracking/v3/tracking/9405511899223197428490?expand=DETAIL", None),
    ("dhl/shipments.json", "GET", "/dhl/track/shipments?trackingNumber=GM2951173225174494", None),
    ("dhl/not_found.json", "GET", "/dhl/track/shipments?trackingNumber=GM0000000000000000", None),
    ("ontrac/tracker_by_tracking_code.json", "GET", "/easypost/v2/trackers?tracking_code=D10011234567890", None),
    ("swiftmile/parcel_events.json", "GET", "/swiftmile/v1/parcels/SWM0000482211/events", None),
    ("helpdesk/incremental_tickets.json", "GET", "/helpdesk/api/v2/incremental/tickets?start_time=0", None),
    ("helpdesk/incremental_ticket_events.json", "GET", "/helpdesk/api/v2/incremental/ticket_events?start_time=0",
     None),
    ("helpdesk/satisfaction_ratings.json", "GET", "/helpdesk/api/v2/satisfaction_ratings?start_time=0", None),
]  # fmt: skip


@pytest.mark.parametrize(("relative", "method", "path", "body"), API_SAMPLES, ids=[s[0] for s in API_SAMPLES])
def test_api_response_samples(
    client: TestClient, relative: str, method: str, path: str, body: dict | None
) -> None:
    response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    _check_json(relative, {"status": response.status_code, "body": response.json()})


def test_webhook_samples_with_their_headers(main_url: str) -> None:
    """Each webhook body exactly as posted (the signature covers these bytes), and its headers."""
    engine = make_engine(sim_database_url(main_url), pool_size=1)
    try:
        with webhook_receiver() as receiver, engine.connect() as conn, httpx.Client(timeout=5) as http:
            transaction = conn.begin()
            deliver_due(
                conn, datetime(2026, 12, 31, tzinfo=UTC), receiver.url, http, signing_secret=FIXTURE_SECRET
            )
            transaction.rollback()
    finally:
        engine.dispose()
    headers: dict[str, dict[str, dict[str, str]]] = {}
    counts: dict[str, int] = {}
    for path, received_headers, body in receiver.received:
        carrier = path.rsplit("/", 1)[-1]
        counts[carrier] = counts.get(carrier, 0) + 1
        name = f"webhook_{counts[carrier]:02d}.json"
        _check(f"{carrier}/{name}", body)
        kept = {
            k: v for k, v in received_headers.items() if k not in {"host", "accept-encoding", "connection"}
        }
        headers.setdefault(carrier, {})[name] = kept
    for carrier, by_file in headers.items():
        _check_json(f"{carrier}/webhook_headers.json", by_file)
