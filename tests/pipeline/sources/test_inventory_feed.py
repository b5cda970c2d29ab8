"""Inventory sync from the simulator's WMS databases and the store tool's API, over real connections."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import polars as pl
import psycopg
import pytest
from sqlalchemy import Engine, text

from db.engine import libpq_url
from pipeline.settings import Settings
from pipeline.sources.inventory_feed import sync_inventory
from pipeline.sources.source_http import RetryPolicy
from simulator.catalog import world_catalog
from simulator.databases import wms_database_url
from simulator.http_api import create_app
from simulator.sources import source_systems
from tests.pipeline.sources.sim_server import TOKEN, serving
from tests.simulator.source_db import copy_frame, database_urls, source_databases

SEED = 3
FAST = RetryPolicy(attempts=2, initial_seconds=0.01, max_seconds=0.02)


@pytest.fixture(scope="module")
def sources(server_url: str) -> Iterator[tuple[str, str]]:
    """(main URL the source databases are named after, base URL of the simulator's API), catalog loaded."""
    with source_databases(server_url) as main_url:
        urls = database_urls(main_url)
        for system in source_systems():
            if system.reference_ddl_and_rows is None:
                continue
            with psycopg.connect(libpq_url(urls[system.database])) as conn:
                for rendered in system.reference_ddl_and_rows(world_catalog(SEED)):
                    if not rendered.table.startswith("sim."):
                        copy_frame(conn, rendered.table, rendered.rows)
        with serving(create_app(main_url, store_api_token=TOKEN)) as base_url:
            yield main_url, base_url


def sync(engine: Engine, sources: tuple[str, str]):
    main_url, base_url = sources
    settings = Settings(store_api_base_url=base_url, sim_store_api_token=TOKEN)
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        return sync_inventory(engine, settings, database_url=main_url, store_client=client, retry=FAST)


def inventory(engine: Engine, facility_id: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT sku, on_hand FROM facility_inventory WHERE facility_id = :f"), {"f": facility_id}
        )
        return dict(rows.all())


def test_every_facility_and_the_sku_master_arrive_as_the_sources_hold_them(
    fresh_engine: Engine, sources
) -> None:
    report = sync(fresh_engine, sources)

    catalog = world_catalog(SEED).inventory
    for facility_id in ("DC-RNO", "ST-001", "ST-030"):
        expected = catalog.filter(pl.col("facility_id") == facility_id)
        assert inventory(fresh_engine, facility_id) == dict(
            zip(expected["sku"], expected["on_hand"], strict=True)
        )
    assert report.failed == {} and report.unknown_skus == 0
    assert len(report.rows) == 32
    with fresh_engine.connect() as conn:
        kept = conn.execute(text("SELECT count(*) FROM sku")).scalar_one()
        lb = conn.execute(
            text("SELECT count(*) FROM sku WHERE weight_unit IN ('lb', 'lbs', 'LB', 'pound')")
        ).scalar_one()
    assert kept >= world_catalog(SEED).skus.height and lb > 0  # units as typed; variants kept for issue #7


def test_a_second_sync_changes_nothing_and_a_change_at_the_source_changes_one_row(
    fresh_engine: Engine, sources
) -> None:
    sync(fresh_engine, sources)
    assert sync(fresh_engine, sources).changed == 0

    main_url, _ = sources
    with psycopg.connect(libpq_url(wms_database_url(main_url, "DC-CMH")), autocommit=True) as wms:
        sku, before = wms.execute("SELECT sku, on_hand FROM wms.inventory ORDER BY sku LIMIT 1").fetchone()
        wms.execute("UPDATE wms.inventory SET on_hand = on_hand + 5 WHERE sku = %s", (sku,))
    try:
        report = sync(fresh_engine, sources)
    finally:
        with psycopg.connect(libpq_url(wms_database_url(main_url, "DC-CMH")), autocommit=True) as wms:
            wms.execute("UPDATE wms.inventory SET on_hand = %s WHERE sku = %s", (before, sku))

    assert report.changed == 1
    assert inventory(fresh_engine, "DC-CMH")[sku] == before + 5


def test_a_store_the_tool_cannot_answer_for_keeps_its_rows_and_is_named(
    fresh_engine: Engine, sources
) -> None:
    sync(fresh_engine, sources)
    before = inventory(fresh_engine, "ST-001")
    _, base_url = sources
    with httpx.Client(base_url=base_url) as control:
        control.post(
            "/_sim/faults", json={"path_prefix": "/store-api/v1/inventory", "mode": "error", "count": 2}
        )
        try:
            report = sync(fresh_engine, sources)
        finally:
            control.delete("/_sim/faults")

    assert list(report.failed) == ["ST-001"] and "HTTP 500" in report.failed["ST-001"]
    assert inventory(fresh_engine, "ST-001") == before
    assert inventory(fresh_engine, "ST-002")
