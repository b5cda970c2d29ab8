"""Carrier polling against real local servers: the simulator's tracking APIs, and a scripted one for failures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import psycopg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from db.engine import ensure_database, libpq_url
from pipeline.drain import drain_batch
from pipeline.settings import Settings
from pipeline.sources.breaker import BreakerPolicy, breaker_status
from pipeline.sources.carrier_polling import poll_carriers, stale_shipments
from pipeline.sources.source_http import RetryPolicy
from simulator.databases import sim_database_url
from simulator.http_api import create_app as simulator_app
from simulator.sources.carriers import carrier_sources
from tests.api.live_server import live_server
from tests.canonical_factory import REGISTRY, ZONES
from tests.pipeline.sources.carriers.carrier_fixtures import PARCELS
from tests.pipeline.sources.carriers.test_carrier_ingest import PLACED, introduce_orders
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import fill

QUICK = RetryPolicy(attempts=3, initial_seconds=0.01, max_seconds=0.05)
LATER = PLACED + timedelta(days=1)  # every label is older than the 240-minute threshold


def settings_for(url: str, **changes: object) -> Settings:
    return Settings(carrier_api_base_url=url, **changes)


@pytest.fixture
def labelled(fresh_engine: Engine) -> Engine:
    """A main database knowing the six sample parcels' orders and labels, no scans yet."""
    with fresh_engine.begin() as conn:
        introduce_orders(conn)
    return fresh_engine


@pytest.fixture
def simulator_url(fresh_database_url: str) -> Iterator[str]:
    """The simulator's tracking APIs over its carrier tables, filled from the sample world."""
    ensure_database(sim_database_url(fresh_database_url))
    systems = carrier_sources()
    with psycopg.connect(libpq_url(sim_database_url(fresh_database_url)), autocommit=True) as conn:
        conn.execute(systems[0].ddl)
    fill(fresh_database_url, sample_truth(), systems)
    app = simulator_app(fresh_database_url, store_api_token=None)
    with live_server(app) as url:
        yield url


@dataclass
class ScriptedCarrier:
    """A tracking API that answers from a script: a status per call, then 200 with an empty answer."""

    script: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def answer(path: str, request: Request) -> JSONResponse:
            self.calls.append(f"/{path}?{request.url.query}")
            status = self.script.pop(0) if self.script else 200
            headers = {"Retry-After": "0"} if status == 429 else {}
            return JSONResponse({"errors": []} if status >= 400 else {"trackingEvents": []}, status, headers)

        return app


def _inbox(engine: Engine):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT source, headers, payload FROM raw_inbox WHERE source LIKE 'carrier:%'")
        ).all()


def test_stale_shipments_are_polled_landed_and_drained_into_events(
    labelled: Engine, simulator_url: str
) -> None:
    report = poll_carriers(labelled, settings_for(simulator_url), now=LATER, retry=QUICK)

    assert (report.shipments, report.requests, report.landed, report.failed) == (6, 6, 6, 0)
    landed = _inbox(labelled)
    assert {row.source for row in landed} == {f"carrier:{carrier}" for carrier, _ in PARCELS.values()}
    assert {row.headers["x-waypoint-poll"] for row in landed} == {"1"}
    with labelled.begin() as conn:
        drained = drain_batch(conn, REGISTRY, ZONES)
        statuses = dict(conn.execute(text("SELECT carrier_id, status FROM shipment")).all())
    assert (drained.quarantined, drained.loaded) == (0, 23)
    assert statuses == {
        "ups": "DELIVERED", "fedex": "DELIVERED", "usps": "DELIVERED", "dhl": "DELIVERY_DELAYED",
        "ontrac": "DELIVERED", "swiftmile": "DELIVERED",
    }  # fmt: skip


def test_only_labelled_undelivered_shipments_quiet_for_the_threshold_are_chosen(labelled: Engine) -> None:
    with labelled.begin() as conn:
        conn.execute(text("UPDATE shipment SET delivered_at = :at WHERE carrier_id = 'ups'"), {"at": LATER})
        conn.execute(text("UPDATE shipment SET last_scan_at = :at WHERE carrier_id = 'dhl'"), {"at": LATER})
        quiet = stale_shipments(conn, LATER - timedelta(minutes=240), 50)
        too_early = stale_shipments(conn, PLACED, 50)

    assert {item.carrier_id for item in quiet} == {"fedex", "usps", "ontrac", "swiftmile"}
    assert too_early == []


def test_a_500_is_retried_and_the_answer_then_landed(labelled: Engine, simulator_url: str) -> None:
    httpx.post(f"{simulator_url}/_sim/faults", json={"path_prefix": "/ups/", "mode": "error", "count": 2})

    report = poll_carriers(labelled, settings_for(simulator_url), now=LATER, retry=QUICK)

    assert (report.requests, report.attempts, report.landed, report.failed) == (6, 8, 6, 0)
    assert report.landed_by_carrier["ups"] == 1


def test_a_404_is_permanent_and_not_retried(labelled: Engine) -> None:
    carrier = ScriptedCarrier(script=[404] * 6)
    with live_server(carrier.app()) as url:
        report = poll_carriers(labelled, settings_for(url), now=LATER, retry=QUICK)

    assert (report.requests, report.attempts, report.not_found, report.landed) == (6, 6, 6, 0)
    assert len(carrier.calls) == 6
    assert _inbox(labelled) == []
    assert _asked(labelled) == {carrier_id for carrier_id, _ in PARCELS.values()}, "no scan yet is an answer"


def test_429_and_5xx_are_retried_and_an_unavailable_carrier_does_not_stop_the_others(
    labelled: Engine,
) -> None:
    # calls in order: UPS 429 then 200; FedEx 503 three times (gives up); USPS, DHL, OnTrac, SwiftMile 200
    carrier = ScriptedCarrier(script=[429, 200, 503, 503, 503])
    with live_server(carrier.app()) as url:
        report = poll_carriers(labelled, settings_for(url), now=LATER, retry=QUICK)

    assert (report.requests, report.attempts, report.landed, report.failed) == (6, 2 + 3 + 4, 5, 1)
    assert "fedex" not in report.landed_by_carrier
    assert _asked(labelled) == {"ups", "usps", "dhl", "ontrac", "swiftmile"}, "FedEx never answered"
    with labelled.connect() as conn:
        assert breaker_status(conn, "carrier:fedex").failures == 1
        assert breaker_status(conn, "carrier:ups").failures == 0


def test_a_carrier_whose_breaker_is_open_is_not_asked(labelled: Engine) -> None:
    carrier = ScriptedCarrier(script=[200, 503, 503, 503])  # UPS answers, FedEx is down
    opens_at_once = BreakerPolicy(failure_threshold=1, cool_down=timedelta(minutes=10))
    with live_server(carrier.app()) as url:
        poll_carriers(labelled, settings_for(url), now=LATER, retry=QUICK, breaker=opens_at_once)
        before = len(carrier.calls)
        again = poll_carriers(labelled, settings_for(url), now=LATER, retry=QUICK, breaker=opens_at_once)

    assert not any(call.startswith("/fedex/") for call in carrier.calls[before:])
    assert (again.skipped, again.landed) == (1, 5)


def test_runs_go_round_so_unanswered_parcels_do_not_starve_the_rest(labelled: Engine) -> None:
    carrier = ScriptedCarrier(script=[404] * 100)  # no carrier knows any parcel: nothing ever gets a scan
    asked: list[list[str]] = []
    with live_server(carrier.app()) as url:
        for _ in range(3):
            before = len(carrier.calls)
            poll_carriers(labelled, settings_for(url, carrier_poll_batch=4), now=LATER, retry=QUICK)
            asked.append(sorted(call.split("/")[1] for call in carrier.calls[before:]))

    # oldest first by (quiet since, shipment id): ups, fedex, usps, dhl, easypost (ontrac), swiftmile
    assert asked == [
        ["dhl", "fedex", "ups", "usps"],
        ["easypost", "fedex", "swiftmile", "ups"],  # the last two, then round to the oldest
        ["dhl", "easypost", "swiftmile", "usps"],
    ]


def test_fedex_numbers_are_asked_thirty_to_a_request(labelled: Engine) -> None:
    with labelled.begin() as conn:
        for n in range(40):
            conn.execute(
                text(
                    "INSERT INTO shipment (shipment_id, order_id, carrier_id, tracking_number, label_printed_at)"
                    " VALUES (:id, :order, 'fedex', :number, :at)"
                ),
                {"id": f"SO-9{n:04d}-1", "order": f"SO-9{n:04d}", "number": f"7946{n:08d}", "at": PLACED},
            )
    carrier = ScriptedCarrier()
    with live_server(carrier.app()) as url:
        report = poll_carriers(labelled, settings_for(url, carrier_poll_batch=100), now=LATER, retry=QUICK)

    fedex_calls = [call for call in carrier.calls if call.startswith("/fedex/")]
    assert (report.shipments, len(fedex_calls)) == (46, 2)  # 41 FedEx numbers: 30 + 11


def _asked(engine: Engine) -> set[str]:
    """The carriers whose shipments carry a polled_at: those that answered (the silent rules rely on it)."""
    with engine.connect() as conn:
        return set(
            conn.execute(text("SELECT carrier_id FROM shipment WHERE polled_at IS NOT NULL")).scalars()
        )
