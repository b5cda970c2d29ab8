"""Open orders for live-flow tests, written straight into the order_state projection (what the page reads)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, insert

from db.models.orders import OrderState
from pipeline.projection import STAGES_FILE

STAGE_RANKS = {
    entry["stage"]: entry["rank"] for entry in json.loads(STAGES_FILE.read_text())["stages"].values()
}
TERMINAL_STAGES = {"delivered", "picked_up", "cancelled", "lost", "returned"}


def order_in_stage(
    conn: Connection,
    order_id: str,
    stage: str,
    entered_at: datetime,
    *,
    facility_id: str = "DC-RNO",
    ship_by: datetime | None = None,
    packed_at: datetime | None = None,
    carrier_pickup_at: datetime | None = None,
    on_hold: bool = False,
) -> None:
    conn.execute(
        insert(OrderState).values(
            order_id=order_id,
            facility_id=facility_id,
            stage=stage,
            stage_rank=STAGE_RANKS[stage],
            status=stage.upper(),
            is_terminal=stage in TERMINAL_STAGES,
            on_hold=on_hold,
            stage_entered_at=entered_at,
            first_event_at=entered_at,
            last_event_at=entered_at,
            ship_by=ship_by,
            packed_at=packed_at,
            carrier_pickup_at=carrier_pickup_at,
        )
    )


def busy_floor(conn: Connection, now: datetime, facility_id: str = "DC-RNO") -> None:
    """A Reno afternoon with the simulator's typical queues: one tote stuck in picking for over two
    hours, the picked queue grown by 60 in the last half hour (packing fell behind), a handful of
    orders close to or past their ship-by, and a live WMS feed."""
    from datetime import timedelta
    from random import Random

    from dashboard.flow_snapshots import write_flow_snapshot
    from db.models.pipeline_state import SourceCounter

    rng = Random(5)
    # stage: (orders, longest minutes in stage)
    queues = {"allocated": (14, 100), "released": (6, 40), "picking": (10, 60), "picked": (11, 40),
              "packed": (2, 10), "labeled": (18, 50), "staged": (236, 1500), "handed_to_carrier": (8, 300)}  # fmt: skip
    numbers = iter(range(4_200_001, 4_300_000))

    def add(stage: str, minutes: float, ship_in: float) -> None:
        entered = now - timedelta(minutes=minutes)
        order_in_stage(
            conn, f"SO-{next(numbers)}", stage, entered, facility_id=facility_id,
            ship_by=now + timedelta(minutes=ship_in) if stage != "handed_to_carrier" else None,
            packed_at=entered - timedelta(minutes=2) if STAGE_RANKS[stage] >= 60 else None,
            carrier_pickup_at=entered if stage == "handed_to_carrier" else None,
        )  # fmt: skip

    for stage, (count, longest) in queues.items():
        for _ in range(count):
            add(stage, rng.uniform(0, longest), rng.uniform(300, 1500))
    add("picking", 134, -25)  # the stuck tote, already late
    for ship_in in (-12, 35, 70, 110, 160, 200):
        add(rng.choice(["allocated", "picked", "labeled", "staged"]), rng.uniform(5, 30), ship_in)
    write_flow_snapshot(conn, now - timedelta(minutes=31))
    for _ in range(60):  # picked orders piling up since the snapshot
        add("picked", rng.uniform(0, 28), rng.uniform(240, 900))
    conn.execute(
        insert(SourceCounter).values(
            source=f"wms:{facility_id}",
            hour=now.replace(minute=0, second=0, microsecond=0),
            received=1200,
            normalized=1200,
            last_event_at=now - timedelta(seconds=4),
        )  # fmt: skip
    )
