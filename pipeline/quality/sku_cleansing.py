"""The cleansed SKU master in the database: `cleanse_sku_master(conn)` rebuilds `sku_cleansed` from `sku`
(the master as the WMS holds it, synced by pipeline/sources/inventory_feed.py), and `sku_measures` is how
every other part of Waypoint reads a SKU's weight and dimensions: never from `sku`'s typed-in values.

The worker runs `cleanse_sku_master_job` after each inventory sync interval; the rebuild is one
transaction, so readers see the old cleansed master or the new one, never half of each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.quality.rulebook import SkuMasterRules, sku_master_rules
from pipeline.quality.sku_master import CleansedSku, CleansingSummary, TypedSku, cleanse

log = structlog.get_logger(__name__)

_READ = text(
    "SELECT sku, category, weight_value, weight_unit, length_value, width_value, height_value, dimension_unit"
    " FROM sku ORDER BY sku"
)
_UPSERT = text(
    """
    INSERT INTO sku_cleansed AS c (sku, canonical_sku, category, weight_kg, length_cm, width_cm, height_cm,
                                   weight_status, dimension_status, correction_factor, issues, source_values,
                                   cleansed_at)
    SELECT t.sku, t.canonical, t.category, t.weight, t.length, t.width, t.height, t.weight_status,
           t.dimension_status, t.factor, CAST(t.issues AS text[]), t.source_values, CAST(:now AS timestamptz)
    FROM unnest(CAST(:sku AS text[]), CAST(:canonical AS text[]), CAST(:category AS text[]),
                CAST(:weight AS numeric[]), CAST(:length AS numeric[]), CAST(:width AS numeric[]),
                CAST(:height AS numeric[]), CAST(:weight_status AS text[]), CAST(:dimension_status AS text[]),
                CAST(:factor AS float8[]), CAST(:issues AS text[]), CAST(:source_values AS jsonb[]))
         AS t(sku, canonical, category, weight, length, width, height, weight_status, dimension_status, factor,
              issues, source_values)
    ON CONFLICT (sku) DO UPDATE SET
        canonical_sku = excluded.canonical_sku, category = excluded.category, weight_kg = excluded.weight_kg,
        length_cm = excluded.length_cm, width_cm = excluded.width_cm, height_cm = excluded.height_cm,
        weight_status = excluded.weight_status, dimension_status = excluded.dimension_status,
        correction_factor = excluded.correction_factor, issues = excluded.issues,
        source_values = excluded.source_values, cleansed_at = excluded.cleansed_at
    """
)
_REMOVE_GONE = text("DELETE FROM sku_cleansed WHERE NOT (sku = ANY(CAST(:sku AS text[])))")
_MEASURES = text(
    "SELECT sku, canonical_sku, weight_kg, length_cm, width_cm, height_cm, weight_status, dimension_status"
    " FROM sku_cleansed WHERE sku = ANY(:skus)"
)


@dataclass(frozen=True)
class SkuMeasures:
    """A SKU's weight and box as Waypoint uses them (kilograms, centimetres); None where unknown."""

    sku: str
    canonical_sku: str
    weight_kg: Decimal | None
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    weight_status: str
    dimension_status: str


def cleanse_sku_master(
    conn: Connection, *, now: datetime | None = None, rules: SkuMasterRules | None = None
) -> CleansingSummary:
    """Rebuild `sku_cleansed` from `sku` in the caller's transaction; the before-and-after summary."""
    now = now or datetime.now(UTC)
    typed = [TypedSku(**row) for row in conn.execute(_READ).mappings()]
    cleansed, summary = cleanse(typed, rules or sku_master_rules())
    _write(conn, typed, cleansed, now)
    return summary


def cleanse_sku_master_job(engine: Engine) -> CleansingSummary:
    """The scheduled job: one rebuild in its own transaction."""
    with engine.begin() as conn:
        summary = cleanse_sku_master(conn)
    log.info("sku_master.cleansed", skus=summary.skus, issues=dict(summary.issues))
    return summary


def sku_measures(conn: Connection, skus: Sequence[str]) -> dict[str, SkuMeasures]:
    """The cleansed weight and dimensions of these SKUs (those the cleansed master has)."""
    if not skus:
        return {}
    return {row.sku: SkuMeasures(**row._mapping) for row in conn.execute(_MEASURES, {"skus": list(skus)})}


def _write(
    conn: Connection, typed: Sequence[TypedSku], cleansed: Sequence[CleansedSku], now: datetime
) -> None:
    conn.execute(_REMOVE_GONE, {"sku": [row.sku for row in typed]})
    if not cleansed:
        return
    conn.execute(
        _UPSERT,
        {
            "sku": [item.sku for item in cleansed],
            "canonical": [item.canonical_sku for item in cleansed],
            "category": [item.category for item in cleansed],
            "weight": [item.weight_kg for item in cleansed],
            "length": [item.length_cm for item in cleansed],
            "width": [item.width_cm for item in cleansed],
            "height": [item.height_cm for item in cleansed],
            "weight_status": [item.weight_status for item in cleansed],
            "dimension_status": [item.dimension_status for item in cleansed],
            "factor": [item.correction_factor for item in cleansed],
            "issues": ["{" + ",".join(item.issues) + "}" for item in cleansed],
            "source_values": [
                json.dumps(_before(row, item)) for row, item in zip(typed, cleansed, strict=True)
            ],
            "now": now,
        },
    )


def _before(row: TypedSku, item: CleansedSku) -> dict:
    values = {
        "weight": _text(row.weight_value),
        "weight_unit": row.weight_unit,
        "length": _text(row.length_value),
        "width": _text(row.width_value),
        "height": _text(row.height_value),
        "dimension_unit": row.dimension_unit,
    }
    if item.typed_in:
        values["weight_typed_in"] = item.typed_in
    return values


def _text(value: Decimal | float | None) -> str | None:
    return None if value is None else str(value)
