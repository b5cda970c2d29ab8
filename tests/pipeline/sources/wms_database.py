"""A DC's WMS database beside a test's main database, with the simulator's change-log table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from db.engine import ensure_database, make_engine
from simulator.databases import wms_database_url
from simulator.sources.wms import CHANGE_LOG_DDL

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_INSERT = text(
    "INSERT INTO wms.change_log (txn_code, txn_ts, whse, order_no, line_no, sku, qty, user_id, carton_id, "
    "ref_1, ref_2, ref_3, details, available_at) VALUES (:txn_code, CAST(:txn_ts AS timestamp), :whse, :order_no, "
    ":line_no, :sku, :qty, :user_id, :carton_id, :ref_1, :ref_2, :ref_3, CAST(:details AS jsonb), :available_at) "
    "RETURNING seq"
)


def fixture_rows(facility_id: str) -> list[dict]:
    folder = FIXTURES / f"wms_{facility_id.lower().replace('-', '_')}"
    return json.loads((folder / "change_log.json").read_text())


def wms_engine_for(main_url: str, facility_id: str = "DC-RNO") -> Engine:
    url = wms_database_url(main_url, facility_id)
    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(CHANGE_LOG_DDL))
    return engine


def insert_rows(conn: Connection, rows: Iterable[dict]) -> list[int]:
    """Insert change-log rows (their `seq` is assigned by the WMS database, as in production)."""
    seqs = []
    for row in rows:
        values = {**row, "details": json.dumps(row.get("details")) if row.get("details") is not None else None,
                  "available_at": row.get("available_at") or datetime.now(UTC)}  # fmt: skip
        seqs.append(conn.execute(_INSERT, values).scalar_one())
    return seqs
