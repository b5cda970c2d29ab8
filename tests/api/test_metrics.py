"""End to end through the API: carriers POST their webhooks, the drain loads them, /metrics counts them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from api.app import create_app
from pipeline.drain import drain_batch
from tests.api.conftest import FIXTURE_SECRET
from tests.api.live_server import live_server
from tests.canonical_factory import REGISTRY, ZONES
from tests.pipeline.sources.carriers.carrier_fixtures import webhook, webhook_count, webhook_headers
from tests.pipeline.sources.carriers.test_carrier_ingest import introduce_orders

PUSHING_CARRIERS = ("fedex", "ontrac", "swiftmile", "ups")


@pytest.fixture(scope="module")
def api_url(api_database_url: str) -> Iterator[str]:
    with live_server(create_app(api_database_url, webhook_secret=FIXTURE_SECRET)) as url:
        yield url


def _samples(url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_posted_webhooks_drain_into_events_shipments_and_metrics(api_url: str, api_engine: Engine) -> None:
    with api_engine.begin() as conn:
        introduce_orders(conn)
    for carrier in PUSHING_CARRIERS:
        for n in range(1, webhook_count(carrier) + 1):
            sent = {k: v for k, v in webhook_headers(carrier, n).items() if k != "content-length"}
            response = httpx.post(f"{api_url}/webhooks/{carrier}", content=webhook(carrier, n), headers=sent)
            assert response.status_code == 202
    unsigned = httpx.post(f"{api_url}/webhooks/fedex", content=webhook("fedex", 1))
    assert unsigned.status_code == 401

    backlog = _samples(api_url)
    with api_engine.begin() as conn:
        report = drain_batch(conn, REGISTRY, ZONES, limit=500)
    after = _samples(api_url)

    assert backlog[("waypoint_inbox_pending", ())] == 18
    assert (report.payloads, report.loaded, report.quarantined) == (18, 17, 0)
    with api_engine.connect() as conn:
        statuses = dict(
            conn.execute(
                text("SELECT carrier_id, status FROM shipment WHERE carrier_id = ANY(:pushing)"),
                {"pushing": list(PUSHING_CARRIERS)},
            ).all()
        )
        types = conn.execute(
            text("SELECT event_type FROM event WHERE source = 'carrier:swiftmile' ORDER BY occurred_at")
        ).scalars()
        assert list(types) == ["CARRIER_PICKUP", "OUT_FOR_DELIVERY", "DELIVERY_EXCEPTION", "DELIVERED"]
    assert statuses == dict.fromkeys(PUSHING_CARRIERS, "DELIVERED")
    assert after[("waypoint_inbox_pending", ())] == 0
    ups = (("source", "carrier:ups"),)
    assert after[("waypoint_source_received_total", ups)] == 6
    assert after[("waypoint_source_normalized_total", ups)] == 5
    assert after[("waypoint_source_duplicates_total", ups)] == 1
    ontrac = (("source", "carrier:ontrac"),)
    assert after[("waypoint_source_normalized_total", ontrac)] == 4
    assert after[("waypoint_source_duplicates_total", ontrac)] == 6  # every tracker re-sends its history
    assert after[("waypoint_source_ingest_lag_seconds_total", ups)] >= 0
    assert ("waypoint_source_last_received_timestamp_seconds", ups) in after


def test_open_quarantine_is_counted_by_source_and_reason(api_url: str, api_engine: Engine) -> None:
    bad = b'{"trackingNumber": "1Z4A7W290398615727", "activityStatus": {"type": "I", "code": "ZZ"}}'
    headers = {"credential": FIXTURE_SECRET, "content-type": "application/json"}
    assert httpx.post(f"{api_url}/webhooks/ups", content=bad, headers=headers).status_code == 202
    with api_engine.begin() as conn:
        drain_batch(conn, REGISTRY, ZONES)

    samples = _samples(api_url)

    assert samples[("waypoint_quarantine_open", (("reason", "unknown_code"), ("source", "carrier:ups")))] == 1


def test_pipeline_health_and_quality_findings_are_gauges_per_source(api_url: str, api_engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    from pipeline.quality.findings import Finding, record_findings
    from pipeline.quality.health_job import check_once

    now = datetime.now(UTC)
    with api_engine.begin() as conn:  # a DC that sent a payload a minute for two weeks, then stopped
        conn.execute(
            text(
                "INSERT INTO source_counter (source, hour, received, normalized, last_received_at)"
                " SELECT 'wms:DC-CMH', h, 60, 60, least(h + interval '59 minutes', CAST(:last AS timestamptz))"
                " FROM generate_series(date_trunc('hour', CAST(:last AS timestamptz)) - interval '15 days',"
                " CAST(:last AS timestamptz), interval '1 hour') AS h"
            ),
            {"last": now - timedelta(minutes=30)},
        )
        check_once(conn, now=now)
        record_findings(conn, [Finding("timestamp", "epoch", "wms:DC-CMH", "quarantined", "9")], now)

    samples = _samples(api_url)

    cmh = (("source", "wms:DC-CMH"),)
    assert samples[("waypoint_source_health_breach", cmh)] == 1
    freshness = (("breach", "freshness"), ("source", "wms:DC-CMH"))
    assert samples[("waypoint_source_health_breach_kind", freshness)] == 1
    assert 29 * 60 < samples[("waypoint_source_silent_seconds", cmh)] < 31 * 60
    assert samples[("waypoint_source_freshness_limit_seconds", cmh)] == 7 * 60
    assert samples[("waypoint_source_expected_payloads_per_hour", cmh)] == 60
    finding = (("action", "quarantined"), ("area", "timestamp"), ("rule", "epoch"), ("source", "wms:DC-CMH"))
    assert samples[("waypoint_quality_findings", finding)] == 1
