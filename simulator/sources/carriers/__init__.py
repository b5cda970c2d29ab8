"""The simulated carriers, one module per carrier with its code table beside it (see scans.py)."""

from __future__ import annotations

import polars as pl

from simulator.sources.carriers import dhl, fedex, ontrac, swiftmile, ups, usps
from simulator.sources.carriers.scans import CARRIER_DDL, CarrierFormat, render_carrier
from simulator.sources.system import RenderedRows, SourceSystem

FORMATS: dict[str, CarrierFormat] = {
    module.FORMAT.carrier_id: module.FORMAT for module in (ups, fedex, usps, dhl, ontrac, swiftmile)
}


def carrier_source(fmt: CarrierFormat) -> SourceSystem:
    def render(truth: pl.DataFrame) -> list[RenderedRows]:
        return render_carrier(truth, fmt)

    return SourceSystem(name=f"carrier:{fmt.carrier_id}", database="sim", ddl=CARRIER_DDL, render=render)


def carrier_sources() -> list[SourceSystem]:
    return [carrier_source(fmt) for fmt in FORMATS.values()]
