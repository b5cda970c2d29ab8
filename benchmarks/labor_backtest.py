"""The labor forecast's backtest on the seeded world's history: the orders the simulator generates (the
same function `waypoint simulate seed` writes to the source systems) at each DC, hour by hour, for
--days days at --orders-per-month, ending at today's local midnight; then the rolling-origin backtest
`waypoint labor backtest` runs (pipeline/labor/backtest.py), model against seasonal-naive baseline.

    .venv/bin/python -m benchmarks.labor_backtest [--days 60] [--orders-per-month 120000] [--seed 7]

Orders are counted at the facility they are first sent to (their ORDER_RECEIVED), with their order
lines and units, as pipeline/labor/history.py reads them from the events.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from pipeline.labor.backtest import backtest
from pipeline.labor.calendar import demand_calendar
from pipeline.labor.forecast import local_midnight
from pipeline.labor.history import hour_grid
from simulator.clock import hour_index
from simulator.demand import generate_orders
from simulator.world import load_world

DCS = {"DC-RNO": "America/Los_Angeles", "DC-CMH": "America/New_York"}


def seeded_demand(days: int, orders_per_month: int, seed: int, today: date) -> dict[str, pl.DataFrame]:
    """hour_start, orders, lines, units received per DC in each UTC hour of the `days` local days before
    `today` (each DC's own midnights)."""
    world = load_world(seed, orders_per_month)
    bounds = {
        facility_id: (local_midnight(today - timedelta(days=days), zone), local_midnight(today, zone))
        for facility_id, zone in DCS.items()
    }
    hours = hour_grid(min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values()))
    index = {facility_id: int(np.flatnonzero(world.facility_ids == facility_id)[0]) for facility_id in DCS}
    rows: dict[str, list[tuple[float, float, float]]] = {facility_id: [] for facility_id in DCS}
    for hour_start in hours["hour_start"]:
        orders = generate_orders(world, hour_index(hour_start.astimezone(UTC)))
        lines = np.bincount(orders.line_order, minlength=orders.count)
        units = np.bincount(orders.line_order, orders.line_qty, minlength=orders.count)
        for facility_id, position in index.items():
            mine = orders.facility == position
            rows[facility_id].append((float(mine.sum()), float(lines[mine].sum()), float(units[mine].sum())))
    return {
        facility_id: hours.with_columns(
            pl.DataFrame(found, schema=["orders", "lines", "units"], orient="row").get_columns()
        ).filter(pl.col("hour_start").is_between(*bounds[facility_id], closed="left"))
        for facility_id, found in rows.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orders-per-month", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--step", type=int, default=3)
    parser.add_argument("--through-database", action="store_true",
                        help="Load the orders as events into a scratch database and run `waypoint labor backtest`.")  # fmt: skip
    args = parser.parse_args(argv)
    if args.through_database:
        through_database(args.days, args.orders_per_month, args.seed, args.step)
        return
    started = time.monotonic()
    today = datetime.now(ZoneInfo("America/New_York")).date()
    demand = seeded_demand(args.days, args.orders_per_month, args.seed, today)
    generated = time.monotonic() - started
    print(f"seeded history: {args.days} days at {args.orders_per_month:,} orders/month, seed {args.seed}, "
          f"up to {today} ({generated:.0f} s)")  # fmt: skip
    print(f"{'facility':<8} {'metric':<7} {'orders':>8} {'origins':>7} {'hours':>6} {'model WAPE':>10} "
          f"{'baseline WAPE':>13} {'p80 coverage':>12}")  # fmt: skip
    for facility_id, zone in DCS.items():
        history = demand[facility_id]
        for s in backtest(facility_id, zone, history, demand_calendar(), step_days=args.step):
            print(f"{facility_id:<8} {s.metric:<7} {history['orders'].sum():>8,.0f} {s.origins:>7} {s.hours:>6} "
                  f"{s.model_wape:>10.1%} {s.baseline_wape:>13.1%} {s.p80_coverage:>12.1%}")  # fmt: skip
    print(f"total {time.monotonic() - started:.0f} s")


def through_database(days: int, orders_per_month: int, seed: int, step: int) -> None:
    """The same history, loaded as ORDER_RECEIVED events into a scratch database; then the command."""
    from click.testing import CliRunner

    from benchmarks.labor_history import load_dc_orders
    from benchmarks.scratch import scratch_database
    from db.engine import make_engine
    from pipeline.cli.main import cli
    from pipeline.settings import get_settings

    today = datetime.now(ZoneInfo("America/New_York")).date()
    start = min(local_midnight(today - timedelta(days=days), zone) for zone in DCS.values())
    end = max(local_midnight(today, zone) for zone in DCS.values())
    with scratch_database() as url:
        started = time.monotonic()
        engine = make_engine(url, pool_size=1)
        try:
            loaded = load_dc_orders(engine, load_world(seed, orders_per_month), start, end)
        finally:
            engine.dispose()
        print(f"loaded {loaded:,} ORDER_RECEIVED events ({time.monotonic() - started:.0f} s)", flush=True)
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        started = time.monotonic()
        command = [
            "labor",
            "backtest",
            "--days",
            str(days),
            "--until",
            today.isoformat(),
            "--step",
            str(step),
        ]
        result = CliRunner().invoke(cli, command)
        print(
            f"$ waypoint {' '.join(command)}  (exit {result.exit_code}, {time.monotonic() - started:.0f} s)"
        )
        print(result.output)


if __name__ == "__main__":
    main()
