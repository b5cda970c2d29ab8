"""Picking order lines, one after another, by one person at a pace of their own: when each line is picked,
which lines come up short (and by how much), and the ITEM_PICKED / PICK_SHORT records of a pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import US
from simulator.lifecycle_context import HourContext


@dataclass
class PickedLines:
    """The lines of a set of orders walked by their pickers: positions, times, shortages."""

    line: np.ndarray
    pos: np.ndarray
    at: np.ndarray
    short: np.ndarray
    qty_short: np.ndarray
    end: np.ndarray


def walk_lines(
    ctx: HourContext, index: np.ndarray, start: np.ndarray, speed: np.ndarray, seconds: float
) -> PickedLines:
    """Pick every line of the orders `index` (sorted) from `start`, one after another per order."""
    orders = ctx.orders
    line = np.flatnonzero(np.isin(orders.line_order, index))
    pos = np.searchsorted(index, orders.line_order[line])
    duration = (seconds * speed[pos] * ctx.noise(len(line)) * US).astype(np.int64)
    cumulative = np.cumsum(duration)
    first_of_order = np.r_[0, np.flatnonzero(np.diff(pos)) + 1] if len(pos) else np.zeros(0, dtype=np.int64)
    before = np.zeros(len(index), dtype=np.int64)
    if len(line):
        before[pos[first_of_order]] = cumulative[first_of_order] - duration[first_of_order]
    at = start[pos] + cumulative - before[pos]
    short = ctx.rng.random(len(line)) < ctx.world.parameters.imperfections.short_pick_line_rate
    qty = orders.line_qty[line]
    qty_short = np.where(short, np.minimum(ctx.rng.integers(1, 4, len(line)), qty), 0)
    end = start.copy()
    np.maximum.at(end, pos, at)
    return PickedLines(line=line, pos=pos, at=at, short=short, qty_short=qty_short, end=end)


def emit_lines(
    ctx: HourContext,
    source: str,
    tag: str,
    picked: PickedLines,
    facility_id: str | np.ndarray,
    operator: np.ndarray,
) -> None:
    """ITEM_PICKED / PICK_SHORT records; `facility_id` and `operator` are per order (or one facility)."""
    orders = ctx.orders
    line, ok = picked.line, ~picked.short
    if not isinstance(facility_id, str):
        facility_id = facility_id[picked.pos]
    oid = orders.order_id[orders.line_order[line]]
    line_no = orders.line_no[line]
    suffix = np.array([f"{tag}IP{n}" for n in line_no], dtype=object)
    ctx.sink.add(
        "ITEM_PICKED",
        source,
        oid[ok],
        suffix[ok],
        picked.at[ok],
        facility_id=_part(facility_id, ok),
        operator_id=operator[picked.pos][ok],
        line_no=line_no[ok],
        sku=orders.line_sku[line][ok],
        qty=orders.line_qty[line][ok],
    )
    short_suffix = np.array([f"{tag}SP{n}" for n in line_no], dtype=object)
    s = picked.short
    ctx.sink.add(
        "PICK_SHORT",
        source,
        oid[s],
        short_suffix[s],
        picked.at[s],
        facility_id=_part(facility_id, s),
        operator_id=operator[picked.pos][s],
        line_no=line_no[s],
        sku=orders.line_sku[line][s],
        qty=(orders.line_qty[line] - picked.qty_short)[s],
        detail={"qty_short": ("num", picked.qty_short[s])},
    )


def _part(value: str | np.ndarray, mask: np.ndarray) -> str | np.ndarray:
    return value if isinstance(value, str) else value[mask]
