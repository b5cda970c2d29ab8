"""A small simulated history shared by the backtest and CLI tests: the seeded world (benchmarks/
simulated_history.py) for 30 days at 8,000 orders a month, loaded through the real load path (only the event types the
backtest reads)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import make_url

from benchmarks.simulated_history import load_simulated_history
from db.engine import ensure_database, make_engine, sibling_database_url
from tests.conftest import _throwaway_name, drop_with_sources

SIMULATED_NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SIMULATED_DAYS = 30
SIMULATED_ORDERS_PER_MONTH = 8_000
# What the backtest reads (destination and promise, label, pickup, delivery): a quarter of the events.
ETA_EVENT_TYPES = ("ORDER_RECEIVED", "LABEL_PRINTED", "CARRIER_PICKUP", "DELIVERED")


@pytest.fixture(scope="session")
def simulated_url(template_url: str) -> Iterator[str]:
    url = sibling_database_url(template_url, _throwaway_name("eta_sim"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=2)
    try:
        load_simulated_history(
            engine,
            days=SIMULATED_DAYS,
            orders_per_month=SIMULATED_ORDERS_PER_MONTH,
            now=SIMULATED_NOW,
            progress=False,
            event_types=ETA_EVENT_TYPES,
        )
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        drop_with_sources(url)
