"""The pipeline worker: drain the inbox continuously, and run the polling and upkeep jobs on a schedule.

Several workers are safe together: inbox rows are claimed with FOR UPDATE SKIP LOCKED, and every
scheduled job holds an advisory lock (pipeline/singleton.py). The drain waits on LISTEN raw_inbox, so a
webhook landed by the API is normalized within moments, not at the next tick.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from psycopg import errors as pg_errors
from sqlalchemy import Engine, text
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from db.engine import libpq_url, make_engine
from pipeline.drain import BatchReport, drain_batch, replay
from pipeline.quarantine import parked_payloads_now_matched
from pipeline.registry import Registry
from pipeline.settings import Settings
from pipeline.singleton import singleton

log = structlog.get_logger(__name__)

RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, psycopg.OperationalError)
# Container allocations between two young-generation collections (CPython's default: 700).
YOUNG_COLLECTION_THRESHOLD = 100_000


def _is_retryable(error: BaseException) -> bool:
    return isinstance(getattr(error, "orig", error), RETRYABLE)


@dataclass
class PipelineContext:
    """What every job needs, refreshed when the registry or facilities change."""

    database_url: str
    engine: Engine
    settings: Settings
    registry: Registry
    zones: dict[str, str]
    stop: threading.Event = field(default_factory=threading.Event)
    # The drain has connections of its own: scheduled jobs (pollers catching up, retries) must never
    # starve the path from a landed webhook to the order state.
    drain_engine: Engine | None = None

    @classmethod
    def load(
        cls, database_url: str, engine: Engine, settings: Settings, stop: threading.Event | None = None
    ) -> PipelineContext:
        with engine.connect() as conn:
            registry = Registry.from_database(conn)
            zones = dict(conn.execute(text("SELECT facility_id, time_zone FROM facility")).all())
        return cls(database_url, engine, settings, registry, zones, stop or threading.Event())

    def refresh(self) -> None:
        fresh = PipelineContext.load(self.database_url, self.engine, self.settings)
        self.registry, self.zones = fresh.registry, fresh.zones


@retry(
    retry=retry_if_exception(_is_retryable),
    wait=wait_random_exponential(0.2, 10),
    stop=stop_after_attempt(8),
    reraise=True,
)
def drain_once(context: PipelineContext) -> BatchReport:
    """One batch in one transaction; database hiccups (deadlock, lost connection) are retried."""
    with (context.drain_engine or context.engine).begin() as conn:
        return drain_batch(
            conn,
            context.registry,
            context.zones,
            limit=context.settings.drain_batch_size,
            max_bytes=context.settings.drain_batch_bytes,
        )


def replay_parked(context: PipelineContext) -> BatchReport | None:
    """Carrier scans parked before their label: replay the payloads whose tracking number is now known."""
    with context.engine.begin() as conn:
        raw_ids = parked_payloads_now_matched(conn)
        return replay(conn, raw_ids, context.registry, context.zones) if raw_ids else None


def ensure_partitions(context: PipelineContext) -> None:
    from pipeline.bootstrap import ensure_event_partitions

    now = datetime.now(UTC)
    with context.engine.begin() as conn:
        ensure_event_partitions(conn, now, now + timedelta(days=93))


def settle_heap() -> None:
    """Tune the cyclic garbage collector for draining; call once, after start-up.

    A batch allocates tens of thousands of short-lived objects (parsed JSON, events) that reference
    counting frees: with the default threshold the collector ran hundreds of times per batch (about a
    tenth of the worker's time) and found nothing, and each full collection walked every object start-up
    built. Those are frozen out of collection, and young objects are collected per batch, not per 700.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def drain_forever(context: PipelineContext) -> None:
    """Drain while there is work; when the inbox is empty, sleep until NOTIFY raw_inbox or a second passes."""
    with psycopg.connect(libpq_url(context.database_url), autocommit=True) as listener:
        listener.execute("LISTEN raw_inbox")
        while not context.stop.is_set():
            report = drain_once(context)
            if report.payloads:
                log.info("drain.batch", payloads=report.payloads, loaded=report.loaded,
                         duplicates=report.duplicates, quarantined=report.quarantined)  # fmt: skip
            if not report.payloads:
                for _ in listener.notifies(timeout=1.0, stop_after=1):
                    pass


def scheduled_jobs(context: PipelineContext) -> list[tuple[str, Callable[[], object], float]]:
    """(name, job, seconds between runs): upkeep, the reactions to new events, and the source pollers."""
    from dashboard.flow_snapshots import snapshot_flow
    from pipeline.eta import refresh_etas
    from pipeline.exceptions.detector import detect_exceptions
    from pipeline.kpis.rollups import refresh_kpi_rollups
    from pipeline.labor.forecast_store import refresh_labor_forecasts
    from pipeline.notify.dispatch import send_due
    from pipeline.playbooks.runner import run_playbooks
    from pipeline.quality.jobs import quality_jobs
    from pipeline.source_jobs import source_polling_jobs
    from pipeline.sources.inventory_feed import sync_inventory

    engine, settings = context.engine, context.settings
    return [
        ("replay_parked", lambda: replay_parked(context), 15.0),
        ("ensure_partitions", lambda: ensure_partitions(context), 6 * 3600.0),
        ("refresh_registry", context.refresh, 60.0),
        ("detect_exceptions", lambda: detect_exceptions(engine), 30.0),
        ("refresh_etas", lambda: refresh_etas(engine), 60.0),
        ("run_playbooks", lambda: run_playbooks(engine, settings=settings), 30.0),
        ("send_notifications", lambda: send_due(engine, settings=settings), 30.0),
        ("refresh_kpi_rollups", lambda: refresh_kpi_rollups(engine), 60.0),
        ("snapshot_flow", lambda: snapshot_flow(engine, datetime.now(UTC)), 60.0),
        (
            "sync_inventory",
            lambda: sync_inventory(engine, settings, database_url=context.database_url),
            900.0,
        ),
        ("refresh_labor_forecasts", lambda: refresh_labor_forecasts(engine), 300.0),
        *quality_jobs(engine, settings, context.database_url),  # health, backfill, SKU master (issue #7)
        *source_polling_jobs(context),
    ]


def run_worker(database_url: str, settings: Settings, stop: threading.Event) -> None:
    engine = make_engine(database_url, pool_size=8, application_name="waypoint-worker")
    drain_engine = make_engine(database_url, pool_size=1, application_name="waypoint-drain")
    context = PipelineContext.load(database_url, engine, settings, stop)
    context.drain_engine = drain_engine
    jobs = scheduled_jobs(context)
    settle_heap()
    # One session per job holds its advisory lock while the job runs on the jobs' pool.
    locks = make_engine(database_url, pool_size=len(jobs), application_name="waypoint-job-locks")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is the design
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1},
        executors={"default": {"type": "threadpool", "max_workers": len(jobs)}},
    )
    for name, job, seconds in jobs:
        scheduler.add_job(
            _as_singleton(locks, name, job),
            "interval",
            seconds=seconds,
            id=name,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    log.info("worker.started", jobs=[job.id for job in scheduler.get_jobs()])
    try:
        drain_forever(context)
    finally:
        scheduler.shutdown(wait=True)
        for pool in (engine, drain_engine, locks):
            pool.dispose()
        log.info("worker.stopped")


def _as_singleton(engine: Engine, name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            with singleton(engine, name) as mine:
                if mine:
                    job()
        except Exception:  # noqa: BLE001 - one failing job must not stop the scheduler; it runs again next tick
            log.exception("job.failed", job=name)

    return run
