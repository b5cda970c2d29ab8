"""The WMS of each DC: a change log of warehouse transactions, as two differently customised installs write it.

Both DCs run the same WMS product, so the table shape is the same, but each install has its own
transaction codes, warehouse code, carrier codes and weight unit (wms_codes_dc_rno.json,
wms_codes_dc_cmh.json). `txn_ts` is the facility's wall-clock time WITHOUT an offset, as RF guns and
pack stations record it: the reader must know the DC's zone, and in the autumn fold hour the same
reading occurs twice. `seq` is assigned by the database in insertion order (the engine inserts in
`available_at` order). `available_at` is the simulator's bookkeeping of when a row became visible;
Waypoint's pipeline must not read it (a real WMS has no such column).

Columns per transaction: `order_no` always; `user_id` for operator actions; `line_no`, `sku`, `qty`
for line picks (`qty` = quantity picked, also on a short pick); `carton_id` on the carton close;
`ref_1`..`ref_3` and `details` as each code's description in the code table says.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel

from db.master_data import facility
from simulator.sources.system import RenderedRows, SourceSystem
from simulator.sources.truth_detail import (
    EventColumns,
    columns_per_event_type,
    detail_keys,
    field,
    json_object,
)
from simulator.sources.vendor_codes import CodeEntry, attach_codes, code_frame, load_code_table
from simulator.sources.wall_clock import stamp
from simulator.sources.wms_reference import REFERENCE_DDL, reference_rows

HERE = Path(__file__).resolve().parent
KG_PER_LB = 0.45359237

WMS_EVENT_TYPES = (
    "ORDER_RECEIVED",
    "ORDER_ALLOCATED",
    "ORDER_RELEASED",
    "PICK_STARTED",
    "ITEM_PICKED",
    "PICK_SHORT",
    "PICK_COMPLETED",
    "PACK_STARTED",
    "PACK_COMPLETED",
    "LABEL_PRINTED",
    "STAGED_OUTBOUND",
    "ORDER_ON_HOLD",
    "ORDER_HOLD_RELEASED",
    "ORDER_SPLIT",
    "ORDER_CANCELLED",
    "RETURN_RECEIVED",
)

CHANGE_LOG_COLUMNS = (
    "txn_code",
    "txn_ts",
    "whse",
    "order_no",
    "line_no",
    "sku",
    "qty",
    "user_id",
    "carton_id",
    "ref_1",
    "ref_2",
    "ref_3",
    "details",
    "available_at",
)

CHANGE_LOG_DDL = """
CREATE SCHEMA IF NOT EXISTS wms;
CREATE TABLE IF NOT EXISTS wms.change_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txn_code text NOT NULL,
    txn_ts timestamp without time zone NOT NULL,
    whse text NOT NULL,
    order_no text NOT NULL,
    line_no integer,
    sku text,
    qty integer,
    user_id text,
    carton_id text,
    ref_1 text,
    ref_2 text,
    ref_3 text,
    details jsonb,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS change_log_order_no ON wms.change_log (order_no);
COMMENT ON COLUMN wms.change_log.txn_ts IS 'Facility-local wall-clock time, no offset';
COMMENT ON COLUMN wms.change_log.available_at IS
    'Simulator bookkeeping: when the row became visible. Not part of the WMS; the pipeline must not use it.';
"""

ORDER_DETAIL = pl.Struct(
    {
        "channel": pl.String,
        "promised_delivery_by": pl.String,
        "ship_by": pl.String,
        "destination": pl.Struct(
            {"postal_code": pl.String, "city": pl.String, "state": pl.String, "country": pl.String}
        ),
        "customer": pl.Struct({"name": pl.String, "email": pl.String, "phone": pl.String}),
        "lines": pl.List(
            pl.Struct({"line_no": pl.Int64, "sku": pl.String, "qty": pl.Int64, "uom": pl.String})
        ),
        "order_total": pl.Float64,
    }
)
VARYING_COLUMNS: dict[str, pl.DataType] = {
    "carton_id": pl.String(),
    "ref_1": pl.String(),
    "ref_2": pl.String(),
    "ref_3": pl.String(),
    "details": pl.String(),
}


class WmsCode(CodeEntry):
    txn_code: str


class WmsInstall(BaseModel):
    """One DC's customisation of the WMS, read from its code-table file."""

    vendor: str
    facility_id: str
    whse: str
    weight_unit: Literal["LB", "KG"]
    carrier_codes: dict[str, str]
    entries: list[WmsCode]


@lru_cache(maxsize=4)
def wms_install(facility_id: str) -> WmsInstall:
    path = HERE / f"wms_codes_{facility_id.lower().replace('-', '_')}.json"
    entries = load_code_table(path, WmsCode, vendor_key=("txn_code",), event_types=WMS_EVENT_TYPES)
    header = {key: value for key, value in json.loads(path.read_text()).items() if key != "entries"}
    install = WmsInstall.model_validate({**header, "entries": []})
    if install.facility_id != facility_id:
        raise ValueError(f"{path.name}: facility_id {install.facility_id!r} does not match {facility_id!r}")
    return install.model_copy(update={"entries": entries})


def _weight(install: WmsInstall) -> pl.Expr:
    kilograms = field("weight_kg")
    value = kilograms / KG_PER_LB if install.weight_unit == "LB" else kilograms
    return value.round(2)


def _order_download() -> pl.Expr:
    destination, customer = field("destination"), field("customer")
    lines = field("lines").list.eval(
        pl.struct(
            ln=pl.element().struct.field("line_no"),
            item=pl.element().struct.field("sku"),
            qty=pl.element().struct.field("qty"),
            uom=pl.element().struct.field("uom").str.to_uppercase(),
        )
    )
    return json_object(
        host_order=pl.col("order_id"),
        order_channel=field("channel").str.to_uppercase(),
        ship_to=pl.struct(
            name=customer.struct.field("name"),
            city=destination.struct.field("city"),
            state=destination.struct.field("state"),
            zip=destination.struct.field("postal_code"),
            country=destination.struct.field("country"),
        ),
        contact=pl.struct(email=customer.struct.field("email"), phone=customer.struct.field("phone")),
        must_ship_by=field("ship_by"),
        promise_by=field("promised_delivery_by"),
        order_value=field("order_total"),
        lines=lines,
    )


def transactions(install: WmsInstall) -> dict[str, EventColumns]:
    """The columns each transaction fills besides the ones every transaction has."""
    carrier_code = pl.col("carrier_id").replace_strict(
        install.carrier_codes, default=pl.col("carrier_id").str.to_uppercase(), return_dtype=pl.String
    )
    reason = EventColumns(detail_keys("reason"), {"ref_1": field("reason").str.to_uppercase()})
    return {
        "ORDER_RECEIVED": EventColumns(ORDER_DETAIL, {"details": _order_download()}),
        "ORDER_ALLOCATED": EventColumns(detail_keys("facility_id"), {"ref_1": field("facility_id")}),
        "ORDER_RELEASED": EventColumns(detail_keys("wave_id"), {"ref_1": field("wave_id")}),
        "PICK_SHORT": EventColumns(
            detail_keys(qty_short=pl.Int64), {"details": json_object(short_qty=field("qty_short"))}
        ),
        "PACK_COMPLETED": EventColumns(
            detail_keys("carton_id", weight_kg=pl.Float64),
            {
                "carton_id": field("carton_id"),
                "details": json_object(weight=_weight(install), uom=pl.lit(install.weight_unit)),
            },
        ),
        "LABEL_PRINTED": EventColumns(
            detail_keys(weight_kg=pl.Float64),
            {
                "ref_1": carrier_code,
                "ref_2": pl.col("service_code"),
                "ref_3": pl.col("tracking_number"),
                "details": json_object(shipment_id=pl.col("shipment_id"), weight=_weight(install)),
            },
        ),
        "ORDER_ON_HOLD": reason,
        "ORDER_CANCELLED": reason,
        "ORDER_SPLIT": EventColumns(
            detail_keys(shipments=pl.List(pl.String)), {"details": json_object(shipments=field("shipments"))}
        ),
        "RETURN_RECEIVED": EventColumns(
            detail_keys("rma_id", "condition"),
            {"ref_1": field("rma_id"), "ref_2": field("condition").str.to_uppercase()},
        ),
    }


def render_change_log(truth: pl.DataFrame, facility_id: str) -> pl.DataFrame:
    """The change-log rows one DC's WMS writes for the truth rows it owns."""
    install = wms_install(facility_id)
    owned = truth.filter((pl.col("source_system") == "wms") & (pl.col("facility_id") == facility_id))
    zone = facility(facility_id).time_zone
    codes = code_frame(install.entries).select("event_type", "reason", "description", "txn_code")
    work = attach_codes(owned, codes, reason=pl.lit(None, pl.String), source=f"wms:{facility_id}")
    work = stamp(work, zone=pl.lit(zone), labelled=False)
    work = columns_per_event_type(work, transactions(install), VARYING_COLUMNS)
    return work.select(
        pl.col("txn_code"),
        pl.col("ts_wall").alias("txn_ts"),
        pl.lit(install.whse).alias("whse"),
        pl.col("order_id").alias("order_no"),
        pl.col("line_no").cast(pl.Int32),
        pl.col("sku"),
        pl.col("qty").cast(pl.Int32),
        pl.col("operator_id").alias("user_id"),
        pl.col("carton_id"),
        pl.col("ref_1"),
        pl.col("ref_2"),
        pl.col("ref_3"),
        pl.col("details"),
        pl.col("available_at"),
    )


def wms_source(facility_id: str) -> SourceSystem:
    def render(truth: pl.DataFrame) -> list[RenderedRows]:
        return [RenderedRows("wms.change_log", render_change_log(truth, facility_id))]

    return SourceSystem(
        name=f"wms:{facility_id}",
        database=f"wms:{facility_id}",  # type: ignore[arg-type]
        ddl=CHANGE_LOG_DDL + REFERENCE_DDL,
        render=render,
        reference_ddl_and_rows=lambda catalog: reference_rows(catalog, facility_id),
    )
