"""The contract between the simulated world (the engine) and the source systems that show it.

A source system turns truth rows into rows of its own tables, in its own vendor format. The engine
creates the tables with `ddl`, calls `render` on every batch of truth rows and inserts the result;
rows become visible to Waypoint when the simulated clock passes their `available_at`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

if TYPE_CHECKING:
    from simulator.catalog import WorldCatalog

SourceDatabase = Literal["wms:DC-RNO", "wms:DC-CMH", "sim"]


@dataclass(frozen=True)
class RenderedRows:
    """Rows for one schema-qualified table.

    Columns are the table's insertable columns (identity columns such as a change-log `seq` are left
    to the database) plus `available_at`, the UTC instant the source shows the row; it is a real
    column of the table, kept for the simulator's bookkeeping only.
    """

    table: str
    rows: pl.DataFrame


@dataclass(frozen=True)
class SourceSystem:
    name: str
    database: SourceDatabase
    ddl: str
    render: Callable[[pl.DataFrame], list[RenderedRows]]
    reference_ddl_and_rows: Callable[[WorldCatalog], list[RenderedRows]] | None = None
