"""Backfill: a gap is first asked of its source again (the WMS change log by order); what the source
cannot give is inferred, flagged and counted by KPIs (or left out), and retired when the real one comes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.kpis.facts import daily_kpi_rows
from pipeline.quality.backfill import backfill_gaps
from pipeline.quality.inference import INFERRED_SOURCE
from pipeline.quality.refetch import SourceAccess
from pipeline.settings import Settings, get_settings
from pipeline.sources.store_feed import fetch_store_order, store_api_client
from pipeline.sources.wms_feed import change_log_bytes, fetch_wms_order
from tests.canonical_factory import REGISTRY, ZONES, canonical_event, shipped_order
from tests.pipeline.sources.carriers.carrier_fixtures import PARCELS
from tests.pipeline.sources.carriers.test_carrier_ingest import PLACED as LABELLED
from tests.pipeline.sources.carriers.test_carrier_ingest import introduce_orders
from tests.pipeline.sources.sim_server import TOKEN, simulator_api
from tests.pipeline.sources.test_carrier_polling import simulator_url  # noqa: F401 - a fixture
from tests.pipeline.sources.wms_database import fixture_rows, insert_rows, wms_engine_for

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def drain_all(engine: Engine) -> None:
    with engine.begin() as conn:
        while drain_batch(conn, REGISTRY, ZONES).payloads:
            pass


def rows_of(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def test_a_wms_gap_is_refetched_from_the_change_log_and_closes_without_inference(
    fresh_engine: Engine, fresh_database_url: str
) -> None:
    wms = wms_engine_for(fresh_database_url, "DC-RNO")
    try:
        with wms.begin() as conn:
            insert_rows(
                conn, [{k: v for k, v in row.items() if k != "seq"} for row in fixture_rows("DC-RNO")[:9]]
            )
        page = [
            row for row in json.loads(fetch_wms_order(wms, "SO-00012345")) if row["txn_code"] != "PACK_END"
        ]
    finally:
        wms.dispose()
    with fresh_engine.begin() as conn:  # the PACK_END row never reached Waypoint
        land(conn, Arrival("wms:DC-RNO", change_log_bytes(page)))
    drain_all(fresh_engine)
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)

    first = backfill_gaps(fresh_engine, get_settings(), database_url=fresh_database_url, now=now)

    assert (first.found, first.refetched, first.inferred) == (1, 1, 0)
    assert first.by_rule == {"label_without_pack": 1}
    outcome = rows_of(fresh_engine, "SELECT state, refetch_outcome FROM backfill_gap")
    assert outcome == [("refetched", "landed 1 of 9 rows")]
    drain_all(fresh_engine)
    second = backfill_gaps(fresh_engine, get_settings(), database_url=fresh_database_url,
                           now=now + timedelta(hours=1))  # fmt: skip
    assert (second.closed, second.inferred) == (1, 0)
    assert rows_of(fresh_engine, "SELECT state, closed_by FROM backfill_gap") == [("closed", "refetch")]
    packed = rows_of(fresh_engine, "SELECT source, event_id FROM event WHERE event_type = 'PACK_COMPLETED'")
    assert packed == [("wms:DC-RNO", "8")]


@pytest.fixture
def order_without_pack(fresh_engine: Engine) -> list[dict]:
    events = [e for e in shipped_order("SO-30000001", PLACED) if e["event_type"] != "PACK_COMPLETED"]
    for event in events:
        event["source"] = "canonical:shop"  # a source Waypoint cannot ask again
    with fresh_engine.begin() as conn:
        land(conn, Arrival("canonical:shop", b"\n".join(json.dumps(e).encode() for e in events)))
    drain_all(fresh_engine)
    return events


def test_what_the_source_cannot_give_is_inferred_counted_by_kpis_then_retired(
    fresh_engine: Engine, fresh_database_url: str, order_without_pack: list[dict]
) -> None:
    now = PLACED + timedelta(days=1)
    first = backfill_gaps(fresh_engine, get_settings(), database_url=fresh_database_url, now=now)
    assert (first.found, first.refetched, first.inferred) == (1, 1, 0)
    assert rows_of(fresh_engine, "SELECT refetch_outcome FROM backfill_gap") == [
        ("no re-fetch for this source",)
    ]

    second = backfill_gaps(fresh_engine, get_settings(), database_url=fresh_database_url,
                           now=now + timedelta(minutes=45))  # fmt: skip

    assert second.inferred == 1
    label_at = next(e["occurred_at"] for e in order_without_pack if e["event_type"] == "LABEL_PRINTED")
    inferred = rows_of(fresh_engine, "SELECT source, flags, occurred_at FROM event"
                                     " WHERE event_type = 'PACK_COMPLETED'")  # fmt: skip
    assert inferred == [(INFERRED_SOURCE, ["inferred"], datetime.fromisoformat(label_at))]
    remedy = rows_of(fresh_engine, "SELECT remedy, rule FROM event_remedy")
    assert remedy == [("inferred", "label_without_pack")]
    with fresh_engine.begin() as conn:
        day = PLACED.date()
        counted = daily_kpi_rows(conn, day, day + timedelta(days=3))
        observed = daily_kpi_rows(conn, day, day + timedelta(days=3), include_inferred=False)
    assert counted["inferred_events"].sum() >= 1
    assert observed["inferred_events"].sum() == 0
    assert counted.height > observed.height or counted["denominator"].sum() > observed["denominator"].sum()

    packed = next(e for e in shipped_order("SO-30000001", PLACED) if e["event_type"] == "PACK_COMPLETED")
    with fresh_engine.begin() as conn:  # the real one turns up after all
        land(conn, Arrival("canonical:shop", json.dumps({**packed, "source": "canonical:shop"}).encode()))
    drain_all(fresh_engine)

    assert rows_of(fresh_engine, "SELECT source FROM event WHERE event_type = 'PACK_COMPLETED'") == [
        ("canonical:shop",)
    ]
    assert rows_of(fresh_engine, "SELECT state, closed_by FROM backfill_gap") == [("closed", "observed")]
    actions = rows_of(
        fresh_engine, "SELECT action FROM quality_finding WHERE area = 'backfill' ORDER BY action"
    )
    assert actions == [("retired",)]  # one finding per gap, its latest decision


def test_a_complete_order_has_nothing_to_backfill(fresh_engine: Engine, fresh_database_url: str) -> None:
    with fresh_engine.begin() as conn:
        land(
            conn,
            Arrival(
                "canonical:shop",
                b"\n".join(json.dumps(e).encode() for e in shipped_order("SO-30000002", PLACED)),
            ),
        )
    drain_all(fresh_engine)
    report = backfill_gaps(
        fresh_engine, get_settings(), database_url=fresh_database_url, now=PLACED + timedelta(days=2)
    )
    assert (report.found, report.refetched, report.inferred) == (0, 0, 0)


def test_a_carrier_gap_is_refetched_from_the_carriers_tracking_api(
    fresh_engine: Engine,
    fresh_database_url: str,
    simulator_url: str,  # noqa: F811 - the fixture imported above
) -> None:
    number, (carrier, parcel) = next((n, p) for n, p in PARCELS.items() if p[0] == "ups")
    with fresh_engine.begin() as conn:  # Waypoint saw the label and one later scan, not the pickup
        introduce_orders(conn, ["ups"])
        scan = canonical_event("IN_TRANSIT", parcel.order_id, LABELLED + timedelta(days=1), carrier=carrier,
                               tracking_number=number, shipment_id=parcel.shipment_id, source="carrier:ups")  # fmt: skip
        land(conn, Arrival("canonical:orders", json.dumps(scan).encode()))
    drain_all(fresh_engine)
    now = LABELLED + timedelta(days=3)
    access = SourceAccess(Settings(carrier_api_base_url=simulator_url), fresh_database_url)
    try:
        first = backfill_gaps(
            fresh_engine, get_settings(), database_url=fresh_database_url, now=now, access=access
        )
    finally:
        access.close()

    assert first.by_rule["scan_without_pickup"] == 1
    outcomes = dict(rows_of(fresh_engine, "SELECT rule, refetch_outcome FROM backfill_gap"))
    assert outcomes["scan_without_pickup"] == "landed 1 tracking answers"
    drain_all(fresh_engine)
    second = backfill_gaps(fresh_engine, get_settings(), database_url=fresh_database_url,
                           now=now + timedelta(hours=1), access=access)  # fmt: skip
    states = dict(rows_of(fresh_engine, "SELECT rule, state FROM backfill_gap"))
    assert states["scan_without_pickup"] == "closed" and second.closed >= 1
    pickups = rows_of(fresh_engine, "SELECT source FROM event WHERE event_type = 'CARRIER_PICKUP'")
    assert pickups == [("carrier:ups",)]


@pytest.fixture(scope="module")
def store_api(server_url: str) -> Iterator[tuple[str, str]]:
    with simulator_api(server_url) as served:
        yield served


def test_a_store_gap_is_refetched_from_the_store_tools_api(
    fresh_engine: Engine, fresh_database_url: str, store_api: tuple[str, str]
) -> None:
    base_url, _ = store_api
    settings = Settings(store_api_base_url=base_url, sim_store_api_token=TOKEN)
    with store_api_client(settings) as client:  # a ship-from-store order of the sample world
        feed = client.get("/store-api/v1/events", params={"cursor": 0, "limit": 500}).json()["events"]
        names = {}
        for event in feed:
            names.setdefault(event["order_ref"], set()).add(event["type"])
        order = sorted(ref for ref, seen in names.items() if {"pack.completed", "label.created"} <= seen)[0]
        events = json.loads(fetch_store_order(client, order))["events"]
    without_pack = [event for event in events if event["type"] != "pack.completed"]
    with fresh_engine.begin() as conn:
        land(conn, Arrival("stores", json.dumps({"order_ref": order, "events": without_pack}).encode()))
    drain_all(fresh_engine)
    label_at = rows_of(fresh_engine, "SELECT occurred_at FROM event WHERE event_type = 'LABEL_PRINTED'")[0][0]
    access = SourceAccess(settings, fresh_database_url)
    try:
        first = backfill_gaps(fresh_engine, settings, database_url=fresh_database_url,
                              now=label_at + timedelta(days=1), access=access)  # fmt: skip
    finally:
        access.close()

    assert first.by_rule["label_without_pack"] == 1
    outcome = dict(rows_of(fresh_engine, "SELECT rule, refetch_outcome FROM backfill_gap"))
    assert outcome["label_without_pack"] == f"landed 1 of {len(events)} events"
    drain_all(fresh_engine)
    packed = rows_of(fresh_engine, "SELECT source FROM event WHERE event_type = 'PACK_COMPLETED'")
    assert packed == [("stores",)]
