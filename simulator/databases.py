"""Where the simulated source systems keep their data: databases beside Waypoint's, on the same server.

Each DC's WMS has a database of its own, as a real WMS install would; the store allocation tool,
the carriers' tracking systems and the helpdesk share one simulator database.
"""

from __future__ import annotations

from sqlalchemy import make_url

from db.engine import sibling_database_url

WMS_FACILITIES = ("DC-RNO", "DC-CMH")
SOURCE_DATABASE_SUFFIXES = ("_wms_dc_rno", "_wms_dc_cmh", "_sim")


def wms_database_url(main_url: str, facility_id: str) -> str:
    name = make_url(main_url).database
    return sibling_database_url(main_url, f"{name}_wms_{facility_id.lower().replace('-', '_')}")


def sim_database_url(main_url: str) -> str:
    name = make_url(main_url).database
    return sibling_database_url(main_url, f"{name}_sim")
