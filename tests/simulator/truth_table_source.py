"""A stand-in source system for engine tests: it writes the truth rows as they are into one table.

The engine's behaviour (what is written when, what stays pending, activity) does not depend on any vendor
format, so these tests use this transparent system; the real formats are tested with their renderers.
"""

from __future__ import annotations

import polars as pl

from simulator.sources.system import RenderedRows, SourceSystem
from simulator.truth import TRUTH_SCHEMA

TABLE = "truthlog.record"
DDL = """
CREATE SCHEMA IF NOT EXISTS truthlog;
CREATE TABLE IF NOT EXISTS truthlog.record (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_uid text NOT NULL, order_id text NOT NULL, event_type text NOT NULL,
    occurred_at timestamptz NOT NULL, available_at timestamptz NOT NULL, source_system text NOT NULL,
    facility_id text, shipment_id text, carrier_id text, service_code text, tracking_number text,
    operator_id text, line_no smallint, sku text, qty integer, detail jsonb NOT NULL, anomaly text, duplicate_of text
);
CREATE TABLE IF NOT EXISTS truthlog.sku (sku text PRIMARY KEY, weight_kg numeric NOT NULL);
"""


def render(truth: pl.DataFrame) -> list[RenderedRows]:
    return [RenderedRows(TABLE, truth.select(list(TRUTH_SCHEMA)))]


def reference(catalog) -> list[RenderedRows]:
    return [RenderedRows("truthlog.sku", catalog.skus.select("sku", "weight_kg"))]


def truth_systems() -> list[SourceSystem]:
    return [
        SourceSystem(
            name="truthlog", database="sim", ddl=DDL, render=render, reference_ddl_and_rows=reference
        )
    ]


SYSTEMS = "tests.simulator.truth_table_source:truth_systems"
