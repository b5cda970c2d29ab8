"""The simulator's engine: seed the source systems with history, and advance the world's clock.

`seed` creates the source databases beside the main one, their tables and reference rows, and generates
the world for [now - days, now) day by day in worker processes. `advance` is the one step both the seed
and live mode take: generate the hours the clock has entered, render them, write what is visible by the
new clock (pending rows that came due included) in `available_at` order, keep the rest pending, count the
activity, and move the clock — the simulator database's transaction is committed last, with the world row.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import make_url

from db.engine import drop_database, ensure_database, libpq_url
from simulator.catalog import world_catalog
from simulator.clock import HOUR_US, from_us, hour_index, hour_start
from simulator.databases import WMS_FACILITIES, sim_database_url, wms_database_url
from simulator.generation import (
    DEFAULT_SYSTEMS,
    SIM_DATABASE,
    database_of,
    generate_batch,
    generate_batch_args,
    resolve_systems,
)
from simulator.row_lines import csv_lines
from simulator.sim_schema import SIM_DDL, WorldState, read_world, write_world
from simulator.writer import ParallelCopier, SourceWriter, copy_rows

WORKERS = 2
HOURS_PER_BATCH = 24
INLINE_BATCHES = 2


class WorldAlreadySeeded(RuntimeError):
    """The source databases already hold a seeded world; reseeding needs force=True."""


class WorldNotSeeded(RuntimeError):
    """Live mode needs a seeded world (run `waypoint simulate seed` first)."""


@dataclass
class AdvanceReport:
    hours_generated: int = 0
    truth_rows: int = 0
    rows_written: dict[str, int] = field(default_factory=dict)
    pending_rows: int = 0


@dataclass
class SeedReport:
    seconds: float
    now: datetime
    days: float
    orders_per_month: int
    seed: int
    hours_generated: int
    truth_rows: int
    rows_written: dict[str, int]
    pending_rows: int
    database_bytes: dict[str, int]


def source_database_urls(main_database_url: str) -> dict[str, str]:
    """Database key (as SourceSystem.database names it) -> URL."""
    urls = {
        f"wms:{facility_id}": wms_database_url(main_database_url, facility_id)
        for facility_id in WMS_FACILITIES
    }
    urls[SIM_DATABASE] = sim_database_url(main_database_url)
    return urls


def _database_exists(main_database_url: str, url: str) -> bool:
    with psycopg.connect(libpq_url(main_database_url)) as conn:
        name = make_url(url).database
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def is_seeded(main_database_url: str) -> bool:
    sim_url = sim_database_url(main_database_url)
    if not _database_exists(main_database_url, sim_url):
        return False
    with psycopg.connect(libpq_url(sim_url)) as conn:
        if conn.execute("SELECT to_regclass('sim.world')").fetchone()[0] is None:
            return False
        return read_world(conn) is not None


@contextmanager
def source_connections(main_database_url: str) -> Iterator[dict[str, psycopg.Connection]]:
    """One connection (in a transaction) per source database, closed on exit; the caller commits."""
    with ExitStack() as stack:
        yield {
            key: stack.enter_context(psycopg.connect(libpq_url(url), application_name="waypoint-simulator"))
            for key, url in source_database_urls(main_database_url).items()
        }


def commit_all(connections: dict[str, psycopg.Connection]) -> None:
    """Commit the WMS databases first and the simulator database (world row, activity) last."""
    for key, conn in connections.items():
        if key != SIM_DATABASE:
            conn.commit()
    connections[SIM_DATABASE].commit()


def seed(
    main_database_url: str,
    *,
    days: float,
    orders_per_month: int,
    seed: int,
    now: datetime | None = None,
    progress: bool = True,
    force: bool = False,
    systems: str = DEFAULT_SYSTEMS,
) -> SeedReport:
    """Create the source databases and fill them with `days` of history up to `now`."""
    started = time.monotonic()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if is_seeded(main_database_url) and not force:
        raise WorldAlreadySeeded("the simulated world is already seeded; use force to drop and reseed it")
    urls = source_database_urls(main_database_url)
    for url in urls.values():
        drop_database(url)
        ensure_database(url)
    first_hour = hour_index(now - timedelta(days=days))
    with source_connections(main_database_url) as connections:
        _create_tables(connections, systems)
        _write_reference_rows(connections, seed, systems)
        deferred = _defer_secondary_indexes(connections)
        commit_all(connections)
        state = WorldState(seed, orders_per_month, hour_start(first_hour), hour_start(first_hour), now, now)
        copier = ParallelCopier(
            lambda key: psycopg.connect(libpq_url(urls[key]), application_name="waypoint-simulator")
        )
        try:
            report = advance(
                connections, state, now, systems=systems, progress=progress, workers=WORKERS, copier=copier
            )
            copier.commit()
        finally:
            copier.close()
        _rebuild_indexes(connections, deferred)
        commit_all(connections)
    return SeedReport(
        seconds=round(time.monotonic() - started, 1),
        now=now,
        days=days,
        orders_per_month=orders_per_month,
        seed=seed,
        hours_generated=report.hours_generated,
        truth_rows=report.truth_rows,
        rows_written=report.rows_written,
        pending_rows=report.pending_rows,
        database_bytes=database_sizes(main_database_url),
    )


def database_sizes(main_database_url: str) -> dict[str, int]:
    names = [make_url(main_database_url).database] + [
        make_url(u).database for u in source_database_urls(main_database_url).values()
    ]
    with psycopg.connect(libpq_url(main_database_url)) as conn:
        return {name: conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0] for name in names}


def _create_tables(connections: dict[str, psycopg.Connection], systems: str) -> None:
    connections[SIM_DATABASE].execute(SIM_DDL)
    for system in resolve_systems(systems):
        connections[system.database].execute(system.ddl)


def _write_reference_rows(connections: dict[str, psycopg.Connection], seed: int, systems: str) -> None:
    catalog = world_catalog(seed)
    for system in resolve_systems(systems):
        if system.reference_ddl_and_rows is None:
            continue
        for rendered in system.reference_ddl_and_rows(catalog):
            if rendered.rows.height == 0:
                continue
            database = database_of(system.database, rendered.table)
            copy_rows(
                connections[database], rendered.table, tuple(rendered.rows.columns), csv_lines(rendered.rows)
            )


_SECONDARY_INDEXES = """
SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisprimary AND NOT i.indisunique
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
"""


def _defer_secondary_indexes(connections: dict[str, psycopg.Connection]) -> dict[str, list[str]]:
    """Drop the non-unique indexes of the empty source tables before the bulk load; building them once
    afterwards costs a fraction of maintaining them row by row. Returns their definitions per database."""
    deferred: dict[str, list[str]] = {}
    for key, conn in connections.items():
        indexes = conn.execute(_SECONDARY_INDEXES).fetchall()
        deferred[key] = [definition for _, _, definition in indexes]
        for schema, name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name)))
    return deferred


def _rebuild_indexes(connections: dict[str, psycopg.Connection], deferred: dict[str, list[str]]) -> None:
    for key, definitions in deferred.items():
        for definition in definitions:
            connections[key].execute(definition)


def _hours_between(generated_until: datetime, until: datetime) -> list[int]:
    """Hours not generated yet whose start is before `until` (orders are placed in them by then)."""
    first = hour_index(generated_until)
    last = math.ceil(until.timestamp() / 3600) - 1
    return list(range(first, last + 1))


def advance(
    connections: dict[str, psycopg.Connection],
    state: WorldState,
    until: datetime,
    *,
    systems: str = DEFAULT_SYSTEMS,
    progress: bool = False,
    workers: int = WORKERS,
    copier: ParallelCopier | None = None,
) -> AdvanceReport:
    """Move the world from `state.clock` to `until`. The caller commits (see `commit_all`)."""
    until = until.astimezone(UTC)
    hours = _hours_between(state.generated_until, until)
    writer = SourceWriter(connections, until, copier)
    writer.take_due_pending()
    batches = [hours[i : i + HOURS_PER_BATCH] for i in range(0, len(hours), HOURS_PER_BATCH)]
    for batch_hours, batch in zip(
        batches, _generate(state, batches, systems, progress, workers), strict=True
    ):
        writer.add(batch)
        writer.flush(horizon=from_us((batch_hours[-1] + 1) * HOUR_US))
    writer.finish()
    generated_until = hour_start(hours[-1] + 1) if hours else state.generated_until
    write_world(
        connections[SIM_DATABASE],
        WorldState(
            state.seed, state.orders_per_month, state.first_hour, generated_until, state.seeded_until, until
        ),
    )
    return AdvanceReport(
        hours_generated=len(hours),
        truth_rows=writer.truth_rows,
        rows_written=dict(writer.written),
        pending_rows=writer.pending_rows,
    )


def _generate(
    state: WorldState, batches: list[list[int]], systems: str, progress: bool, workers: int
) -> Iterator:
    jobs = [(state.seed, state.orders_per_month, hours, systems) for hours in batches]
    bar = _progress_bar(progress, len(jobs))
    with bar:
        task = bar.add_task("simulating days", total=len(jobs))
        if workers <= 1 or len(jobs) <= INLINE_BATCHES:
            for job in jobs:
                yield generate_batch(*job)
                bar.advance(task)
            return
        context = multiprocessing.get_context("spawn")
        previous = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"
        try:
            pool = context.Pool(workers)
        finally:
            _restore_env("POLARS_MAX_THREADS", previous)
        with pool:
            for batch in pool.imap(generate_batch_args, jobs):
                yield batch
                bar.advance(task)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _progress_bar(enabled: bool, total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled or total < 2,
    )


def world_state(main_database_url: str) -> WorldState | None:
    if not is_seeded(main_database_url):
        return None
    with psycopg.connect(libpq_url(sim_database_url(main_database_url))) as conn:
        return read_world(conn)
