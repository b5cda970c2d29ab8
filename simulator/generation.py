"""One unit of work for the engine: the hours of (usually) one day, simulated, rendered by every source
system and turned into COPY lines per target table, plus the activity they will cause. Runs in worker
processes, so everything it takes and returns is picklable and it resolves the source systems itself."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from simulator.lifecycle import simulate_hours
from simulator.row_lines import csv_lines
from simulator.source_names import source_name
from simulator.world import load_world

DEFAULT_SYSTEMS = "simulator.sources:source_systems"
SIM_DATABASE = "sim"
INJECTED_TABLE = "sim.injected_anomaly"
UTC_US = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Target:
    """A table in one of the source databases ("wms:DC-RNO", "wms:DC-CMH" or "sim") and its COPY columns."""

    database: str
    table: str
    columns: tuple[str, ...]


@dataclass
class Batch:
    """`lines[target]`: frame (available_at, line); `activity`: (available_at, source, facility_id, events)."""

    lines: dict[Target, pl.DataFrame]
    activity: pl.DataFrame
    truth_rows: int


@lru_cache(maxsize=4)
def resolve_systems(path: str) -> tuple:
    """`module:function` returning the list of SourceSystem objects (simulator.sources by default)."""
    module, _, name = path.partition(":")
    return tuple(getattr(importlib.import_module(module), name)())


def database_of(system_database: str, table: str) -> str:
    """Tables of the `sim` schema always live in the simulator database, whoever renders them."""
    return SIM_DATABASE if table.startswith("sim.") else system_database


def as_lines(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    if "available_at" not in frame.columns:
        raise ValueError(f"rendered rows for {table}: column available_at is missing")
    available = frame["available_at"]
    if not isinstance(available.dtype, pl.Datetime) or available.dtype.time_zone is None:
        raise ValueError(
            f"rendered rows for {table}: available_at must be a UTC timestamp, got {available.dtype}"
        )
    return pl.DataFrame(
        {"available_at": available.dt.convert_time_zone("UTC").cast(UTC_US), "line": csv_lines(frame)}
    )


def generate_batch(
    seed: int, orders_per_month: int, hours: list[int], systems: str = DEFAULT_SYSTEMS
) -> Batch:
    """Simulate `hours`, render them with every source system, and return the rows as COPY lines."""
    world = load_world(seed, orders_per_month)
    result = simulate_hours(world, hours)
    lines: dict[Target, list[pl.DataFrame]] = {}
    for system in resolve_systems(systems):
        for rendered in system.render(result.truth):
            if rendered.rows.height == 0:
                continue
            target = Target(
                database_of(system.database, rendered.table), rendered.table, tuple(rendered.rows.columns)
            )
            lines.setdefault(target, []).append(as_lines(rendered.rows, rendered.table))
    if result.injected.height:
        target = Target(SIM_DATABASE, INJECTED_TABLE, tuple(result.injected.columns))
        lines.setdefault(target, []).append(as_lines(result.injected, INJECTED_TABLE))
    activity = (
        result.truth.select(
            "available_at", source=source_name(), facility_id=pl.col("facility_id").fill_null("")
        )
        .group_by("available_at", "source", "facility_id")
        .agg(events=pl.len().cast(pl.Int32))
    )
    return Batch(
        lines={target: pl.concat(frames) for target, frames in lines.items()},
        activity=activity,
        truth_rows=result.truth.height,
    )


def generate_batch_args(args: tuple[int, int, list[int], str]) -> Batch:
    """`generate_batch` for Pool.imap (one picklable argument)."""
    return generate_batch(*args)
