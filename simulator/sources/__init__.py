"""The simulated source systems, each in its own vendor format (see simulator/truth.py for what they show).

`source_systems()` lists them for the engine: the WMS of each DC (own databases), the store allocation
tool, one system per carrier and the helpdesk (schemas of the simulator database).
"""

from __future__ import annotations

from simulator.sources.system import RenderedRows, SourceDatabase, SourceSystem

__all__ = ["RenderedRows", "SourceDatabase", "SourceSystem", "source_systems"]


def source_systems() -> list[SourceSystem]:
    from simulator.databases import WMS_FACILITIES
    from simulator.sources.carriers import carrier_sources
    from simulator.sources.helpdesk import helpdesk_source
    from simulator.sources.store_tool import store_tool_source
    from simulator.sources.wms import wms_source

    return [
        *(wms_source(facility_id) for facility_id in WMS_FACILITIES),
        store_tool_source(),
        *carrier_sources(),
        helpdesk_source(),
    ]
