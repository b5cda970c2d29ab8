"""Lane statistics from delivered shipments: a sample per delivery in working hours, quantiles per lane,
the lookback, and incremental runs that touch only the lanes with new deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, text

from pipeline.eta.lane_stats import refresh_lanes
from pipeline.eta.lanes import LaneDistribution
from tests.pipeline.eta.parcels import load, parcel

RENO = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
FIRST_PICKUP = datetime(2026, 11, 2, 18, tzinfo=RENO)  # Monday


def delivered_parcels(prefix: str, count: int, **lane) -> list[list[dict]]:
    """`count` parcels picked up on Monday evenings, delivered 40 + i hours later (no day off between)."""
    orders = []
    for i in range(count):
        picked_up = FIRST_PICKUP + timedelta(days=14 * (i % 2))  # Mondays 2 and 16: no holiday near
        orders.append(
            parcel(f"SO-{prefix}{i:03d}", picked_up, delivered=picked_up + timedelta(hours=40 + i), **lane)
        )
    return orders


def lane_row(conn: Connection, dest_zip3: str = "606") -> dict:
    return dict(conn.execute(
        text("SELECT * FROM lane_stat WHERE carrier_id = 'ups' AND service_code = 'GND' AND dest_zip3 = :z"),
        {"z": dest_zip3},
    ).mappings().one())  # fmt: skip


def test_the_first_run_measures_every_delivery_and_summarizes_each_lane(conn: Connection) -> None:
    load(
        conn,
        *delivered_parcels("A", 24),
        *delivered_parcels("B", 3, postal_code="94105", time_zone="America/Los_Angeles"),
    )

    report = refresh_lanes(conn, now=NOW)

    assert (report.samples, report.lanes, report.full) == (27, 2, True)
    chicago = lane_row(conn)
    expected = LaneDistribution.from_hours([40 + i for i in range(24)])
    assert chicago["samples"] == 24
    assert chicago["quantiles"] == pytest.approx(list(expected.quantiles))
    assert lane_row(conn, "941")["samples"] == 3


def test_a_later_run_measures_only_new_deliveries_and_resummarizes_only_their_lane(conn: Connection) -> None:
    load(
        conn,
        *delivered_parcels("C", 20),
        *delivered_parcels("D", 3, postal_code="94105", time_zone="America/Los_Angeles"),
    )
    refresh_lanes(conn, now=NOW)
    # What the first run read was loaded an hour before this run's watermark.
    conn.execute(text("UPDATE event SET loaded_at = loaded_at - interval '2 hours'"))
    conn.execute(text("UPDATE eta_refresh_state SET loaded_through = loaded_through - interval '1 hour'"))
    load(conn, *delivered_parcels("E", 1))

    report = refresh_lanes(conn, now=NOW)

    assert (report.samples, report.lanes, report.full) == (1, 1, False)
    assert lane_row(conn)["samples"] == 21


def test_deliveries_older_than_the_lookback_leave_the_lane(conn: Connection) -> None:
    load(conn, *delivered_parcels("F", 5))

    refresh_lanes(conn, now=NOW + timedelta(days=90), full=True)

    assert conn.execute(text("SELECT count(*) FROM lane_stat")).scalar_one() == 0
    assert conn.execute(text("SELECT count(*) FROM lane_sample")).scalar_one() == 5
