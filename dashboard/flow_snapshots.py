"""Per-minute counts of open orders per stage and facility: the memory the live flow needs to tell a
queue that grows from one that is merely long.

`snapshot_flow(engine, now)` is scheduled every minute by the pipeline worker. It reads the open-order
index of order_state (never event history), writes one row per facility for that minute (zeros
included, so "nothing there" is told apart from "no snapshot"), and drops rows older than the
retention in dashboard/flow_thresholds.json. Two workers running it in the same minute write the same
row twice: the second write wins and says the same thing. No Streamlit here: the worker imports it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.dialects.postgresql import insert

from dashboard.flow_thresholds import LIVE_FLOW_STAGES, flow_thresholds
from db.master_data import facilities
from db.models.kiosk import FlowSnapshot

OPEN_ORDERS_BY_STAGE = text(
    """
    SELECT facility_id, stage, count(*) AS orders
    FROM order_state
    WHERE NOT is_terminal AND facility_id IS NOT NULL AND stage = ANY(:stages)
    GROUP BY facility_id, stage
    """
)


def snapshot_minute(now: datetime) -> datetime:
    """The minute a snapshot taken at `now` stands for."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC instant), got a naive one")
    return now.replace(second=0, microsecond=0)


def write_flow_snapshot(conn: Connection, now: datetime) -> int:
    """Record this minute's open orders per stage for every facility; prune old minutes. The caller
    owns the transaction. Returns the number of facilities written."""
    taken_at = snapshot_minute(now)
    counts: dict[str, dict[str, int]] = {
        item.facility_id: dict.fromkeys(LIVE_FLOW_STAGES, 0) for item in facilities()
    }
    for row in conn.execute(OPEN_ORDERS_BY_STAGE, {"stages": list(LIVE_FLOW_STAGES)}):
        if row.facility_id in counts:
            counts[row.facility_id][row.stage] = row.orders
    rows = [{"facility_id": key, "taken_at": taken_at, "counts": value} for key, value in counts.items()]
    statement = insert(FlowSnapshot).values(rows)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[FlowSnapshot.facility_id, FlowSnapshot.taken_at],
            set_={"counts": statement.excluded.counts},
        )
    )
    keep = timedelta(hours=flow_thresholds().snapshot_retention_hours)
    conn.execute(delete(FlowSnapshot).where(FlowSnapshot.taken_at < taken_at - keep))
    return len(rows)


def snapshot_flow(engine: Engine, now: datetime) -> int:
    """The worker's minute job: `write_flow_snapshot` in a transaction of its own."""
    with engine.begin() as conn:
        return write_flow_snapshot(conn, now)
