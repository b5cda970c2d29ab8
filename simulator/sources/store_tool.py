"""The store allocation tool: the app store associates use for ship-from-store and pickup-in-store orders.

It keeps an append-only event table with a monotonically increasing `cursor` (assigned by the
database as rows arrive) that its HTTP API pages through. Event names are the tool's own
(store_tool_events.json). `event_time` is the store's wall-clock time WITHOUT an offset: stores sit in
six US zones (Phoenix never changes its clocks, Honolulu and Anchorage are far from the rest), and the
tool never recorded which. `available_at` is the simulator's bookkeeping, not part of the tool.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from db.master_data import facilities
from simulator.catalog import WorldCatalog
from simulator.sources.system import RenderedRows, SourceSystem
from simulator.sources.truth_detail import (
    EventColumns,
    columns_per_event_type,
    detail_keys,
    field,
    json_object,
)
from simulator.sources.vendor_codes import CodeEntry, attach_codes, code_frame, load_code_table
from simulator.sources.wall_clock import record_hash, stamp

CODE_FILE = Path(__file__).with_name("store_tool_events.json")
OZ_PER_KG = 35.2739619

STORE_EVENT_TYPES = (
    "ORDER_RECEIVED",
    "ORDER_ALLOCATED",
    "PICK_STARTED",
    "ITEM_PICKED",
    "PICK_SHORT",
    "PICK_COMPLETED",
    "PACK_COMPLETED",
    "LABEL_PRINTED",
    "READY_FOR_STORE_PICKUP",
    "CUSTOMER_PICKED_UP",
    "ORDER_REALLOCATED",
    "ORDER_CANCELLED",
)

STORE_TOOL_DDL = """
CREATE SCHEMA IF NOT EXISTS store_tool;
CREATE TABLE IF NOT EXISTS store_tool.event (
    cursor bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    store_id text NOT NULL,
    order_ref text NOT NULL,
    event_name text NOT NULL,
    event_time timestamp without time zone NOT NULL,
    associate_id text,
    payload jsonb NOT NULL,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS event_order_ref ON store_tool.event (order_ref, cursor);
COMMENT ON COLUMN store_tool.event.event_time IS 'Store-local wall-clock time, no offset';
COMMENT ON COLUMN store_tool.event.available_at IS 'Simulator bookkeeping: when the event became visible';
CREATE TABLE IF NOT EXISTS store_tool.inventory (
    store_id text NOT NULL,
    sku text NOT NULL,
    on_hand integer NOT NULL,
    PRIMARY KEY (store_id, sku)
);
"""

ORDER_DETAIL = pl.Struct(
    {
        "channel": pl.String,
        "fulfillment": pl.String,
        "promised_delivery_by": pl.String,
        "destination": pl.Struct(
            {"postal_code": pl.String, "city": pl.String, "state": pl.String, "country": pl.String}
        ),
        "customer": pl.Struct({"name": pl.String, "email": pl.String, "phone": pl.String}),
        "lines": pl.List(pl.Struct({"line_no": pl.Int64, "sku": pl.String, "qty": pl.Int64})),
    }
)


class StoreEventName(CodeEntry):
    event_name: str


@lru_cache(maxsize=1)
def event_names() -> pl.DataFrame:
    entries = load_code_table(
        CODE_FILE, StoreEventName, vendor_key=("event_name",), event_types=STORE_EVENT_TYPES
    )
    return code_frame(entries).select("event_type", "reason", "description", "event_name")


def _order_created() -> pl.Expr:
    destination, customer = field("destination"), field("customer")
    pickup = field("fulfillment") == "store_pickup"
    items = field("lines").list.eval(
        pl.struct(
            line=pl.element().struct.field("line_no"),
            sku=pl.element().struct.field("sku"),
            quantity=pl.element().struct.field("qty"),
        )
    )
    return json_object(
        fulfillment_type=pl.when(pickup).then(pl.lit("PICKUP_IN_STORE")).otherwise(pl.lit("SHIP_FROM_STORE")),
        channel=field("channel"),
        customer=pl.struct(
            name=customer.struct.field("name"),
            email=customer.struct.field("email"),
            phone=customer.struct.field("phone"),
        ),
        ship_to=pl.when(~pickup).then(
            pl.struct(
                city=destination.struct.field("city"),
                state=destination.struct.field("state"),
                postal_code=destination.struct.field("postal_code"),
            )
        ),
        promise_by=field("promised_delivery_by"),
        items=items,
    )


def payloads() -> dict[str, EventColumns]:
    """The payload each event name carries (events not listed carry an empty object)."""
    line = {"line": pl.col("line_no"), "sku": pl.col("sku")}
    reason = EventColumns(detail_keys("reason"), {"payload": json_object(reason=field("reason"))})
    return {
        "ORDER_RECEIVED": EventColumns(ORDER_DETAIL, {"payload": _order_created()}),
        "ORDER_ALLOCATED": EventColumns(None, {"payload": json_object(assigned_store=pl.col("facility_id"))}),
        "ITEM_PICKED": EventColumns(None, {"payload": json_object(**line, quantity=pl.col("qty"))}),
        "PICK_SHORT": EventColumns(
            detail_keys(qty_short=pl.Int64),
            {
                "payload": json_object(
                    **line, quantity_picked=pl.col("qty"), quantity_short=field("qty_short")
                )
            },
        ),
        "PACK_COMPLETED": EventColumns(
            detail_keys("carton_id", weight_kg=pl.Float64),
            {
                "payload": json_object(
                    package_id=field("carton_id"), weight_oz=(field("weight_kg") * OZ_PER_KG).round(1)
                )
            },
        ),
        "LABEL_PRINTED": EventColumns(
            None,
            {
                "payload": json_object(
                    carrier=pl.col("carrier_id"),
                    service=pl.col("service_code"),
                    tracking_number=pl.col("tracking_number"),
                    shipment_id=pl.col("shipment_id"),
                )
            },
        ),
        "ORDER_REALLOCATED": EventColumns(
            detail_keys("reason", "to_facility"),
            {"payload": json_object(reason=field("reason"), reassigned_to=field("to_facility"))},
        ),
        "ORDER_CANCELLED": reason,
    }


def store_zone() -> pl.Expr:
    zones = {item.facility_id: item.time_zone for item in facilities() if item.kind == "store"}
    return pl.col("facility_id").replace_strict(zones, return_dtype=pl.String)


def render_events(truth: pl.DataFrame) -> pl.DataFrame:
    """The store tool's event rows for the truth rows it owns."""
    owned = truth.filter(pl.col("source_system") == "store_tool")
    work = attach_codes(owned, event_names(), reason=pl.lit(None, pl.String), source="store_tool")
    work = stamp(work, zone=store_zone(), labelled=False)
    work = columns_per_event_type(work, payloads(), {"payload": pl.String()})
    return work.select(
        pl.format("se_{}", record_hash().cast(pl.String)).alias("event_id"),
        pl.col("facility_id").alias("store_id"),
        pl.col("order_id").alias("order_ref"),
        "event_name",
        pl.col("ts_wall").alias("event_time"),
        pl.col("operator_id").alias("associate_id"),
        pl.col("payload").fill_null("{}"),
        "available_at",
    )


def inventory_rows(catalog: WorldCatalog) -> list[RenderedRows]:
    stores = {item.facility_id for item in facilities() if item.kind == "store"}
    rows = catalog.inventory.filter(pl.col("facility_id").is_in(stores)).select(
        pl.col("facility_id").alias("store_id"), "sku", "on_hand"
    )
    return [RenderedRows("store_tool.inventory", rows)]


def store_tool_source() -> SourceSystem:
    return SourceSystem(
        name="store_tool",
        database="sim",
        ddl=STORE_TOOL_DDL,
        render=lambda truth: [RenderedRows("store_tool.event", render_events(truth))],
        reference_ddl_and_rows=inventory_rows,
    )
