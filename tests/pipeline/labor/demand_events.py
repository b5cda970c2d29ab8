"""A demand history as canonical ORDER_RECEIVED events, loaded through the real load path (events,
order_line): each hour's orders spread over the hour, their lines and units as the frame says."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, make_url

from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.labor.forecast import local_midnight
from pipeline.load import load_events
from tests.canonical_factory import canonical_event, staged
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pipeline.labor.simulated_demand import simulated_demand


def order_received_events(facility_id: str, demand: pl.DataFrame, prefix: str = "LB") -> list[dict]:
    """One ORDER_RECEIVED per order of `demand` (hour_start, orders, lines, units): lines and units are
    dealt out so that each hour's totals are exactly the frame's (every order at least one line of one
    unit, which the frame's counts always allow)."""
    events = []
    number = 0
    for row in demand.iter_rows(named=True):
        orders, lines, units = int(row["orders"]), int(row["lines"]), int(row["units"])
        if orders == 0:
            continue
        line_counts = [
            1 + (lines - orders) // orders + (1 if i < (lines - orders) % orders else 0)
            for i in range(orders)
        ]
        extra_units = units - lines
        for index, line_count in enumerate(line_counts):
            number += 1
            order_lines = []
            for line_no in range(1, line_count + 1):
                qty = 1 + (extra_units if index == 0 and line_no == 1 else 0)
                order_lines.append({"line_no": line_no, "sku": "SKU-000087", "qty": qty, "uom": "EA"})
            at = row["hour_start"] + timedelta(seconds=(3600 * index) // orders)
            attributes = {
                "channel": "web",
                "fulfillment": "ship",
                "promised_delivery_by": (at + timedelta(days=5)).astimezone(UTC).isoformat(),
                "ship_by": (at + timedelta(days=1)).astimezone(UTC).isoformat(),
                "destination": {"postal_code": "60614", "country": "US", "time_zone": "America/Chicago"},
                "lines": order_lines,
            }
            events.append(
                canonical_event(
                    "ORDER_RECEIVED",
                    f"SO-{prefix}{number:07d}",
                    at,
                    facility_id=facility_id,
                    attributes=attributes,
                )
            )
    return events


def load_demand(conn: Connection, facility_id: str, demand: pl.DataFrame, prefix: str = "LB") -> int:
    events = order_received_events(facility_id, demand, prefix)
    return load_events(conn, staged(events, datetime.now(UTC))).loaded


@contextmanager
def database_with_demand(template_url: str, days: int, *, until: date | None = None) -> Iterator[str]:
    """A database of its own holding `days` days of simulated demand at both DCs, up to the start of
    `until` (default: today, each DC's local day), for tests that commit (the CLI, the page)."""
    url = sibling_database_url(template_url, _throwaway_name("labor"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            for facility_id, zone in (("DC-RNO", "America/Los_Angeles"), ("DC-CMH", "America/New_York")):
                end_day = until or datetime.now(ZoneInfo(zone)).date()
                start = local_midnight(end_day - timedelta(days=days), zone)
                demand = simulated_demand(facility_id, start, days, orders_per_month=4_000, seed=5)
                load_demand(conn, facility_id, demand, prefix=facility_id[-3:])
        yield url
    finally:
        engine.dispose()
        drop_with_sources(url)
