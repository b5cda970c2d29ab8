"""The worker's data-quality jobs (pipeline/worker.py schedules them; each runs under its advisory lock)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from pipeline.settings import Settings

HEALTH_SECONDS = 60.0  # a silent source is noticed within a minute of its freshness limit
BACKFILL_SECONDS = 300.0
SKU_CLEANSING_SECONDS = 900.0  # as often as the inventory sync refreshes the SKU master


def quality_jobs(
    engine: Engine, settings: Settings, database_url: str
) -> list[tuple[str, Callable[[], object], float]]:
    """(name, job, seconds between runs): pipeline health, backfill, SKU master cleansing."""
    from pipeline.quality.backfill import backfill_gaps
    from pipeline.quality.health_job import check_pipeline_health
    from pipeline.quality.sku_cleansing import cleanse_sku_master_job

    return [
        ("check_pipeline_health", lambda: check_pipeline_health(engine), HEALTH_SECONDS),
        (
            "backfill_gaps",
            lambda: backfill_gaps(engine, settings, database_url=database_url),
            BACKFILL_SECONDS,
        ),
        ("cleanse_sku_master", lambda: cleanse_sku_master_job(engine), SKU_CLEANSING_SECONDS),
    ]
