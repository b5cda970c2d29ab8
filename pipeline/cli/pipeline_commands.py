"""`waypoint pipeline …`: the worker that turns landed payloads into canonical events."""

from __future__ import annotations

import signal
import threading

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.settings import get_settings
from pipeline.worker import PipelineContext, drain_once, run_worker, settle_heap


@click.group()
def pipeline() -> None:
    """Ingestion worker: polling jobs, inbox drain, upkeep."""


@pipeline.command("run")
@click.option("--once", is_flag=True, help="Drain the inbox until it is empty, then exit (no polling).")
def run_command(once: bool) -> None:
    """Run a worker. Start as many as you like, on any machine: they share the work safely."""
    settings = get_settings()
    with database_url(settings) as url:
        if once:
            _drain_until_empty(url, settings)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_worker(url, settings, stop)


def _drain_until_empty(url: str, settings) -> None:
    engine = make_engine(url, pool_size=2)
    context = PipelineContext.load(url, engine, settings)
    settle_heap()
    totals = [0, 0, 0, 0]
    while True:
        report = drain_once(context)
        if not report.payloads:
            break
        for index, value in enumerate(
            (report.payloads, report.loaded, report.duplicates, report.quarantined)
        ):
            totals[index] += value
    engine.dispose()
    click.echo(
        f"payloads {totals[0]}, events loaded {totals[1]}, duplicates {totals[2]}, quarantined {totals[3]}"
    )
