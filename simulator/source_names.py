"""Names of the source systems as Waypoint and the activity statistics call them."""

from __future__ import annotations

import polars as pl


def source_name() -> pl.Expr:
    """`wms:DC-RNO`, `stores`, `carrier:ups`, `helpdesk` from a truth frame's source_system/facility/carrier."""
    system = pl.col("source_system")
    return (
        pl.when(system == "wms")
        .then(pl.lit("wms:") + pl.col("facility_id"))
        .when(system == "store_tool")
        .then(pl.lit("stores"))
        .when(system == "carrier")
        .then(pl.lit("carrier:") + pl.col("carrier_id"))
        .otherwise(system)
    )
