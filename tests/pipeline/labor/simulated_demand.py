"""Seeded demand histories from the simulator's demand model: the expected orders a DC receives each
hour (simulator.world hourly weights: hour of day, weekday, growth and peak days in each destination's
zone, times the DC's share of each destination), drawn as Poisson counts with the simulator's lines per
order and units per line. The same shape as the seeded world, without simulating the rest of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from pipeline.labor.history import hour_grid
from simulator.clock import hour_index
from simulator.world import load_world


def simulated_demand(
    facility_id: str, start: datetime, days: int, *, seed: int = 7, orders_per_month: int = 120_000
) -> pl.DataFrame:
    """hour_start, orders, lines, units received at DC `facility_id` in each hour of `days` days."""
    world = load_world(seed, orders_per_month)
    demand = world.parameters.demand
    index = int(np.flatnonzero(world.facility_ids == facility_id)[0])
    share = demand.fulfillment_mix["dc"] * np.where(
        world.nearest_dc == index, 1 - demand.dc_overflow_share, demand.dc_overflow_share
    )
    hours = hour_grid(start, start + timedelta(days=days))
    rng = np.random.default_rng(seed)
    line_choices = np.arange(1, len(demand.lines_per_order) + 1)
    qty_choices = np.arange(1, len(demand.qty_per_line) + 1)
    rows = []
    for hour_start in hours["hour_start"]:
        expected = float(np.dot(world.hourly_weights(hour_index(hour_start.astimezone(UTC))), share))
        orders = int(rng.poisson(expected))
        lines = rng.choice(line_choices, size=orders, p=demand.lines_per_order)
        units = rng.choice(qty_choices, size=int(lines.sum()), p=demand.qty_per_line)
        rows.append((float(orders), float(lines.sum()), float(units.sum())))
    return hours.with_columns(
        pl.DataFrame(rows, schema=["orders", "lines", "units"], orient="row").get_columns()
    )
