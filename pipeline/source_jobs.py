"""The polling jobs each worker schedules: which source, how often, with which connection.

Each job runs under an advisory lock (pipeline/worker.py), so with several workers only one polls a
source at a time. Pollers commit each page with its checkpoint; a job that stops halfway resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog

from db.engine import make_engine
from simulator.databases import WMS_FACILITIES

if TYPE_CHECKING:
    from pipeline.worker import PipelineContext

log = structlog.get_logger(__name__)

CATCH_UP_SECONDS = 45.0  # a job that finds a full backlog keeps going this long before yielding its tick


def source_polling_jobs(context: PipelineContext) -> list[tuple[str, Callable[[], object], float]]:
    from pipeline.sources.helpdesk_feed import helpdesk_client, poll_helpdesk
    from pipeline.sources.store_feed import poll_stores, store_api_client
    from pipeline.sources.wms_feed import poll_wms, wms_url

    settings = context.settings
    jobs: list[tuple[str, Callable[[], object], float]] = []
    for facility_id in WMS_FACILITIES:
        wms_engine = make_engine(wms_url(settings, context.database_url, facility_id), pool_size=1)
        jobs.append(
            (
                f"poll_wms:{facility_id}",
                lambda f=facility_id, w=wms_engine: poll_wms(context.engine, w, f),
                settings.wms_poll_seconds,
            )
        )
    stores = store_api_client(settings)
    helpdesk = helpdesk_client(settings)
    jobs += [
        ("poll_stores", lambda: poll_stores(context.engine, settings, stores), settings.store_poll_seconds),
        (
            "poll_helpdesk",
            lambda: poll_helpdesk(context.engine, settings, helpdesk),
            settings.helpdesk_poll_seconds,
        ),
        ("poll_carriers", lambda: poll_carriers_until_caught_up(context), settings.carrier_poll_seconds),
    ]
    return jobs


def poll_carriers_until_caught_up(context: PipelineContext) -> int:
    """Poll stale shipments batch after batch while the batches come back full (a first run's backfill)."""
    from pipeline.sources.carrier_polling import poll_carriers

    started, polled = time.monotonic(), 0
    while True:
        report = poll_carriers(context.engine, context.settings)
        polled += report.shipments
        if (
            report.shipments < context.settings.carrier_poll_batch
            or time.monotonic() - started > CATCH_UP_SECONDS
        ):
            return polled
