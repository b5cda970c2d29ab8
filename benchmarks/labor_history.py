"""The seeded world's DC orders as ORDER_RECEIVED events in a database, loaded through the real load path
(validation, dedupe, order_line projection), so `waypoint labor backtest` can be measured end to end on
them. Only what labor planning reads is loaded: the orders the DCs receive, with their lines (the
destination's zone, which labor planning does not read, is the DC's here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from db.master_data import facilities
from pipeline.canonical import validate_event
from pipeline.labor.history import hour_grid
from pipeline.load import StagedEvent, load_events
from pipeline.registry import Registry
from simulator.clock import hour_index
from simulator.demand import generate_orders
from simulator.world import World

LOAD_BATCH = 20_000
_KINDS = {0: "ship", 1: "ship", 2: "store_pickup"}


def _instant(microseconds: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(microseconds))).isoformat()


def dc_order_events(world: World, start: datetime, end: datetime) -> Iterator[dict]:
    """One canonical ORDER_RECEIVED per DC order placed in [start, end), as the WMS adapter gives it."""
    zones = {item.facility_id: item.time_zone for item in facilities()}
    for hour_start in hour_grid(start, end)["hour_start"]:
        orders = generate_orders(world, hour_index(hour_start.astimezone(UTC)))
        for i in range(orders.count):
            facility_id = str(world.facility_ids[orders.facility[i]])
            if not facility_id.startswith("DC-"):
                continue
            mine = orders.line_order == i
            lines = [
                {"line_no": int(no), "sku": str(sku), "qty": int(qty), "uom": "EA"}
                for no, sku, qty in zip(
                    orders.line_no[mine], orders.line_sku[mine], orders.line_qty[mine], strict=True
                )
            ]
            yield {
                "event_id": f"{orders.order_id[i]}:received",
                "source": f"wms:{facility_id}",
                "event_type": "ORDER_RECEIVED",
                "occurred_at": _instant(orders.placed[i]),
                "order_id": str(orders.order_id[i]),
                "facility_id": facility_id,
                "attributes": {
                    "channel": str(orders.channel[i]),
                    "fulfillment": _KINDS[int(orders.kind[i])],
                    "promised_delivery_by": _instant(orders.promised_by[i]),
                    "ship_by": _instant(orders.ship_by[i]),
                    "destination": {
                        "postal_code": str(orders.postal_code[i]),
                        "country": "US",
                        "time_zone": zones[facility_id],
                    },  # fmt: skip
                    "lines": lines,
                },
            }


def load_dc_orders(engine: Engine, world: World, start: datetime, end: datetime) -> int:
    """Load the DC orders of [start, end); returns the events loaded."""
    registry = Registry.from_files()
    zones = {item.facility_id: item.time_zone for item in facilities()}
    loaded = 0
    batch: list[StagedEvent] = []
    for event in dc_order_events(world, start, end):
        batch.append(StagedEvent(validate_event(event, registry, zones), end))
        if len(batch) >= LOAD_BATCH:
            with engine.begin() as conn:
                loaded += load_events(conn, batch).loaded
            batch = []
    if batch:
        with engine.begin() as conn:
            loaded += load_events(conn, batch).loaded
    return loaded
