"""Every source system's rows fit its own tables in PostgreSQL, written the way the engine writes them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import polars as pl
import psycopg
import pytest

from db.engine import libpq_url
from simulator.sources import source_systems
from simulator.sources.wms_reference import reference_rows
from simulator.truth import empty_truth
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import copy_frame, database_urls, fill, source_databases
from tests.simulator.synthetic_truth import synthetic_truth
from tests.simulator.test_sources_wms import _catalog


@pytest.fixture(scope="module")
def main_url(server_url: str) -> Iterator[str]:
    with source_databases(server_url) as url:
        yield url


def _count(url: str, table: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - test's own table names


def test_the_systems_the_engine_gets() -> None:
    systems = {system.name: system.database for system in source_systems()}
    assert systems == {
        "wms:DC-RNO": "wms:DC-RNO", "wms:DC-CMH": "wms:DC-CMH", "store_tool": "sim", "carrier:ups": "sim",
        "carrier:fedex": "sim", "carrier:usps": "sim", "carrier:dhl": "sim", "carrier:ontrac": "sim",
        "carrier:swiftmile": "sim", "helpdesk": "sim",
    }  # fmt: skip


def test_an_empty_batch_renders_empty_tables_with_their_columns() -> None:
    for system in source_systems():
        for rendered in system.render(empty_truth()):
            assert rendered.rows.height == 0 and "available_at" in rendered.rows.columns, rendered.table


def test_ddl_can_run_again(main_url: str) -> None:
    urls = database_urls(main_url)
    for system in source_systems():
        with psycopg.connect(libpq_url(urls[system.database])) as conn:
            conn.execute(system.ddl)


def test_rendered_rows_copy_into_their_tables(main_url: str) -> None:
    truth = pl.concat([sample_truth(), synthetic_truth(30_000, seed=5)])
    fill(main_url, truth)
    urls = database_urls(main_url)
    expected: dict[tuple[str, str], int] = {}
    for system in source_systems():
        for rendered in system.render(truth):
            key = (urls[system.database], rendered.table)
            expected[key] = expected.get(key, 0) + rendered.rows.height
    assert all(rows > 0 for rows in expected.values())
    assert {key: _count(*key) for key in expected} == expected


def test_change_log_seq_follows_availability(main_url: str) -> None:
    with psycopg.connect(libpq_url(database_urls(main_url)["wms:DC-RNO"])) as conn:
        rows = conn.execute("SELECT available_at FROM wms.change_log ORDER BY seq").fetchall()
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def test_reference_rows_copy_into_the_wms_and_the_ground_truth(main_url: str) -> None:
    urls = database_urls(main_url)
    for rendered in reference_rows(_catalog(), "DC-CMH"):
        database = "sim" if rendered.table.startswith("sim.") else "wms:DC-CMH"
        with psycopg.connect(libpq_url(urls[database])) as conn:
            copy_frame(conn, rendered.table, rendered.rows)
    assert _count(urls["wms:DC-CMH"], "wms.sku_master") > 4000
    with psycopg.connect(libpq_url(urls["sim"])) as conn:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM sim.injected_anomaly GROUP BY kind").fetchall())
    assert set(kinds) == {"sku_unit_error", "sku_duplicate_variant"}


@pytest.mark.slow
def test_render_throughput_on_one_core() -> None:
    """All sources together render well over 150,000 truth rows per second (6 million in under 40 s)."""
    if os.environ.get("POLARS_MAX_THREADS") != "1":
        pytest.skip("run with POLARS_MAX_THREADS=1 to measure one core")
    truth = synthetic_truth(500_000)
    started = time.perf_counter()
    for system in source_systems():
        system.render(truth)
    assert truth.height / (time.perf_counter() - started) > 150_000
