"""Facility inventory and the SKU master, synced from the systems that own them: each DC's WMS database
(wms.sku_master, wms.inventory) and the store tool's inventory API (one request per store). Re-allocation
(pipeline/exceptions/reallocation.py) reads the result.

Each facility is replaced as a whole snapshot in its own transaction: rows whose on-hand changed are
updated (their updated_at says when), SKUs the facility no longer reports are removed. A facility whose
source cannot be read keeps its previous rows and is named in the report; the others still sync.

The SKU master keeps values in the units people typed them in (issue #7's cleansing normalizes them);
the DCs are read in WMS_FACILITIES order, a later DC's entry overriding an earlier one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from db.engine import make_engine
from db.master_data import facilities
from pipeline.settings import Settings
from pipeline.sources.source_http import RetryPolicy, SourceUnavailableError, get_with_retries
from pipeline.sources.store_feed import store_api_client
from pipeline.sources.wms_feed import wms_url
from simulator.databases import WMS_FACILITIES

log = structlog.get_logger(__name__)

STORE_INVENTORY_PATH = "/store-api/v1/inventory"
_WMS_MASTER = text(
    "SELECT sku, description, item_class, unit_weight, weight_uom, unit_length, unit_width, unit_height, dim_uom,"
    " retail_price FROM wms.sku_master ORDER BY sku"
)
_WMS_STOCK = text("SELECT sku, on_hand FROM wms.inventory ORDER BY sku")
_UPSERT_SKUS = text(
    """
    INSERT INTO sku AS s (sku, description, category, weight_value, weight_unit, length_value, width_value,
                          height_value, dimension_unit, unit_price, updated_at)
    SELECT t.*, now()
    FROM unnest(CAST(:sku AS text[]), CAST(:description AS text[]), CAST(:category AS text[]),
                CAST(:weight AS numeric[]), CAST(:weight_unit AS text[]), CAST(:length AS numeric[]),
                CAST(:width AS numeric[]), CAST(:height AS numeric[]), CAST(:dimension_unit AS text[]),
                CAST(:price AS numeric[])) AS t
    ON CONFLICT (sku) DO UPDATE SET
        description = excluded.description, category = excluded.category, weight_value = excluded.weight_value,
        weight_unit = excluded.weight_unit, length_value = excluded.length_value, width_value = excluded.width_value,
        height_value = excluded.height_value, dimension_unit = excluded.dimension_unit,
        unit_price = excluded.unit_price, updated_at = now()
    WHERE (s.description, s.category, s.weight_value, s.weight_unit, s.length_value, s.width_value, s.height_value,
           s.dimension_unit, s.unit_price)
          IS DISTINCT FROM (excluded.description, excluded.category, excluded.weight_value, excluded.weight_unit,
           excluded.length_value, excluded.width_value, excluded.height_value, excluded.dimension_unit,
           excluded.unit_price)
    """
)
_UPSERT_STOCK = text(
    """
    INSERT INTO facility_inventory AS i (facility_id, sku, on_hand, updated_at)
    SELECT :facility_id, t.sku, t.on_hand, now()
    FROM unnest(CAST(:sku AS text[]), CAST(:on_hand AS integer[])) AS t(sku, on_hand)
    JOIN sku USING (sku)
    ON CONFLICT (facility_id, sku) DO UPDATE SET on_hand = excluded.on_hand, updated_at = now()
    WHERE i.on_hand IS DISTINCT FROM excluded.on_hand
    """
)
_REMOVE_GONE = text(
    "DELETE FROM facility_inventory WHERE facility_id = :facility_id AND NOT (sku = ANY(CAST(:sku AS text[])))"
)
_KNOWN_SKUS = text("SELECT count(*) FROM sku WHERE sku = ANY(CAST(:sku AS text[]))")


@dataclass
class InventorySyncReport:
    skus: int = 0  # SKU master rows read
    rows: dict[str, int] = field(default_factory=dict)  # facility -> SKUs on file
    changed: int = 0  # inventory rows inserted, updated or removed
    unknown_skus: int = 0  # reported stock of SKUs missing from the master (skipped)
    failed: dict[str, str] = field(default_factory=dict)  # facility -> why it could not be read


def sync_inventory(
    engine: Engine,
    settings: Settings,
    *,
    database_url: str,
    store_client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> InventorySyncReport:
    """Sync the SKU master and every facility's inventory; see the module docstring."""
    report = InventorySyncReport()
    for facility_id in WMS_FACILITIES:
        _sync_dc(engine, wms_url(settings, database_url, facility_id), facility_id, report)
    client = store_client or store_api_client(settings)
    try:
        for store in (item.facility_id for item in facilities() if item.kind == "store"):
            _sync_store(engine, client, store, retry or RetryPolicy.from_settings(settings), report)
    finally:
        if store_client is None:
            client.close()
    log.info(
        "inventory.synced",
        skus=report.skus,
        facilities=len(report.rows),
        changed=report.changed,
        unknown_skus=report.unknown_skus,
        failed=sorted(report.failed),
    )
    return report


def _sync_dc(engine: Engine, url: str, facility_id: str, report: InventorySyncReport) -> None:
    wms = make_engine(url, pool_size=1)
    try:
        with wms.connect() as conn:
            master = [dict(row) for row in conn.execute(_WMS_MASTER).mappings()]
            stock = [(row.sku, row.on_hand) for row in conn.execute(_WMS_STOCK)]
    except DBAPIError as error:  # unreachable, or not set up yet (no wms tables)
        report.failed[facility_id] = f"WMS database: {str(error.orig).strip()[:200]}"
        return
    finally:
        wms.dispose()
    with engine.begin() as conn:
        _upsert_master(conn, master)
        _replace_stock(conn, facility_id, stock, report)
    report.skus += len(master)


def _sync_store(
    engine: Engine, client: httpx.Client, store: str, retry: RetryPolicy, report: InventorySyncReport
) -> None:
    try:
        response = get_with_retries(client, STORE_INVENTORY_PATH, {"store_id": store}, retry)
        if not response.is_success:
            raise SourceUnavailableError(f"HTTP {response.status_code} {response.text[:200]}")
        items = [(item["sku"], int(item["on_hand"])) for item in response.json()["items"]]
    except (SourceUnavailableError, ValueError, KeyError, TypeError) as error:
        report.failed[store] = f"store tool inventory: {error}"
        return
    with engine.begin() as conn:
        _replace_stock(conn, store, items, report)


def _upsert_master(conn: Connection, master: Sequence[dict[str, Any]]) -> None:
    if not master:
        return
    columns = {
        "sku": "sku",
        "description": "description",
        "category": "item_class",
        "weight": "unit_weight",
        "weight_unit": "weight_uom",
        "length": "unit_length",
        "width": "unit_width",
        "height": "unit_height",
        "dimension_unit": "dim_uom",
    }
    params: dict[str, list] = {name: [row[source] for row in master] for name, source in columns.items()}
    params["category"] = [value or "unclassified" for value in params["category"]]
    # The WMS may not know a price; 0 marks "unknown" (the master's column is required).
    params["price"] = [row["retail_price"] if row["retail_price"] is not None else 0 for row in master]
    conn.execute(_UPSERT_SKUS, params)


def _replace_stock(
    conn: Connection, facility_id: str, stock: Sequence[tuple[str, int]], report: InventorySyncReport
) -> None:
    skus = [sku for sku, _ in stock]
    known = conn.execute(_KNOWN_SKUS, {"sku": skus}).scalar_one()
    changed = conn.execute(
        _UPSERT_STOCK, {"facility_id": facility_id, "sku": skus, "on_hand": [units for _, units in stock]}
    ).rowcount
    changed += conn.execute(_REMOVE_GONE, {"facility_id": facility_id, "sku": skus}).rowcount
    report.rows[facility_id] = known
    report.changed += changed
    report.unknown_skus += len(set(skus)) - known
