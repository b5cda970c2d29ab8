"""The ETA backtest on simulator history: build the seeded world's history into a scratch database
(benchmarks/simulated_history.py), then score the lane model against the service-level-only baseline on
the pickups of a window that every delivery has had time to complete.

    .venv/bin/python -m benchmarks.eta_backtest                       # 60 days at 120,000 orders a month
    .venv/bin/python -m benchmarks.eta_backtest --days 30 --orders-per-month 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from benchmarks.scratch import scratch_database
from benchmarks.simulated_history import load_simulated_history
from db.engine import ensure_database, make_engine
from pipeline.bootstrap import prepare_database
from pipeline.cli.eta_commands import render_report
from pipeline.eta.backtest import backtest

# The backtest scores pickups from after this many days of history (lanes have samples by then) ...
WARM_UP_DAYS = 21
# ... until this many days before the end (a parcel picked up later may not be delivered yet, and
# scoring only the quick ones would flatter both models).
SETTLE_DAYS = 10
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def run(days: int, orders_per_month: int, seed: int, database_url: str | None = None) -> dict[str, object]:
    with _database(database_url) as url:
        engine = make_engine(url, pool_size=2)
        try:
            history = load_simulated_history(
                engine, days=days, orders_per_month=orders_per_month, seed=seed, now=NOW
            )
            first_day = (NOW - timedelta(days=days - WARM_UP_DAYS)).date()
            last_day = (NOW - timedelta(days=SETTLE_DAYS)).date()
            started = time.monotonic()
            with engine.connect() as conn:
                report = backtest(conn, first_day, last_day)
            seconds = round(time.monotonic() - started, 1)
        finally:
            engine.dispose()
    print(render_report(report))
    return {
        "history": {
            "days": days,
            "orders_per_month": orders_per_month,
            "seed": seed,
            "orders": history.orders,
            "events_loaded": history.events_loaded,
            "load_seconds": history.seconds,
        },
        "backtest_seconds": seconds,
        **report.as_dict(),
    }


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    """A scratch database, or the given one (migrated here and kept: `waypoint eta backtest` can then be
    run against it with DATABASE_URL)."""
    if url is None:
        with scratch_database() as scratch:
            yield scratch
        return
    ensure_database(url)
    prepare_database(url)
    yield url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orders-per-month", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        help="Load into this database (created if missing) and keep it; default: a scratch one",
    )
    args = parser.parse_args(argv or [])
    if args.days <= WARM_UP_DAYS + SETTLE_DAYS:
        parser.error(f"--days must be more than {WARM_UP_DAYS + SETTLE_DAYS} (warm-up + settling)")
    print(json.dumps(run(args.days, args.orders_per_month, args.seed, args.database_url), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
