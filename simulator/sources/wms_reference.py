"""The WMS reference tables of a DC: the SKU master its users typed in, and on-hand inventory.

The catalog (simulator.catalog) holds true kilograms and centimetres. Each DC's SKU master shows them
the way people enter them: weights in lb, lbs, LB, pound, oz, kg or g and dimensions in in, inch or cm,
with a few unit-conversion errors (a value entered in one unit but labelled with another: off by 16,
453.6 or 1000) and a few duplicate SKU variants (the same item keyed again as `wp-100123`, `WP100123`
or with a trailing blank). Every injected error is also returned as a ground-truth row for
`sim.injected_anomaly` (kind, source, ref, detail) so data-quality checks can be scored.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator.catalog import WorldCatalog
from simulator.sources.system import RenderedRows

REFERENCE_DDL = """
CREATE TABLE IF NOT EXISTS wms.sku_master (
    sku text PRIMARY KEY,
    description text NOT NULL,
    item_class text,
    unit_weight numeric(12, 3) NOT NULL,
    weight_uom text NOT NULL,
    unit_length numeric(10, 2) NOT NULL,
    unit_width numeric(10, 2) NOT NULL,
    unit_height numeric(10, 2) NOT NULL,
    dim_uom text NOT NULL,
    retail_price numeric(10, 2)
);
CREATE TABLE IF NOT EXISTS wms.inventory (
    sku text PRIMARY KEY,
    on_hand integer NOT NULL
);
"""

# How many of the unit's values make one kilogram / one centimetre, and the decimals people type.
WEIGHT_UNITS = {"lb": (2.20462262, 2), "lbs": (2.20462262, 2), "LB": (2.20462262, 2), "pound": (2.20462262, 2),
                "oz": (35.2739619, 1), "kg": (1.0, 3), "g": (1000.0, 0)}  # fmt: skip
WEIGHT_UNIT_SHARES = {"lb": 0.34, "lbs": 0.14, "LB": 0.12, "pound": 0.04, "oz": 0.16, "kg": 0.14, "g": 0.06}
DIM_UNITS = {"in": 1 / 2.54, "inch": 1 / 2.54, "cm": 1.0}
DIM_UNIT_SHARES = {"in": 0.62, "inch": 0.13, "cm": 0.25}
UNIT_ERROR_RATE = 0.012
DUPLICATE_RATE = 0.006
# A weight typed in the first unit but labelled with the second: the value is off by the factor.
UNIT_ERRORS = (("oz", "lb", 16.0), ("g", "lb", 453.6), ("g", "kg", 1000.0))
_STAGE = {"DC-RNO": 101, "DC-CMH": 102}


def _rng(catalog: WorldCatalog, facility_id: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([catalog.seed, _STAGE[facility_id]]))


def _variant(sku: pl.Expr, style: pl.Expr) -> pl.Expr:
    return (
        pl.when(style == 0)
        .then(sku.str.to_lowercase())
        .when(style == 1)
        .then(sku.str.replace("-", "", literal=True))
        .otherwise(pl.concat_str(sku, pl.lit(" ")))
    )


def sku_master_and_anomalies(catalog: WorldCatalog, facility_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The SKU master rows of one DC and the ground truth of the errors injected into them."""
    rng = _rng(catalog, facility_id)
    skus = catalog.skus
    count = skus.height
    weight_unit = rng.choice(list(WEIGHT_UNIT_SHARES), size=count, p=list(WEIGHT_UNIT_SHARES.values()))
    dim_unit = rng.choice(list(DIM_UNIT_SHARES), size=count, p=list(DIM_UNIT_SHARES.values()))
    error_kind = np.where(rng.random(count) < UNIT_ERROR_RATE, rng.integers(0, len(UNIT_ERRORS), count), -1)
    typed_unit = weight_unit.copy()
    for index, (typed, labelled, _factor) in enumerate(UNIT_ERRORS):
        typed_unit[error_kind == index] = typed
        weight_unit[error_kind == index] = labelled
    per_kg = np.array([WEIGHT_UNITS[unit][0] for unit in typed_unit])
    decimals = np.array([WEIGHT_UNITS[unit][1] for unit in typed_unit])
    raw_weight = skus["weight_kg"].to_numpy() * per_kg
    weight = np.array([round(value, int(places)) for value, places in zip(raw_weight, decimals, strict=True)])
    per_cm = np.array([DIM_UNITS[unit] for unit in dim_unit])
    master = skus.select(
        "sku",
        "description",
        pl.col("category").alias("item_class"),
        pl.Series("unit_weight", weight),
        pl.Series("weight_uom", weight_unit),
        *(
            (pl.col(f"{side}_cm") * pl.Series(per_cm)).round(2).alias(f"unit_{side}")
            for side in ("length", "width", "height")
        ),
        pl.Series("dim_uom", dim_unit),
        pl.col("unit_price").alias("retail_price"),
    )
    duplicate = rng.random(count) < DUPLICATE_RATE
    style = rng.integers(0, 3, count)
    variants = (
        master.filter(pl.Series(duplicate))
        .with_columns(pl.Series("style", style[duplicate]), original=pl.col("sku"))
        .with_columns(sku=_variant(pl.col("sku"), pl.col("style")))
    )
    source = f"wms:{facility_id}"
    unit_errors = master.filter(pl.Series(error_kind >= 0)).select(
        kind=pl.lit("sku_unit_error"),
        source=pl.lit(source),
        ref=pl.col("sku"),
        detail=pl.struct(
            field=pl.lit("unit_weight"),
            typed_in=pl.Series(typed_unit[error_kind >= 0]),
            labelled=pl.col("weight_uom"),
            factor=pl.Series([UNIT_ERRORS[k][2] for k in error_kind[error_kind >= 0]], dtype=pl.Float64),
            true_weight_kg=skus.filter(pl.Series(error_kind >= 0))["weight_kg"],
        ).struct.json_encode(),
    )
    duplicates = variants.select(
        kind=pl.lit("sku_duplicate_variant"),
        source=pl.lit(source),
        ref=pl.col("sku"),
        detail=pl.struct(duplicate_of=pl.col("original")).struct.json_encode(),
    )
    rows = pl.concat([master, variants.drop("style", "original")]).sort("sku")
    return rows, pl.concat([unit_errors, duplicates])


def reference_rows(catalog: WorldCatalog, facility_id: str) -> list[RenderedRows]:
    """SKU master and inventory of one DC's WMS, plus the injected-error ground truth."""
    master, anomalies = sku_master_and_anomalies(catalog, facility_id)
    inventory = catalog.inventory.filter(pl.col("facility_id") == facility_id).select("sku", "on_hand")
    return [
        RenderedRows("wms.sku_master", master),
        RenderedRows("wms.inventory", inventory),
        RenderedRows("sim.injected_anomaly", anomalies),
    ]
