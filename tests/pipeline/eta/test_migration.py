"""The ETA migration (0006_eta, its own branch from 0002) downgrades and upgrades cleanly on its own."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import alembic_config, current_revision

ETA_TABLES = {"lane_sample", "lane_stat", "shipment_eta", "shipment_eta_change", "eta_refresh_state"}


def tables(url: str) -> set[str]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return set(
                conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            )
    finally:
        engine.dispose()


def test_the_eta_branch_goes_down_and_up_without_touching_the_others(fresh_database_url: str) -> None:
    before = tables(fresh_database_url)
    assert before >= ETA_TABLES

    command.downgrade(alembic_config(fresh_database_url), "0006_eta@-1")

    assert tables(fresh_database_url) == before - ETA_TABLES
    assert "0006_eta" not in (current_revision(fresh_database_url) or "")

    command.upgrade(alembic_config(fresh_database_url), "0006_eta")

    assert tables(fresh_database_url) == before
