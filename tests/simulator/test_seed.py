"""Seeding the source databases: what is visible by `now` is written in availability order, the rest waits
in sim.pending, the same seed gives the same tables, and a seeded world is not reseeded by accident."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import make_url

from db.engine import ensure_database, libpq_url, sibling_database_url
from pipeline.cli.main import cli
from pipeline.settings import get_settings
from simulator.databases import sim_database_url
from simulator.engine import WorldAlreadySeeded, is_seeded, seed
from simulator.live import step
from tests.conftest import _throwaway_name, drop_with_sources
from tests.simulator.truth_table_source import SYSTEMS

NOW = datetime(2026, 11, 20, 15, 20, tzinfo=UTC)
RECORD_COLUMNS = "record_uid, event_type, occurred_at, available_at, detail::text, anomaly"


def _new_database(template_url: str) -> str:
    url = sibling_database_url(template_url, _throwaway_name("sim"))
    ensure_database(url, template=make_url(template_url).database)
    return url


@pytest.fixture(scope="module")
def seeded_url(template_url: str) -> Iterator[str]:
    """Two days at 20,000 orders/month, seeded once for the statistics of this module."""
    url = _new_database(template_url)
    seed(url, days=2, orders_per_month=20_000, seed=3, now=NOW, progress=False, systems=SYSTEMS)
    try:
        yield url
    finally:
        drop_with_sources(url)


def _sim(url: str) -> psycopg.Connection:
    return psycopg.connect(libpq_url(sim_database_url(url)))


def _fingerprint(url: str, until: datetime | None = None) -> list[tuple]:
    with _sim(url) as conn:
        where = "WHERE available_at <= %s" if until else ""
        return conn.execute(
            f"SELECT {RECORD_COLUMNS} FROM truthlog.record {where} ORDER BY record_uid",
            (until,) if until else (),
        ).fetchall()


def test_a_seeded_world_is_recorded_with_its_clock(seeded_url: str):
    assert is_seeded(seeded_url)
    with _sim(seeded_url) as conn:
        seed_value, volume, clock, generated = conn.execute(
            "SELECT seed, orders_per_month, clock, generated_until FROM sim.world"
        ).fetchone()
    assert (seed_value, volume, clock) == (3, 20_000, NOW)
    assert generated == datetime(2026, 11, 20, 16, tzinfo=UTC)


def test_only_rows_visible_by_now_are_written_and_the_rest_is_pending(seeded_url: str):
    with _sim(seeded_url) as conn:
        latest = conn.execute("SELECT max(available_at) FROM truthlog.record").fetchone()[0]
        earliest_pending = conn.execute("SELECT min(available_at) FROM sim.pending").fetchone()[0]
        pending = conn.execute(
            "SELECT count(*) FROM sim.pending WHERE target_table = 'truthlog.record'"
        ).fetchone()[0]
    assert latest <= NOW < earliest_pending
    assert pending > 0


def test_rows_are_inserted_in_the_order_they_become_visible(seeded_url: str):
    with _sim(seeded_url) as conn:
        backwards = conn.execute(
            "SELECT count(*) FROM (SELECT available_at < lag(available_at) OVER (ORDER BY seq) AS back "
            "FROM truthlog.record) t WHERE back"
        ).fetchone()[0]
    assert backwards == 0


def test_reference_rows_and_injected_anomalies_are_written(seeded_url: str):
    with _sim(seeded_url) as conn:
        skus = conn.execute("SELECT count(*) FROM truthlog.sku").fetchone()[0]
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM sim.injected_anomaly")}
        unmatched = conn.execute(
            "SELECT count(*) FROM truthlog.record r WHERE r.anomaly IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM sim.injected_anomaly a WHERE a.ref = r.record_uid)"
        ).fetchone()[0]
    assert skus == 2000
    assert {"duplicate_resend", "short_pick"} <= kinds
    assert unmatched == 0


def test_activity_counts_every_written_record(seeded_url: str):
    with _sim(seeded_url) as conn:
        written = conn.execute("SELECT count(*) FROM truthlog.record").fetchone()[0]
        counted = conn.execute("SELECT sum(events_total) FROM sim.activity_total").fetchone()[0]
        sources = {s for (s,) in conn.execute("SELECT DISTINCT source FROM sim.activity_total")}
    assert counted == written
    assert {"wms:DC-RNO", "wms:DC-CMH", "stores", "carrier:ups", "helpdesk"} <= sources


def test_a_seeded_world_is_not_reseeded_without_force(seeded_url: str):
    with pytest.raises(WorldAlreadySeeded):
        seed(seeded_url, days=1, orders_per_month=20_000, seed=3, now=NOW, progress=False, systems=SYSTEMS)


def test_the_same_seed_gives_the_same_tables_and_another_seed_others(template_url: str):
    urls = [_new_database(template_url) for _ in range(3)]
    try:
        for url, seed_value in zip(urls, (4, 4, 5), strict=True):
            seed(
                url,
                days=0.5,
                orders_per_month=10_000,
                seed=seed_value,
                now=NOW,
                progress=False,
                systems=SYSTEMS,
            )
        first, again, other = (_fingerprint(url) for url in urls)
        assert len(first) > 500
        assert first == again
        assert first != other
    finally:
        for url in urls:
            drop_with_sources(url)


def test_seeding_then_running_live_equals_seeding_the_longer_period(template_url: str):
    later = NOW + timedelta(hours=5)
    stepped, whole = _new_database(template_url), _new_database(template_url)
    try:
        seed(stepped, days=1, orders_per_month=10_000, seed=8, now=NOW, progress=False, systems=SYSTEMS)
        step(stepped, later, systems=SYSTEMS)
        seed(
            whole,
            days=1 + 5 / 24,
            orders_per_month=10_000,
            seed=8,
            now=later,
            progress=False,
            systems=SYSTEMS,
        )
        assert _fingerprint(stepped) == _fingerprint(whole)
        with _sim(stepped) as a, _sim(whole) as b:
            query = "SELECT count(*), min(available_at) FROM sim.pending"
            assert a.execute(query).fetchone() == b.execute(query).fetchone()
    finally:
        drop_with_sources(stepped)
        drop_with_sources(whole)


def test_the_cli_seeds_and_reports_status(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        seeded = runner.invoke(
            cli, ["simulate", "seed", "--days", "0.25", "--orders-per-month", "5000", "--seed", "2"]
        )
        assert seeded.exit_code == 0, seeded.output
        assert "wms.change_log" in seeded.output
        again = runner.invoke(cli, ["simulate", "seed", "--days", "0.25", "--orders-per-month", "5000"])
        assert again.exit_code != 0
        assert "--force" in again.output
        status = runner.invoke(cli, ["simulate", "status"])
        assert status.exit_code == 0, status.output
        assert "seed 2, 5,000 orders/month" in status.output
        assert "pending rows" in status.output
        assert "carrier.scan" in status.output
    finally:
        get_settings.cache_clear()
